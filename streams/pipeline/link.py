"""Link: which articles are related, and why.

Relations are found where the articles meet, each on its own partition key:

* ``embedded``: a page and each article it embedded (known from ``parent_id``);
* ``story``: two articles of one dedup story (from the verdicts);
* ``entity:<key>`` / ``keyword:<phrase>``: articles that share a salient entity
  or key phrase meet in an index entry keyed by that key (``graph.by-entity``),
  weighted by rarity: an entity in thousands of articles counts little;
* ``explicit``: a page's related headlines meet the articles that carry those
  titles in an index entry keyed by the title's matching form
  (``graph.by-title``), whichever arrives first;
* ``cross-lingual``: a shared entity between articles in two languages.

Every relation becomes two edges (one per direction), each keyed by its
``src`` so that ``apply_edge`` folds it into the ``related_graph`` entry of its
owner. An edge carries one reason and that reason's score; a neighbour keeps
the best score per reason and combines them, so applying an edge twice (a
re-delivered message) changes nothing.
"""

from __future__ import annotations

import math
from typing import Any

from streams.records import Edge, EnrichedArticle, Verdict
from streams.text import fold_inner_vowels, match_tokens

NodeState = dict[str, Any]
IndexState = dict[str, Any]

EXPLICIT_SCORE = 0.9
# One shared rare entity is a hint, not proof: it scores at most ENTITY_FACTOR.
ENTITY_FACTOR = 0.5
KEYWORD_FACTOR = 0.25
# An index entry relates a new article to its most recent members only, and not
# at all once the key is so common that its weight would say nothing.
MAX_INDEX_MEMBERS = 50
MIN_WEIGHT = 0.02
MAX_KEYWORDS = 5


def edges_for_article(article: EnrichedArticle) -> list[Edge]:
    """A page and each article it embeds are related, both ways."""
    if not article.parent_id:
        return []
    return both_ways(article.parent_id, article.article_id, 1.0, "embedded")


def edges_for_verdict(verdict: Verdict) -> list[Edge]:
    """Two articles of one story are related, both ways."""
    if verdict.status != "duplicate" or not verdict.duplicate_of:
        return []
    score = verdict.similarity if verdict.similarity is not None else 1.0
    return both_ways(verdict.article_id, verdict.duplicate_of, score, "story")


def index_keys(article: EnrichedArticle) -> list[str]:
    """The salient entities and key phrases an article is indexed under.

    Salient: named in the title or the first paragraph, or named twice.
    """
    lead = ((article.title or "") + "\n" + (article.paragraphs[0] if article.paragraphs else "")).strip()
    keys = [
        f"entity:{entity.key}"
        for entity in article.entities
        if len(entity.mentions) >= 2 or any(m.text in lead for m in entity.mentions)
    ]
    keys += [f"keyword:{' '.join(match_tokens(k))}" for k in article.keywords[:MAX_KEYWORDS]]
    return sorted(set(k for k in keys if not k.endswith(":")))


def member_ref(article: EnrichedArticle) -> dict[str, Any]:
    return {"id": article.article_id, "at": article.published_at or article.fetched_at or "",
            "lang": article.language or ""}  # fmt: skip


def observe_index(state: IndexState | None, ref: dict[str, Any], key: str) -> tuple[IndexState, list[Edge]]:
    """An article joins the index entry of ``key``: relate it to the members already there."""
    members: list[dict[str, Any]] = list((state or {}).get("members", []))
    seen = int((state or {}).get("seen", 0))
    if any(m["id"] == ref["id"] for m in members):
        return {"members": members, "seen": seen}, []  # re-delivered: nothing new
    seen += 1
    weight = rarity_weight(seen) * (KEYWORD_FACTOR if key.startswith("keyword:") else ENTITY_FACTOR)
    edges: list[Edge] = []
    for other in members if weight >= MIN_WEIGHT else []:
        edges += both_ways(ref["id"], other["id"], weight, key)
        if ref["lang"] and other["lang"] and ref["lang"] != other["lang"] and key.startswith("entity:"):
            edges += both_ways(ref["id"], other["id"], weight, "cross-lingual")
    members = sorted([*members, ref], key=lambda m: (m["at"], m["id"]))[-MAX_INDEX_MEMBERS:]
    return {"members": members, "seen": seen}, edges


