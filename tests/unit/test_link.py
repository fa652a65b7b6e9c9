from streams.pipeline.graph import apply_edge, combined, expire_node, fold_edge, neighbours
from streams.pipeline.link import (
    FORGET,
    MAX_COUNTED_MEMBERS,
    MIN_WEIGHT,
    STORY_SCORE,
    expire_index,
    expire_titles,
    key_weight,
    member_ref,
    observe_index,
    observe_title,
    title_key,
)
from streams.pipeline.stories import expire_story, observe_story
from streams.records import Edge

DAY1, DAY2, DAY3 = "2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z", "2024-01-03T10:00:00Z"


def _edge(src, dst, score=1.0, reason="embedded", src_at=DAY2, dst_at=DAY2):
    return Edge(src=src, dst=dst, score=score, reasons=[reason], src_at=src_at, dst_at=dst_at)


def _ref(article_id, at="", lang="ar"):
    return {"id": article_id, "at": at, "lang": lang}


def test_applying_an_edge_twice_changes_nothing():
    once = apply_edge(None, _edge("a", "b"), top_k=10)
    assert apply_edge(once, _edge("a", "b"), top_k=10) == once


def test_reasons_accumulate_and_two_weak_reasons_beat_one():
    state = apply_edge(None, _edge("a", "b", 0.4, "similar:0.52"), top_k=10)
    state = apply_edge(state, _edge("a", "b", 0.25, "entity:x"), top_k=10)
    state = apply_edge(state, _edge("a", "c", 0.5, "similar:0.60"), top_k=10)
    assert neighbours(state) == [
        {"article_id": "b", "score": 0.55, "reasons": ["entity:x", "similar:0.52"]},
        {"article_id": "c", "score": 0.5, "reasons": ["similar:0.60"]},
    ]


def test_the_names_a_pair_shares_count_as_one_piece_of_evidence():
    # Seven names shared by two reports of one football round: one hint, not seven.
    names = {f"entity:person:p{i}": 0.25 for i in range(7)}
    assert combined(names) == link.NAMES_CAP == link.ENTITY_FACTOR
    assert combined({**names, "keyword:derby": 0.1}) == link.NAMES_CAP
    # Among themselves, and beside other evidence, they still combine as before.
    assert combined({"entity:a": 0.1, "keyword:b": 0.1}) == 0.19
    assert combined({**names, "similar:0.60": 0.5}) == round(1 - 0.5 * (1 - link.NAMES_CAP), 4)
    assert combined({**names, "story": STORY_SCORE}) > combined({"story": STORY_SCORE})


def test_only_the_top_k_neighbours_are_kept_and_the_dropped_ones_are_told():
    state, told = None, []
    for i, score in enumerate([0.1, 0.9, 0.5, 0.7]):
        state, forgets = fold_edge(state, _edge("a", f"n{i}", score), top_k=2)
        told += forgets
    assert [n["article_id"] for n in neighbours(state)] == ["n1", "n3"]
    assert {(e.src, e.dst, *e.reasons) for e in told} == {
        ("n0", "a", FORGET, "embedded"),
        ("n2", "a", FORGET, "embedded"),
    }
    assert set(state["times"]) == {"n1", "n3"}


def _forget(src, dst, *reasons):
    return Edge(src=src, dst=dst, score=0.0, reasons=[FORGET, *reasons])


def test_a_forget_edge_removes_the_dropped_reasons_and_keeps_one_added_meanwhile():
    state = apply_edge(None, _edge("b", "a"), top_k=5)
    state = apply_edge(state, _edge("b", "a", 0.1, "keyword:x"), top_k=5)
    state = apply_edge(state, _edge("b", "c"), top_k=5)
    state, told = fold_edge(state, _forget("b", "a", "embedded"), top_k=5)
    assert (
        neighbours(state, 0.0)[1] == {"article_id": "a", "score": 0.1, "reasons": ["keyword:x"]} and not told
    )
    state = apply_edge(state, _forget("b", "a", "keyword:x"), top_k=5)
    assert [n["article_id"] for n in neighbours(state, 0.0)] == ["c"] and set(state["times"]) == {"c"}
    assert apply_edge(state, _forget("b", "c", "embedded"), top_k=5) is None  # no neighbour left


