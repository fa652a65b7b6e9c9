"""What the HTTP layer reads out of table entries: every entry shape is read here, and only here.

The shapes belong to the steps that write the tables (``streams/pipeline/``):
the ``articles`` entry (the enriched article), the ``catalog`` entry (its
latest verdict and the story it is in), the related-articles entry
``related_graph`` and the index entry ``graph_index`` (an entity's or key
phrase's recent articles). ``streams/web.py`` routes and
serialises; when a step changes the shape of its entry, these functions are
the one place to follow it.
"""

from __future__ import annotations

from typing import Any, get_args, get_type_hints

import orjson

from streams.pipeline.link import neighbours
from streams.records import Entity
from streams.text import match_tokens

Entry = dict[str, Any]

# What a reader or a service wants to know of an article it did not ask for
# (a neighbour, an entity's article), so that it needs no second request.
SUMMARY_FIELDS = ("title", "language", "source", "published_at")
ENTITY_TYPES = frozenset(get_args(get_type_hints(Entity)["type"]))


def decode(stored: bytes | None) -> Entry | None:
    """A table value as the steps wrote it (orjson bytes)."""
    return orjson.loads(stored) if stored is not None else None


# --- catalog (``articles``) -----------------------------------------------------------------


def article_answer(entry: Entry | None, catalog: Entry | None) -> Entry | None:
    """``/articles/{id}``: the enriched article and its latest verdict; None until the article is known."""
    if not entry or not entry.get("article"):
        return None
    return {"article": entry["article"], "verdict": (catalog or {}).get("verdict")}


def article_summary(entry: Entry | None) -> Entry | None:
    """Title, language, source and publication time of a catalog entry; None when it has no article."""
    article = (entry or {}).get("article")
    if not article:
        return None
    return {name: article.get(name) for name in SUMMARY_FIELDS}


def latest_seen(entry: Entry | None) -> str:
    """When the catalog last heard of the article: for ordering "latest" lists."""
    article = (entry or {}).get("article") or {}
    return str(article.get("fetched_at") or article.get("published_at") or "")


# --- related articles (``related_graph``) -------------------------------------------------------


def related_items(entry: Entry | None) -> list[Entry]:
    """The related articles of an entry, best first: ``{article_id, score, reasons}``."""
    return neighbours(entry)


def edge_count(entry: Entry | None) -> int:
    return len((entry or {}).get("neighbours", {}))


# --- entity and key-phrase index (``graph_index``) ----------------------------------------------


def index_key(asked: str) -> str | None:
    """The ``graph_index`` key of what a person asks for, or None if it names no entity or phrase.

    Every form newsflow shows is accepted: an entity key as ``/articles/{id}``
    shows it (``place:UA``), a related article's reason (``entity:place:UA``,
    ``keyword:<phrase>``: the index key itself) and a key phrase as the article
    lists it, in its original spelling (matched as the link step indexes it;
    that matching is not idempotent, so a ``keyword:`` reason is taken as it is).
    """
    kind, _, rest = asked.partition(":")
    if kind in ("entity", "keyword"):
        return asked if rest.strip() else None
    if kind in ENTITY_TYPES and rest.strip():
        return f"entity:{asked}"
    tokens = match_tokens(asked)
    return f"keyword:{' '.join(tokens)}" if tokens else None


def index_members(entry: Entry | None) -> tuple[int, list[Entry]]:
    """How many articles in the window name the key, and the most recent ones, newest first."""
    if not entry:
        return 0, []
    members = [
        {"article_id": m["id"], "at": m.get("at") or None, "language": m.get("lang") or None}
        for m in reversed(entry.get("members", []))
    ]
    return int(entry.get("seen", len(members))), members
