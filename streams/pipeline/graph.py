"""The related-article graph: each article's entry in ``related_graph``, folded from edges.

The graph stays symmetric and bounded: an entry that drops a neighbour from its
top-k tells that neighbour which reasons it dropped (a ``forget`` edge: a reason
added meanwhile survives on both sides), and every edge carries the time
of both ends, so the expiry of an entry removes the article itself and, in the
entries of its neighbours, every neighbour that left the window. No message has
to travel when an article expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streams.pipeline.link import FORGET, LABELS, NAME_PREFIXES, NAMES_CAP, NodeState, before
from streams.records import Edge


def fold_edge(state: NodeState | None, edge: Edge, *, top_k: int) -> tuple[NodeState | None, list[Edge]]:
    """Fold ``edge`` into ``src``'s entry; the ``forget`` edges that keep the graph symmetric.

    The entry keeps the best score per reason and neighbour, the ``top_k`` best
    neighbours (ties broken by id, so every replica keeps the same ones), and
    when each article was first seen (``at`` for itself, ``times`` for its
    neighbours), which its expiry reads. A neighbour dropped from the top-k is
    told to drop the same reasons for ``src``; a ``forget`` edge removes them and
    tells no one (``None``: the entry has no neighbour left, delete it).
    """
    state = state or {}
    if _adds_nothing(state, edge):
        # A pair meets in several index entries, and both ends send: most edges repeat one
        # already folded. Nothing to copy, rank or tell.
        return state or None, []
    table = dict(state.get("neighbours", {}))  # only the entry of ``dst`` is changed: copied below
    times = dict(state.get("times", {}))
    at = _earliest(state.get("at"), edge.src_at)
    if edge.reasons[:1] == [FORGET]:
        kept = {r: v for r, v in table.get(edge.dst, {}).items() if r not in edge.reasons[1:]}
        if kept:
            table[edge.dst] = kept
        else:
            table.pop(edge.dst, None)
            times.pop(edge.dst, None)
        return (_node(at, table, times) if table else None), []
    reasons = table[edge.dst] = dict(table.get(edge.dst, {}))
    for reason in edge.reasons:
        reasons[reason] = max(reasons.get(reason, 0.0), edge.score)
    if _earliest(times.get(edge.dst), edge.dst_at):
        times[edge.dst] = _earliest(times.get(edge.dst), edge.dst_at)
    forgets: list[Edge] = []
    if len(table) > top_k:
        score = {dst: combined(r) for dst, r in table.items()}
        ranked = sorted(table, key=lambda dst: (-score[dst], dst))
        forgets = [
            Edge(src=dst, dst=edge.src, score=0.0, reasons=[FORGET, *sorted(table[dst])])
            for dst in ranked[top_k:]
        ]
        table = {dst: table[dst] for dst in ranked[:top_k]}
        times = {dst: t for dst, t in times.items() if dst in table}
    return _node(at, table, times), forgets


def _adds_nothing(state: NodeState, edge: Edge) -> bool:
    """True when ``state`` already holds every reason of ``edge`` at its score or more, and its times."""
    if not state or edge.reasons[:1] == [FORGET]:
        return False
    held = state.get("neighbours", {}).get(edge.dst)
    if held is None or any(held.get(reason, -1.0) < edge.score for reason in edge.reasons):
        return False
    times = state.get("times", {})
    return _earliest(state.get("at"), edge.src_at) == state.get("at") and (
        _earliest(times.get(edge.dst), edge.dst_at) == times.get(edge.dst)
    )


def apply_edge(state: NodeState | None, edge: Edge, *, top_k: int) -> NodeState | None:
    """``fold_edge`` without the messages it sends: what ``src``'s entry becomes."""
    return fold_edge(state, edge, top_k=top_k)[0]


def relations_from_records(edges: Iterable[Edge], *, top_k: int) -> dict[str, list[dict[str, Any]]]:
    """Each article's related articles, best first, as a reader of ``graph.edges`` sees them.

    A record (schema 2) is the whole relation as it stands: the last one per pair
    wins, and one with score 0 and no reasons says the relation is gone.
    """
    latest: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        latest[(edge.src, edge.dst)] = edge
    related: dict[str, list[dict[str, Any]]] = {}
    for (src, dst), edge in latest.items():
        if edge.score > 0 and edge.reasons:
            related.setdefault(src, []).append(
                {"article_id": dst, "score": edge.score, "reasons": sorted(edge.reasons)}
            )
    for items in related.values():
        items.sort(key=lambda item: (-item["score"], item["article_id"]))
        del items[top_k:]
    return related