def rarity_weight(articles_with_key: int) -> float:
    """How much sharing a key says: 1 for a key two articles share, falling as 1/sqrt(n)."""
    return round(1.0 / math.sqrt(max(articles_with_key - 1, 1)), 4)


def expire_index(state: IndexState, cutoff: str) -> IndexState | None:
    """Forget members seen before ``cutoff`` (ISO time); ``None`` when none is left."""
    members = [m for m in state.get("members", []) if not m["at"] or m["at"] >= cutoff]
    return {**state, "members": members} if members else None


def title_key(title: str | None) -> str | None:
    """Headlines match on folded words, so spelling variants of one title meet."""
    tokens = [fold_inner_vowels(t) for t in match_tokens(title or "")]
    return " ".join(tokens) if len(tokens) >= 3 else None


def title_refs(article: EnrichedArticle) -> list[tuple[str, dict[str, str]]]:
    """(title key, ref): the article's own title, and each headline it links to."""
    refs: list[tuple[str, dict[str, str]]] = []
    own = title_key(article.title)
    if own:
        refs.append((own, {"titled": article.article_id}))
    for headline in article.related_headlines:
        key = title_key(headline)
        if key and key != own:
            refs.append((key, {"linked_from": article.article_id}))
    return refs


def observe_title(state: IndexState | None, ref: dict[str, str]) -> tuple[IndexState, list[Edge]]:
    """Pages that link to a headline meet the articles that carry it, in either order."""
    titled = list((state or {}).get("titled", []))
    linked_from = list((state or {}).get("linked_from", []))
    edges: list[Edge] = []
    if "titled" in ref and ref["titled"] not in titled:
        edges = [e for page in linked_from for e in _explicit(page, ref["titled"])]
        titled = [*titled, ref["titled"]][-MAX_INDEX_MEMBERS:]
    elif "linked_from" in ref and ref["linked_from"] not in linked_from:
        edges = [e for art in titled for e in _explicit(ref["linked_from"], art)]
        linked_from = [*linked_from, ref["linked_from"]][-MAX_INDEX_MEMBERS:]
    return {"titled": titled, "linked_from": linked_from}, edges


def _explicit(page: str, article: str) -> list[Edge]:
    return both_ways(page, article, EXPLICIT_SCORE, "explicit")


def apply_edge(state: NodeState | None, edge: Edge, *, top_k: int) -> NodeState:
    """Fold ``edge`` into ``src``'s neighbours: the best score per reason, combined.

    Only the ``top_k`` best neighbours are kept, ties broken by id so that every
    replica of the state keeps the same ones.
    """
    table: dict[str, dict[str, float]] = {
        dst: dict(reasons) for dst, reasons in (state or {}).get("neighbours", {}).items()
    }
    reasons = table.setdefault(edge.dst, {})
    for reason in edge.reasons:
        reasons[reason] = max(reasons.get(reason, 0.0), edge.score)
    if len(table) > top_k:
        table = dict(sorted(table.items(), key=lambda item: (-combined(item[1]), item[0]))[:top_k])
    return {"neighbours": table}


def combined(reasons: dict[str, float]) -> float:
    """Independent pieces of evidence: 1 - Π(1 - score). Two weak reasons beat one."""
    remaining = 1.0
    for score in reasons.values():
        remaining *= 1.0 - min(max(score, 0.0), 1.0)
    return round(1.0 - remaining, 4)


def neighbours(state: NodeState | None) -> list[dict[str, Any]]:
    """The related articles of a node, best first: ``{article_id, score, reasons}``."""
    table = (state or {}).get("neighbours", {})
    ranked = sorted(table.items(), key=lambda item: (-combined(item[1]), item[0]))
    return [{"article_id": dst, "score": combined(r), "reasons": sorted(r)} for dst, r in ranked]


def both_ways(a: str, b: str, score: float, reason: str) -> list[Edge]:
    score = round(score, 4)
    return [
        Edge(src=a, dst=b, score=score, reasons=[reason]),
        Edge(src=b, dst=a, score=score, reasons=[reason]),
    ]