def test_an_entry_remembers_when_each_end_was_first_seen_whatever_the_order():
    later = _edge("a", "b", src_at=DAY2, dst_at=DAY3)
    earlier = _edge("a", "b", 0.5, "entity:x", src_at=DAY1, dst_at=DAY2)
    one = apply_edge(apply_edge(None, later, top_k=5), earlier, top_k=5)
    other = apply_edge(apply_edge(None, earlier, top_k=5), later, top_k=5)
    assert one == other and one["at"] == DAY1 and one["times"] == {"b": DAY2}


def test_expiry_forgets_the_article_and_the_neighbours_that_left_the_window():
    state = apply_edge(None, _edge("a", "old", src_at=DAY3, dst_at=DAY1), top_k=5)
    state = apply_edge(state, _edge("a", "new", 0.3, "keyword:x", src_at=DAY3, dst_at=DAY3), top_k=5)
    assert expire_node(state, DAY1) == state
    kept = expire_node(state, DAY2)
    assert [n["article_id"] for n in neighbours(kept, 0.0)] == ["new"] and set(kept["times"]) == {"new"}
    assert expire_node(state, "2024-01-04") is None  # the article itself is gone
    only_old = apply_edge(None, _edge("b", "old", src_at=DAY3, dst_at=DAY1), top_k=5)
    assert expire_node(only_old, DAY2) is None  # no neighbour left


def test_an_undated_article_never_expires():
    state = apply_edge(None, _edge("a", "b", src_at=None, dst_at=None), top_k=5)
    assert expire_node(state, "2099-01-01") == state


def test_story_members_meet_in_their_story_entry_and_score_above_rare_entities():
    def member(article_id, fetched_at):
        return {"article_id": article_id, "fetched_at": fetched_at, "published_at": DAY1, "language": "ar"}

    state, edges = observe_story(None, {"join": member("a", DAY1)})
    assert edges == []
    state, edges = observe_story(state, {"join": member("b", DAY2)})
    assert {(e.src, e.dst, e.reasons[0], e.score) for e in edges} == {
        ("a", "b", "story", STORY_SCORE),
        ("b", "a", "story", STORY_SCORE),
    }
    assert {(e.src, e.src_at, e.dst_at) for e in edges} == {("a", DAY1, DAY2), ("b", DAY2, DAY1)}
    again, replayed = observe_story(state, {"join": member("b", DAY2)})  # a re-delivery sends them again
    assert again == state and replayed == edges
    state, edges = observe_story(state, {"leave": "a"})
    assert list(state["members"]) == ["b"] and not edges
    assert observe_story(state, {"leave": "b"}) == (None, [])
    several_rare = 1 - (1 - key_weight("entity:x", 3)) ** 3
    assert STORY_SCORE > several_rare > key_weight("entity:x", 3) > key_weight("entity:y", 200)


def test_story_members_leave_with_the_window():
    state = {
        "members": {
            "a": {"article_id": "a", "fetched_at": DAY1},
            "b": {"article_id": "b", "fetched_at": DAY3},
        }
    }
    assert list(expire_story(state, DAY2)["members"]) == ["b"]
    assert expire_story(state, "2099-01-01") is None


def test_a_rare_shared_entity_weighs_more_than_a_common_one_which_links_nothing():
    state, edges = None, []
    for i in range(40):
        state, edges = observe_index(state, _ref(f"a{i}", f"2024-01-{i % 28 + 1:02d}"), "entity:place:US")
    common = key_weight("entity:place:US", 40)
    assert not edges and common < MIN_WEIGHT  # too common to say anything
    rare_state, rare_edges = observe_index(None, _ref("x"), "entity:person:langley")
    _, rare_edges = observe_index(rare_state, _ref("y", lang="en"), "entity:person:langley")
    assert rare_edges[0].score > 5 * common
    # Across languages the pair is labelled, and the label adds no weight of its own.
    assert [e.reasons for e in rare_edges] == [["entity:person:langley", "cross-lingual"]] * 2
    assert combined({"entity:person:langley": 0.2, "cross-lingual": 0.5}) == 0.2


def test_an_index_entry_ignores_a_replayed_article_even_once_it_is_no_longer_recent():
    state, _ = observe_index(None, _ref("first", DAY1), "keyword:storm")
    for i in range(60):  # more than MAX_INDEX_MEMBERS: "first" is no longer among the recent
        state, _ = observe_index(state, _ref(f"n{i:02d}", DAY2), "keyword:storm")
    again, no_edges = observe_index(state, _ref("first", DAY1), "keyword:storm")
    assert again == state and not no_edges and state["seen"] == 61