def expire_node(state: NodeState, cutoff: str) -> NodeState | None:
    """Forget the article once it left the window, and every neighbour that left it.

    ``None`` (delete the entry) when the article is gone or has no neighbour left.
    An article with no known time never expires (as in dedup).
    """
    if before(state.get("at"), cutoff):
        return None
    times = state.get("times", {})
    gone = {dst for dst in state.get("neighbours", {}) if before(times.get(dst), cutoff)}
    if not gone:
        return state
    table = {dst: r for dst, r in state["neighbours"].items() if dst not in gone}
    kept = {dst: t for dst, t in times.items() if dst not in gone}
    return _node(state.get("at"), table, kept) if table else None


def _node(at: str | None, table: dict[str, dict[str, float]], times: dict[str, str]) -> NodeState:
    return {"at": at, "neighbours": table, "times": times}


def _earliest(a: str | None, b: str | None) -> str | None:
    """First seen wins: the same whatever order the edges arrive in, and on every replay."""
    known = [t for t in (a, b) if t]
    return min(known) if known else None


def combined(reasons: dict[str, float]) -> float:
    """Independent pieces of evidence: 1 - Π(1 - score). Two weak reasons beat one.

    The names and key phrases a pair shares are one piece, not one each: combined
    among themselves the same way, and worth at most ``NAMES_CAP`` together (seven
    shared names of one football round do not make two match reports one story).
    Labels (``cross-lingual``) say something about the pair, not how related it is.
    """
    remaining = 1.0
    names = 1.0
    for reason, score in reasons.items():
        if reason in LABELS or score <= 0.0:
            continue
        if reason.startswith(NAME_PREFIXES):
            names *= 1.0 - min(score, 1.0)
            continue
        if score >= 1.0:
            return 1.0
        remaining *= 1.0 - score
    remaining *= 1.0 - min(1.0 - names, NAMES_CAP)
    return round(1.0 - remaining, 4)


def changed_edges(src: str, before: NodeState | None, after: NodeState | None) -> list[Edge]:
    """``src``'s relations that differ between two versions of its entry, each as it now stands.

    A neighbour whose reasons changed gives one edge with all its reasons and
    their combined score; a neighbour that is gone gives score 0 and no reason.
    This is what ``graph.edges`` carries: the latest record of a pair is the
    relation, however many edges were folded into it meanwhile.
    """
    old, new = (before or {}).get("neighbours", {}), (after or {}).get("neighbours", {})
    at = (after or before or {}).get("at")
    edges = [
        Edge(
            src=src,
            dst=dst,
            score=combined(reasons),
            reasons=sorted(reasons),
            src_at=at,
            dst_at=(after or {}).get("times", {}).get(dst),
        )
        for dst, reasons in new.items()
        if old.get(dst) != reasons
    ]
    gone = sorted(old.keys() - new.keys())
    times = (before or {}).get("times", {})
    return edges + [
        Edge(src=src, dst=dst, score=0.0, reasons=[], src_at=at, dst_at=times.get(dst)) for dst in gone
    ]


# --- views: what the HTTP answers and the metrics read of the entries -------------------------------


# What a neighbour needs to be shown (``/articles/{id}/related`` by default): as much
# evidence as a content cosine of about 0.48 alone, a story, a link, or shared rare
# names with content that agrees. Calibrated on human ratings (the rated news pairs of
# scripts/eval_similarity.py): pairs at 0.35 or more are rated similar 73% of the time
# and hold 77% of the pairs rated similar; any floor from 0.3 to 0.45 does about as
# well (F1 0.74-0.75), and the higher ones leave more articles with nothing to show.
# A shared name or key phrase alone, or content a little above chance, is kept in the
# graph (more evidence may join it) and shown only to a reader who asks with ``min_score``.
SHOWN_MIN_SCORE = 0.35


def neighbours(state: NodeState | None, min_score: float = SHOWN_MIN_SCORE) -> list[dict[str, Any]]:
    """A node's related articles scoring ``min_score`` or more, best first (article_id, score, reasons)."""
    table = (state or {}).get("neighbours", {})
    scored = [(dst, combined(r), r) for dst, r in table.items()]
    ranked = sorted((item for item in scored if item[1] >= min_score), key=lambda item: (-item[1], item[0]))
    return [{"article_id": dst, "score": score, "reasons": sorted(r)} for dst, score, r in ranked]


def edge_count(state: NodeState | None) -> int:
    """How many neighbours a node keeps: its edges in the graph."""
    return len((state or {}).get("neighbours", {}))
