"""Link: which articles are related, and why.

``edges_for_article`` and ``edges_for_verdict`` turn an article or a dedup
verdict into edges (both directions, each keyed by its ``src`` so that it lands
on the partition that owns ``src``); ``apply_edge`` folds one edge into the
``related_graph`` entry of its ``src``. Applying the same edge twice changes
nothing, so a re-delivered message never adds weight.
"""

from __future__ import annotations

from typing import Any

from streams.records import Edge, EnrichedArticle, Verdict

NodeState = dict[str, Any]


def edges_for_article(article: EnrichedArticle) -> list[Edge]:
    """A page and each article it embeds are related, both ways."""
    if not article.parent_id:
        return []
    return _both_ways(article.parent_id, article.article_id, 1.0, "embedded")


def edges_for_verdict(verdict: Verdict) -> list[Edge]:
    """Two articles of one story are related, both ways."""
    if verdict.status != "duplicate" or not verdict.duplicate_of:
        return []
    score = verdict.similarity if verdict.similarity is not None else 1.0
    return _both_ways(verdict.article_id, verdict.duplicate_of, score, "story")


def apply_edge(state: NodeState | None, edge: Edge, *, top_k: int) -> NodeState:
    """Merge ``edge`` into ``src``'s neighbours: reasons are a set, the score their best.

    Only the ``top_k`` best neighbours are kept, ties broken by id so that every
    replica of the state keeps the same ones.
    """
    neighbours: dict[str, dict[str, Any]] = {
        dst: dict(info) for dst, info in (state or {}).get("neighbours", {}).items()
    }
    current = neighbours.get(edge.dst, {"score": 0.0, "reasons": []})
    reasons = sorted(set(current["reasons"]) | set(edge.reasons))
    neighbours[edge.dst] = {"score": max(current["score"], edge.score), "reasons": reasons}
    if len(neighbours) > top_k:
        best = sorted(neighbours.items(), key=lambda item: (-item[1]["score"], item[0]))[:top_k]
        neighbours = dict(best)
    return {"neighbours": neighbours}


def neighbours(state: NodeState | None) -> list[dict[str, Any]]:
    """The related articles of a node, best first."""
    items = (state or {}).get("neighbours", {}).items()
    ranked = sorted(items, key=lambda item: (-item[1]["score"], item[0]))
    return [{"article_id": dst, **info} for dst, info in ranked]


def _both_ways(a: str, b: str, score: float, reason: str) -> list[Edge]:
    return [
        Edge(src=a, dst=b, score=round(score, 4), reasons=[reason]),
        Edge(src=b, dst=a, score=round(score, 4), reasons=[reason]),
    ]
