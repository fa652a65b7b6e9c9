"""Catalog and stories: what ``/articles/{id}`` and ``/stories/{id}`` answer.

The catalog entry of an article (keyed by its id) holds the enriched article
and its latest verdict, which reach it on two topics in either order. Once both
are known, and whenever the verdict moves the article to another story, the
entry announces the article to its story (keyed by story id, through
``graph.by-story``) and withdraws it from the story it left. A story entry is
then the set of its members with what a reader wants to see of them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

State = dict[str, Any]
Announcement = tuple[str, dict[str, Any]]  # (story id, message)

TOP_ENTITIES = 10
MEMBER_ENTITIES = 8


def catalog_article(state: State | None, article: dict[str, Any]) -> tuple[State, list[Announcement]]:
    return _announce({**(state or {}), "article": article})


def catalog_verdict(state: State | None, verdict: dict[str, Any]) -> tuple[State, list[Announcement]]:
    return _announce({**(state or {}), "verdict": verdict})


def _announce(state: State) -> tuple[State, list[Announcement]]:
    """Announce the article to its story every time: joining twice is harmless, and a
    message processed again after a crash must send again what it sent before."""
    article, verdict = state.get("article"), state.get("verdict")
    if article is None or verdict is None:
        return state, []
    announcements: list[Announcement] = []
    if state.get("story") and state["story"] != verdict["story_id"]:
        announcements.append((state["story"], {"leave": article["article_id"]}))
    announcements.append((verdict["story_id"], {"join": member_summary(article)}))
    return {**state, "story": verdict["story_id"]}, announcements


def member_summary(article: dict[str, Any]) -> dict[str, Any]:
    entities = sorted(article.get("entities", []), key=lambda e: -len(e.get("mentions", [])))
    return {
        "article_id": article["article_id"],
        "title": article.get("title"),
        "source": article.get("source"),
        "language": article.get("language"),
        "published_at": article.get("published_at"),
        "fetched_at": article.get("fetched_at"),
        "entities": [
            {"key": e["key"], "name": e["name"], "type": e["type"], "mentions": len(e.get("mentions", []))}
            for e in entities[:MEMBER_ENTITIES]
        ],
    }


def observe_story(state: State | None, message: dict[str, Any]) -> State | None:
    """A member joins or leaves; ``None`` when the story has no member left."""
    members = dict((state or {}).get("members", {}))
    if "join" in message:
        members[message["join"]["article_id"]] = message["join"]
    else:
        members.pop(message["leave"], None)
    return {"members": members} if members else None


def story_view(story_id: str, state: State) -> dict[str, Any]:
    """Members, when it was first seen, outlets, languages, top entities."""
    members = sorted(
        state["members"].values(), key=lambda m: (m["published_at"] or "\uffff", m["article_id"])
    )
    seen = [m["published_at"] or m["fetched_at"] for m in members if m["published_at"] or m["fetched_at"]]
    weights: Counter[str] = Counter()
    names: dict[str, dict[str, str]] = {}
    for member in members:
        for entity in member["entities"]:
            weights[entity["key"]] += entity["mentions"]
            names.setdefault(entity["key"], {"name": entity["name"], "type": entity["type"]})
    return {
        "story_id": story_id,
        "first_seen": min(seen) if seen else None,
        "members": [
            {k: m[k] for k in ("article_id", "title", "source", "language", "published_at")} for m in members
        ],
        "outlets": sorted({m["source"] for m in members if m["source"]}),
        "languages": sorted({m["language"] for m in members if m["language"]}),
        "top_entities": [
            {"key": key, **names[key], "mentions": count} for key, count in weights.most_common(TOP_ENTITIES)
        ],
    }
