from streams.pipeline.link import (
    apply_edge,
    edges_for_verdict,
    neighbours,
    observe_index,
    observe_title,
    title_key,
)  # fmt: skip
from streams.records import Edge, Verdict


def _edge(src, dst, score=1.0, reason="embedded"):
    return Edge(src=src, dst=dst, score=score, reasons=[reason])


def test_applying_an_edge_twice_changes_nothing():
    once = apply_edge(None, _edge("a", "b"), top_k=10)
    assert apply_edge(once, _edge("a", "b"), top_k=10) == once


def test_reasons_accumulate_and_two_weak_reasons_beat_one():
    state = apply_edge(None, _edge("a", "b", 0.4, "entity:x"), top_k=10)
    state = apply_edge(state, _edge("a", "b", 0.5, "entity:y"), top_k=10)
    state = apply_edge(state, _edge("a", "c", 0.6, "entity:z"), top_k=10)
    assert neighbours(state) == [
        {"article_id": "b", "score": 0.7, "reasons": ["entity:x", "entity:y"]},
        {"article_id": "c", "score": 0.6, "reasons": ["entity:z"]},
    ]


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


def test_a_rare_shared_entity_weighs_more_than_a_common_one():
    state, edges = None, []
    for i in range(40):
        state, edges = observe_index(state, {"id": f"a{i}", "at": f"2024-01-{i + 1:02d}", "lang": "ar"},
                                     "entity:place:US")  # fmt: skip
    common = edges[0].score
    rare_state, rare_edges = observe_index(None, {"id": "x", "at": "", "lang": "ar"}, "entity:person:langley")
    _, rare_edges = observe_index(rare_state, {"id": "y", "at": "", "lang": "en"}, "entity:person:langley")
    assert rare_edges[0].score > 5 * common
    assert {e.reasons[0] for e in rare_edges} == {"entity:person:langley", "cross-lingual"}


def test_an_index_entry_ignores_a_redelivered_article():
    state, _ = observe_index(None, {"id": "a", "at": "", "lang": "en"}, "keyword:storm")
    state, edges = observe_index(state, {"id": "b", "at": "", "lang": "en"}, "keyword:storm")
    again, no_edges = observe_index(state, {"id": "b", "at": "", "lang": "en"}, "keyword:storm")
    assert edges and not no_edges and again == state


def test_a_related_headline_links_to_the_article_whatever_arrives_first():
    headline = "موسكو تهدد بـمواجهة مباشرة جراء مسيرات أميركية في البحر الأسود"
    variant = "موسكو تهدد بـمواجهة مباشرة جراء مسيرات أمريكية في البحر الأسود"
    assert title_key(headline) == title_key(variant)
    for order in ([{"linked_from": "page"}, {"titled": "art"}], [{"titled": "art"}, {"linked_from": "page"}]):
        state, edges = None, []
        for ref in order:
            state, new_edges = observe_title(state, ref)
            edges += new_edges
        assert {(e.src, e.dst, e.reasons[0]) for e in edges} == {("page", "art", "explicit"),
                                                                 ("art", "page", "explicit")}  # fmt: skip
