from streams.pipeline.link import apply_edge, edges_for_verdict, neighbours
from streams.records import Edge, Verdict


def _edge(src, dst, score=1.0, reason="embedded"):
    return Edge(src=src, dst=dst, score=score, reasons=[reason])


def test_applying_an_edge_twice_changes_nothing():
    once = apply_edge(None, _edge("a", "b"), top_k=10)
    assert apply_edge(once, _edge("a", "b"), top_k=10) == once


def test_reasons_accumulate_and_the_best_score_wins():
    state = apply_edge(None, _edge("a", "b", 0.4, "entity:x"), top_k=10)
    state = apply_edge(state, _edge("a", "b", 0.9, "story"), top_k=10)
    assert neighbours(state) == [{"article_id": "b", "score": 0.9, "reasons": ["entity:x", "story"]}]


def test_only_the_top_k_neighbours_are_kept():
    state = None
    for i, score in enumerate([0.1, 0.9, 0.5, 0.7]):
        state = apply_edge(state, _edge("a", f"n{i}", score), top_k=2)
    assert [n["article_id"] for n in neighbours(state)] == ["n1", "n3"]


def test_a_duplicate_links_both_ways_to_its_canonical():
    verdict = Verdict(
        article_id="b", status="duplicate", duplicate_of="a", kind="exact", similarity=1.0,
        story_id="a", rule="exact_fingerprint", published_at=None,
    )
    edges = edges_for_verdict(verdict)
    assert {(e.src, e.dst) for e in edges} == {("a", "b"), ("b", "a")}
    assert all(e.reasons == ["story"] for e in edges)