def test_an_entry_keeps_its_most_recent_members_and_the_cap_never_changes_an_edge():
    """A key named by every article keeps a bounded entry; by then no weight reaches MIN_WEIGHT."""
    state = None
    for i in range(MAX_COUNTED_MEMBERS + 50):
        state, _ = observe_index(state, _ref(f"n{i:04d}", DAY2), "entity:person:everywhere")
    ids = [m["id"] for m in state["members"]]
    assert len(ids) == state["seen"] == MAX_COUNTED_MEMBERS and ids[-1] == f"n{MAX_COUNTED_MEMBERS + 49:04d}"
    state, edges = observe_index(state, _ref("late", DAY3), "entity:person:everywhere")
    assert not edges and state["members"][-1]["id"] == "late"
    for kind in ("entity:", "keyword:"):
        assert key_weight(kind + "x", MAX_COUNTED_MEMBERS) < MIN_WEIGHT


def test_rarity_counts_the_articles_in_the_window():
    state = None
    for i in range(10):
        state, _ = observe_index(state, _ref(f"old{i}", DAY1), "entity:x")
    state, _ = observe_index(state, _ref("new", DAY3), "entity:x")
    state = expire_index(state, DAY2)
    assert [m["id"] for m in state["members"]] == ["new"] and state["seen"] == 1
    state, edges = observe_index(state, _ref("newer", DAY3), "entity:x")
    assert edges[0].score == key_weight("entity:x", 2)  # as rare as a key two articles share
    assert expire_index(state, "2024-01-04") is None


def test_a_related_headline_links_to_the_article_whatever_arrives_first():
    headline = "موسكو تهدد بـمواجهة مباشرة جراء مسيرات أميركية في البحر الأسود"
    variant = "موسكو تهدد بـمواجهة مباشرة جراء مسيرات أمريكية في البحر الأسود"
    assert title_key(headline) == title_key(variant)
    for order in (
        [{"linked_from": "page", "at": DAY1}, {"titled": "art", "at": DAY2}],
        [{"titled": "art", "at": DAY2}, {"linked_from": "page", "at": DAY1}],
    ):
        state, edges = None, []
        for ref in order:
            state, new_edges = observe_title(state, ref)
            edges += new_edges
        assert {(e.src, e.dst, e.reasons[0], e.src_at) for e in edges} == {
            ("page", "art", "explicit", DAY1),
            ("art", "page", "explicit", DAY2),
        }
        again, no_edges = observe_title(state, order[0])
        assert again == state and not no_edges


def test_titles_and_links_leave_the_window():
    state, _ = observe_title(None, {"linked_from": "page", "at": DAY1})
    state, _ = observe_title(state, {"titled": "art", "at": DAY3})
    assert expire_titles(state, DAY2) == {"titled": [{"id": "art", "at": DAY3}], "linked_from": []}
    assert expire_titles(state, "2024-01-04") is None
    # An article titled like the headline after the page expired is not linked to it.
    state, edges = observe_title(expire_titles(state, DAY2), {"titled": "art2", "at": DAY3})
    assert not edges


def test_a_title_too_long_to_be_a_headline_makes_no_title_key():
    assert title_key("Storm closes the port of Rotterdam") == "storm closes the port of rotterdam"
    assert title_key("word " * 41) is None and title_key("two words") is None


# --- content: similar edges ---------------------------------------------------------

from streams.pipeline import link, similarity  # noqa: E402

_BEIRUT = (
    "A huge explosion tore through the port of Beirut on Tuesday, killing dozens of people and "
    "wounding thousands, the Lebanese health minister said."
)
_BEIRUT_AR = (
    "هز انفجار ضخم مرفأ بيروت يوم الثلاثاء وأدى إلى مقتل العشرات وإصابة الآلاف، بحسب وزير الصحة اللبناني."
)
_FOOTBALL = "Manchester United beat Chelsea two goals to one at Old Trafford on Sunday in the Premier League."


def _sig_ref(article_id, text, at=DAY1, lang="en"):
    return {"id": article_id, "at": at, "lang": lang, "sig": similarity.content_signature(None, text)}


def _meet_in_bands(*refs):
    """Every ref joins each of its bands in turn; the edges the band entries send."""
    entries, edges = {}, []
    for ref in refs:
        for key in similarity.band_keys(ref["sig"]):
            entries[key], sent = observe_index(entries.get(key), ref, key)
            edges += sent
    return entries, edges


