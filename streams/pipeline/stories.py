"""Catalog and stories: the verdict half of ``/articles/{id}``, and ``/stories/{id}``.

The catalog entry of an article (keyed by its id) holds what a story shows of
the article (``member_summary``) and its latest verdict, which reach it in
either order. Once both are known, and whenever the verdict moves the article
to another story, the entry announces the article to its story (keyed by story
id, through ``graph.by-story``) and withdraws it from the story it left. A
story entry is then the set of its members with what a reader wants to see of
them, and each member that joins is related to the story's recent members
(``story`` edges). The article itself is kept once, in the ``articles`` table
(the ``article`` step); ``article_view`` joins it to its verdict.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from streams.pipeline import link
from streams.records import Edge

State = dict[str, Any]
Announcement = tuple[str, dict[str, Any]]  # (story id, message)

TOP_ENTITIES = 10
MEMBER_ENTITIES = 8
# A member that joins a story is related to this many members seen before it.
RELATED_MEMBERS = link.MAX_INDEX_MEMBERS
# What a reader or a service wants to know of an article it did not ask for
# (a neighbour, an entity's article), so that it needs no second request.
SUMMARY_FIELDS = ("title", "language", "source", "published_at")


def catalog_article(state: State | None, article: dict[str, Any]) -> tuple[State, list[Announcement]]:
    return _announce({**(state or {}), "member": member_summary(article)})


def catalog_verdict(state: State | None, verdict: dict[str, Any]) -> tuple[State, list[Announcement]]:
    return _announce({**(state or {}), "verdict": verdict})


def _announce(state: State) -> tuple[State, list[Announcement]]:
    """Announce the article to its story every time: joining twice is harmless, and a
    message processed again after a crash must send again what it sent before."""
    member, verdict = state.get("member"), state.get("verdict")
    if member is None or verdict is None:
        return state, []
    announcements: list[Announcement] = []
    if state.get("story") and state["story"] != verdict["story_id"]:
        announcements.append((state["story"], {"leave": member["article_id"]}))
    announcements.append((verdict["story_id"], {"join": member}))
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


def observe_story(state: State | None, message: dict[str, Any]) -> tuple[State | None, list[Edge]]:
    """A member joins or leaves; ``None`` when the story has no member left.

    A member that joins is related to the ``RELATED_MEMBERS`` most recent
    members; joining again (a replay, or a re-delivery after a crash that may
    have lost the edges sent then) sends again the edges to those seen before it.
    """
    members = dict((state or {}).get("members", {}))
    if "leave" in message:
        members.pop(message["leave"], None)
        return ({"members": members} if members else None), []
    joining = message["join"]
    ordered = sorted(members.values(), key=_seen_order)
    if joining["article_id"] in members:
        position = [m["article_id"] for m in ordered].index(joining["article_id"])
        recent = ordered[max(0, position - RELATED_MEMBERS) : position]
    else:
        recent = ordered[-RELATED_MEMBERS:]
    members[joining["article_id"]] = joining
    edges = [
        edge
        for other in recent
        for edge in link.both_ways(
            joining["article_id"],
            other["article_id"],
            link.STORY_SCORE,
            "story",
            _seen(joining),
            _seen(other),
        )
    ]
    return {"members": members}, edges


def expire_story(state: State, cutoff: str) -> State | None:
    """Forget members seen before ``cutoff`` (ISO time); ``None`` when none is left."""
    members = {aid: m for aid, m in state["members"].items() if not (_seen(m) and _seen(m) < cutoff)}
    return {"members": members} if members else None


def _seen(member: dict[str, Any]) -> str:
    return member.get("fetched_at") or member.get("published_at") or ""


def _seen_order(member: dict[str, Any]) -> tuple[str, str]:
    return (_seen(member), member["article_id"])


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


def article_view(entry: State | None, catalog: State | None) -> dict[str, Any] | None:
    """``/articles/{id}``: the article (its ``articles`` entry) and its latest verdict (its catalog
    entry); None until the article is known."""
    if not entry or not entry.get("article"):
        return None
    return {"article": entry["article"], "verdict": (catalog or {}).get("verdict")}


def article_summary(entry: State | None) -> dict[str, Any] | None:
    """Title, language, source and publication time of an ``articles`` entry; None when it has no article."""
    article = (entry or {}).get("article")
    if not article:
        return None
    return {name: article.get(name) for name in SUMMARY_FIELDS}