def test_the_same_story_in_two_languages_meets_in_a_band_and_is_related_by_its_cosine():
    en, ar = _sig_ref("en-1", _BEIRUT), _sig_ref("ar-1", _BEIRUT_AR, DAY2, "ar")
    _, edges = _meet_in_bands(en, ar)
    assert {(e.src, e.dst) for e in edges} == {("en-1", "ar-1"), ("ar-1", "en-1")}  # once, not once a band
    [reasons] = {tuple(e.reasons) for e in edges}
    cosine = similarity.cosine(en["sig"], ar["sig"])
    assert reasons == (f"similar:{cosine:.2f}", "cross-lingual")
    assert edges[0].score == link.similar_score(cosine) > 0.4


def test_articles_about_different_things_get_no_similar_edge():
    _, edges = _meet_in_bands(_sig_ref("a", _BEIRUT), _sig_ref("b", _FOOTBALL, DAY2))
    assert edges == []


def test_a_band_entry_keeps_its_most_recent_members_with_their_signatures():
    refs = [
        _sig_ref(f"a{i}", _BEIRUT, f"2024-01-01T10:{i:02d}:00Z") for i in range(link.MAX_SIMILAR_MEMBERS + 3)
    ]
    key = similarity.band_keys(refs[0]["sig"])[0]
    state = None
    for ref in refs:
        state, _ = observe_index(state, ref, key)
    assert [m["id"] for m in state["members"]] == [r["id"] for r in refs[-link.MAX_SIMILAR_MEMBERS :]]
    assert all(m["sig"] for m in state["members"])


def test_a_key_too_common_to_relate_still_brings_similar_articles_together_by_content():
    state = None
    for i in range(40):  # place:US is in every article: its weight is below MIN_WEIGHT
        state, _ = observe_index(state, _ref(f"x{i}", f"2024-01-01T{i % 24:02d}:00:00Z"), "entity:place:US")
    first = _sig_ref("en-1", _BEIRUT, "2024-01-02T10:00:00Z")
    state, edges = observe_index(state, first, "entity:place:US")
    assert edges == []
    # Two tellings with no band in common still meet here.
    second = _sig_ref("ar-1", _BEIRUT_AR, "2024-01-02T11:00:00Z", "ar")
    if similarity.first_shared_band(first["sig"], second["sig"]) is None:
        state, edges = observe_index(state, second, "entity:place:US")
        assert {e.reasons[0].split(":")[0] for e in edges} == {"similar"}
    # Only the recent members keep their signature: the entry stays lean.
    assert sum("sig" in m for m in state["members"]) <= link.MAX_INDEX_MEMBERS


def test_keyword_only_neighbours_do_not_fill_a_top_five():
    state = None
    for i in range(5):
        state = apply_edge(
            state, _edge("a", f"kw{i}", key_weight("keyword:rain", 2), "keyword:rain"), top_k=50
        )
        state = apply_edge(state, _edge("a", f"sim{i}", link.similar_score(0.55), "similar:0.55"), top_k=50)
    assert [n["article_id"][:3] for n in neighbours(state)[:5]] == ["sim"] * 5


def test_a_member_ref_carries_the_content_signature_when_the_article_has_one():
    article = {"article_id": "a", "fetched_at": DAY1, "language": "en", "content_signature": "c2ln"}
    assert member_ref(article)["sig"] == "c2ln"
    assert "sig" not in member_ref({**article, "content_signature": None})


def _signature(bands, rest=0):
    """A signature whose bands hold ``bands`` (one value each) and whose verifying bits are ``rest``."""
    import base64

    bits = 0
    for value in bands:
        bits = (bits << similarity.BAND_BITS) | value
    bits = (bits << (similarity.SIGNATURE_BITS - similarity.VERIFY_FROM)) | rest
    return base64.b64encode(bits.to_bytes(similarity.SIGNATURE_BYTES, "big")).decode("ascii")


def test_a_pair_is_still_related_when_its_lowest_shared_band_has_let_the_older_one_go():
    bands = similarity.BANDS
    first = {"id": "first", "at": DAY1, "lang": "en", "sig": _signature([1] * bands)}
    # Many articles share band 0 with both (and nothing else): the entry of band 0 lets "first" go.
    crowd = [
        {
            "id": f"c{i:02d}",
            "at": f"2024-01-01T11:{i:02d}:00Z",
            "lang": "en",
            "sig": _signature([1] + [2] * (bands - 1), -1 & ((1 << 900) - 1)),
        }
        for i in range(link.MAX_SIMILAR_MEMBERS)
    ]
    second = {"id": "second", "at": DAY2, "lang": "en", "sig": _signature([1] * bands)}
    _, edges = _meet_in_bands(first, *crowd, second)
    related = {(e.src, e.dst) for e in edges}
    assert ("second", "first") in related  # met again in band 1, which still holds "first"
    # The lowest bands speak, not all 16: here bands 1 and 2 (band 0 no longer holds "first").
    assert sum((e.src, e.dst) == ("second", "first") for e in edges) == link.SPEAKING_BANDS - 1


def test_a_weak_neighbour_is_kept_but_not_shown_unless_asked_for():
    state = apply_edge(None, _edge("a", "weak", key_weight("keyword:rain", 2), "keyword:rain"), top_k=50)
    state = apply_edge(state, _edge("a", "close", link.similar_score(0.6), "similar:0.60"), top_k=50)
    assert [n["article_id"] for n in neighbours(state)] == ["close"]
    assert [n["article_id"] for n in neighbours(state, 0.0)] == ["close", "weak"]


def test_a_shared_name_relates_two_articles_as_far_as_their_content_agrees():
    # Two articles about one person but two different events share the name and little
    # else: readers call them unrelated. Their content signatures say so.
    def meet(text_a, text_b, key="entity:person:langley"):
        state, _ = observe_index(None, _sig_ref("a", text_a), key)
        _, edges = observe_index(state, _sig_ref("b", text_b, DAY2), key)
        return {e.reasons[0]: e.score for e in edges}

    full = key_weight("entity:person:langley", 2)
    assert meet(_BEIRUT, _BEIRUT)["entity:person:langley"] == full  # content agrees: the whole weight
    assert "entity:person:langley" not in meet(_BEIRUT, _FOOTBALL)  # different events: nothing
    # Between the chance level and the cosine a content edge needs, part of the weight.
    a, b = {"id": "a", "at": DAY1, "sig": _signature([0] * similarity.BANDS)}, None
    for differing in range(0, 944, 8):
        b = {"id": "b", "at": DAY2, "sig": _signature([0] * similarity.BANDS, (1 << differing) - 1)}
        if link.SIMILAR_FLOOR < similarity.cosine(a["sig"], b["sig"]) < link.SIMILAR_MIN_COSINE:
            break
    assert 0.0 < link.content_agreement(a, b) < 1.0
    # Without a signature on either side, the name is all there is to go by.
    assert link.content_agreement(_ref("x"), {**_ref("y"), "sig": a["sig"]}) == 1.0
    _, edges = observe_index(observe_index(None, _ref("x"), "keyword:rain")[0], _ref("y"), "keyword:rain")
    assert edges and edges[0].score == key_weight("keyword:rain", 2)


def test_a_replay_sends_no_name_edge_it_could_not_weigh_as_the_first_time():
    key = "entity:person:langley"
    first = _sig_ref("first", _BEIRUT, DAY1)
    state, _ = observe_index(None, first, key)
    football = _sig_ref("second", _FOOTBALL, "2024-01-01T11:00:00Z")
    state, edges = observe_index(state, football, key)
    assert edges == []  # different events: the name relates nothing
    for i in range(link.MAX_INDEX_MEMBERS):  # both let their signatures go
        state, _ = observe_index(state, _ref(f"n{i:02d}", DAY2), key)
    assert not any("sig" in m for m in state["members"][:2])
    _, replayed = observe_index(state, football, key)
    assert replayed == []


def test_a_cosine_a_little_above_chance_makes_no_edge():
    # Cosines of 0.30-0.35 are a little above what random news articles reach: as edges
    # they filled the graph (and its messages) with pairs no one is shown.
    def meet(differing_bits):
        a = {"id": "a", "at": DAY1, "lang": "en", "sig": _signature([3] * similarity.BANDS)}
        b = {
            "id": "b",
            "at": DAY2,
            "lang": "en",
            "sig": _signature([3] * similarity.BANDS, (1 << differing_bits) - 1),
        }
        return similarity.cosine(a["sig"], b["sig"]), _meet_in_bands(a, b)[1]

    cosine, edges = meet(374)
    assert 0.3 < cosine < link.SIMILAR_MIN_COSINE and edges == []
    cosine, edges = meet(350)
    assert cosine > link.SIMILAR_MIN_COSINE and edges and edges[0].reasons[0] == f"similar:{cosine:.2f}"
