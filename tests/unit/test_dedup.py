"""The dedup core: verdict kinds, order independence, backfill, re-delivery, expiry.

Articles come from ``tests/data/dedup/``: ``sources.jsonl`` (written for this
project; the first is the public sample page's main article) and
``variants.jsonl``, its rewrites by ``scripts/eval_dedup.py --write-variants``.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.pipeline import dedup
from streams.pipeline.process import InProcessDedup as Dedup
from streams.records import EnrichedArticle
from streams.text import normalize_text

DATA = Path(__file__).resolve().parent.parent / "data" / "dedup"
SOURCES = {r["id"]: r for r in map(orjson.loads, (DATA / "sources.jsonl").read_bytes().splitlines())}
VARIANTS = {r["id"]: r for r in map(orjson.loads, (DATA / "variants.jsonl").read_bytes().splitlines())}


def article(
    article_id: str,
    text: str,
    published_at: str | None = "2024-06-25T08:00:00Z",
    url: str | None = None,
) -> EnrichedArticle:
    body = normalize_text(text)
    return EnrichedArticle(
        article_id=article_id,
        parent_id=None,
        url=url,
        source=None,
        published_at=published_at,
        fetched_at=published_at,
        language=None,
        title=None,
        paragraphs=body.split("\n"),
        text=body,
        fingerprints=dedup.fingerprints(body),
    )


def from_data(row: dict, article_id: str | None = None) -> EnrichedArticle:
    return article(article_id or row["id"], row["text"], row["published_at"], row.get("url"))


def only(verdicts: list, article_id: str):
    [verdict] = [v for v in verdicts if v.article_id == article_id]
    return verdict


DEFENSE = SOURCES["ar-defense-call"]


def test_exact_copy_is_flagged_exact_whatever_the_diacritics_and_spaces():
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    copy_text = DEFENSE["text"].replace("أنّ", "أنَّ").replace(" ", "\u00a0", 3)
    verdicts = deduplicator.process(article("copy", copy_text, "2024-06-25T09:00:00Z"))
    verdict = only(verdicts, "copy")
    assert (verdict.status, verdict.kind, verdict.duplicate_of) == ("duplicate", "exact", DEFENSE["id"])
    assert (verdict.similarity, verdict.rule, verdict.story_id) == (1.0, "exact_fingerprint", DEFENSE["id"])


def test_spelling_variants_swapped_are_a_near_copy_above_the_threshold():
    variant = VARIANTS["ar-defense-call~spelling"]
    assert "البنتاغون" in variant["text"] and "الأميركي" in variant["text"]
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    verdict = only(deduplicator.process(from_data(variant)), variant["id"])
    assert (verdict.status, verdict.kind, verdict.duplicate_of) == ("duplicate", "near", DEFENSE["id"])
    assert verdict.similarity >= dedup.DEFAULT_CONFIG.near_threshold
    assert verdict.rule == "near_jaccard"


# ``all_edits`` stacks every rewrite: 0.69-0.82 from its source (reference 5-gram
# Jaccard), the grey zone; it joins through the other variants (property test below).
@pytest.mark.parametrize("variant", sorted(v for v in VARIANTS if "~" in v and "all_edits" not in v))
def test_every_single_edit_variant_joins_its_source_story(variant):
    row = VARIANTS[variant]
    deduplicator = Dedup()
    deduplicator.process(from_data(SOURCES[row["family"]]))
    verdict = only(deduplicator.process(from_data(row)), variant)
    assert verdict.story_id == row["family"]


def test_unrelated_stories_are_unique():
    deduplicator = Dedup()
    verdicts = [v for row in SOURCES.values() for v in deduplicator.process(from_data(row))]
    assert [(v.status, v.rule) for v in verdicts] == [("unique", "first_of_story")] * len(SOURCES)
    assert sorted(deduplicator.stories().values()) == sorted(SOURCES)


def test_band_keys_bring_near_copies_together_and_nothing_for_an_empty_body():
    near = dedup.band_keys(dedup.fingerprints(VARIANTS["ar-defense-call~paragraph_dropped"]["text"]))
    original = dedup.band_keys(dedup.fingerprints(DEFENSE["text"]))
    assert len(original) == dedup.DEFAULT_CONFIG.bands
    assert set(near) & set(original)
    assert not set(original) & set(dedup.band_keys(dedup.fingerprints(SOURCES["ar-heatwave"]["text"])))
    assert dedup.band_keys(dedup.fingerprints("")) == []


def test_sketch_jaccard_is_exact_for_articles_that_fit_the_sketch():
    config = dedup.DEFAULT_CONFIG
    texts = [DEFENSE["text"], VARIANTS["ar-defense-call~all_edits"]["text"]]
    hashes = [dedup.shingle_hashes(dedup.near_tokens(t)[1], config.shingle_size) for t in texts]
    sets = [set((h >> 32).tolist()) for h in hashes]
    expected = round(len(sets[0] & sets[1]) / len(sets[0] | sets[1]), 4)
    sketches = [dedup.sketch(h, config.sketch_size) for h in hashes]
    assert dedup.sketch_jaccard(*sketches, config.sketch_size) == expected


def test_only_the_first_of_a_story_is_published_as_unique():
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    deduplicator.process(from_data(VARIANTS["ar-defense-call~boilerplate"]))
    deduplicator.process(from_data(DEFENSE))  # re-delivered: not published again
    assert deduplicator.first_of_story == [DEFENSE["id"]]
    # The node keeps what dedup needs, not the article (the catalog's articles table has it).
    assert all(
        set(node["article"]) == set(dedup.Summary.__annotations__) for node in deduplicator.nodes.values()
    )


def test_backfill_makes_the_earlier_article_canonical_and_publishes_the_change():
    later = from_data(VARIANTS["ar-defense-call~boilerplate"])
    earlier = from_data(DEFENSE)
    deduplicator = Dedup()
    assert only(deduplicator.process(later), later.article_id).status == "unique"
    verdicts = deduplicator.process(earlier)
    assert only(verdicts, earlier.article_id).status == "unique"
    changed = only(verdicts, later.article_id)
    assert (changed.status, changed.duplicate_of, changed.story_id) == (
        "duplicate",
        earlier.article_id,
        earlier.article_id,
    )


def test_redelivery_changes_nothing_and_repeats_the_verdict():
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    [first] = deduplicator.process(from_data(VARIANTS["ar-defense-call~spelling"]))
    state = copy.deepcopy((deduplicator.nodes, deduplicator.buckets))
    assert deduplicator.process(from_data(VARIANTS["ar-defense-call~spelling"])) == [first]
    assert (deduplicator.nodes, deduplicator.buckets) == state


def test_same_id_with_a_new_body_is_a_revision_of_itself():
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    revised = from_data(VARIANTS["ar-defense-call~paragraph_added"], article_id=DEFENSE["id"])
    verdict = only(deduplicator.process(revised), DEFENSE["id"])
    assert (verdict.status, verdict.kind, verdict.rule) == ("unique", "revision", "revision")
    assert list(deduplicator.stories().values()) == [DEFENSE["id"]]


def test_same_url_recrawled_with_another_id_is_a_revision_in_the_same_story():
    url = "https://news.example/ar/heatwave"
    first = article("crawl-1", SOURCES["ar-heatwave"]["text"], "2024-07-02T06:30:00Z", url)
    rewritten = SOURCES["ar-heatwave"]["text"].split("\n\n")[:2] + ["تحديث: ارتفع عدد حالات الإجهاد الحراري."]
    second = article("crawl-2", "\n\n".join(rewritten), "2024-07-02T09:00:00Z", url)
    deduplicator = Dedup()
    deduplicator.process(first)
    verdict = only(deduplicator.process(second), "crawl-2")
    assert (verdict.kind, verdict.rule, verdict.duplicate_of) == ("revision", "same_url", "crawl-1")
    assert verdict.similarity < dedup.DEFAULT_CONFIG.near_threshold


def test_empty_bodies_are_never_duplicates_of_each_other():
    deduplicator = Dedup()
    verdicts = [*deduplicator.process(article("e1", "")), *deduplicator.process(article("e2", " \n "))]
    assert [(v.status, v.rule, v.story_id) for v in verdicts] == [
        ("unique", "empty_body", "e1"),
        ("unique", "empty_body", "e2"),
    ]
    assert deduplicator.buckets == {}


def test_expiry_forgets_articles_outside_the_window():
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))  # 2024-06-25
    deduplicator.process(from_data(SOURCES["ar-heatwave"]))  # 2024-07-02
    deduplicator.expire(datetime(2024, 7, 3, tzinfo=UTC))
    assert set(deduplicator.nodes) == {"ar-heatwave"}
    assert all(set(b["members"]) == {"ar-heatwave"} for b in deduplicator.buckets.values())
    late_copy = article("late-copy", DEFENSE["text"], "2024-07-03T00:00:00Z")
    assert only(deduplicator.process(late_copy), "late-copy").status == "unique"
    deduplicator.expire(datetime(2024, 7, 3) + timedelta(days=30))
    assert deduplicator.nodes == {} and deduplicator.buckets == {}


def test_a_transition_leaves_its_input_state_alone():
    state = dedup.on_node_message(None, dedup.admit(from_data(DEFENSE)).value).state
    frozen = copy.deepcopy(state)
    bucket = state["awaiting"][0].removeprefix("b:")
    result = dedup.on_node_message(state, {"type": "candidates", "bucket": bucket, "ids": ["other"]})
    assert state == frozen
    assert [(s.topic, s.key, s.value["type"]) for s in result.sends] == [
        (dedup.NODES_TOPIC, "other", "verify"),
    ]


FAMILY_ROWS = [VARIANTS[k] for k in sorted(VARIANTS)]


def expected_stories(rows: list[dict]) -> dict[str, str]:
    """Each variant belongs to its source's family; the canonical is the earliest member."""
    families: dict[str, list[dict]] = {}
    for row in rows:
        families.setdefault(row["family"], []).append(row)
    return {
        row["id"]: min(group, key=lambda r: (r["published_at"], r["id"]))["id"]
        for group in families.values()
        for row in group
    }


@settings(max_examples=12, deadline=None)
@given(order=st.permutations(range(len(FAMILY_ROWS))), seed=st.integers(0, 2**32 - 1))
def test_arrival_order_and_interleaving_do_not_change_stories(order, seed):
    rows = [FAMILY_ROWS[i] for i in order]
    sequential = Dedup()
    for row in rows:
        sequential.process(from_data(row))
    # Everything at once, messages taken in random order: many partitions, one instant.
    concurrent = Dedup(shuffle=random.Random(seed))
    concurrent.run([dedup.admit(from_data(row)) for row in rows], [from_data(row) for row in rows])
    assert sequential.stories() == concurrent.stories() == expected_stories(rows)
    for row in rows:
        assert sequential.verdict(row["id"]) == concurrent.verdict(row["id"])


def test_a_re_delivered_answer_is_not_counted_twice():
    copy_ = from_data(DEFENSE, article_id="copy")
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    state = dedup.on_node_message(None, dedup.admit(copy_).value).state
    exact = next(t for t in state["awaiting"] if t.startswith("b:x:")).removeprefix("b:")
    band = next(t for t in state["awaiting"] if t.startswith("b:b")).removeprefix("b:")
    # The band bucket answers twice (its join was processed again after a crash):
    # the node must still wait for the exact bucket, and then verify the original.
    for _ in range(2):
        state = dedup.on_node_message(state, {"type": "candidates", "bucket": band, "ids": []}).state
    assert not state["decided"] and f"b:{exact}" in state["awaiting"]
    result = dedup.on_node_message(state, {"type": "candidates", "bucket": exact, "ids": [DEFENSE["id"]]})
    assert [s.value["type"] for s in result.sends] == ["verify"] and not result.verdicts


def test_a_re_delivered_admit_asks_again_whoever_has_not_answered():
    admit = dedup.admit(from_data(DEFENSE)).value
    first = dedup.on_node_message(None, admit)
    again = dedup.on_node_message(first.state, admit)
    assert again.state == first.state and not again.verdicts
    assert sorted((s.topic, s.key) for s in again.sends) == sorted((s.topic, s.key) for s in first.sends)


# --- containment: re-posts cut short or extended -----------------------------------


def _paragraphs(row: dict) -> list[str]:
    return [p for p in row["text"].split("\n") if p.strip()]


def test_a_repost_cut_to_its_first_paragraphs_joins_the_story_as_a_containment():
    paragraphs = _paragraphs(DEFENSE)
    cut = "\n\n".join(paragraphs[:6])  # 6 of 10 paragraphs: Jaccard with the whole is under 0.7
    whole, short = from_data(DEFENSE), article("cut-copy", cut, "2024-06-25T09:00:00Z")
    jaccard = dedup.sketch_jaccard(
        dedup.summarize(whole)["sketch"], dedup.summarize(short)["sketch"], dedup.DEFAULT_CONFIG.sketch_size
    )
    assert jaccard < dedup.DEFAULT_CONFIG.near_threshold
    deduplicator = Dedup()
    deduplicator.process(whole)
    verdict = only(deduplicator.process(short), "cut-copy")
    assert (verdict.status, verdict.duplicate_of, verdict.kind, verdict.rule) == (
        "duplicate",
        DEFENSE["id"],
        "containment",
        "near_containment",
    )


def test_an_extended_repost_joins_the_story_whichever_arrives_first():
    source = SOURCES["ar-heatwave"]
    extra = " ".join(_paragraphs(SOURCES["ar-oil-market"])[:3])  # a long paragraph from elsewhere
    original = from_data(source)
    longer = article("extended-copy", "\n\n".join([*_paragraphs(source), extra]), "2024-07-02T09:00:00Z")
    summaries = dedup.summarize(original), dedup.summarize(longer)
    assert dedup.link_rule(*summaries) == (pytest.approx(dedup.link_rule(*summaries)[0]), "near_containment")
    for order in ([original, longer], [longer, original]):
        deduplicator = Dedup()
        for item in order:
            deduplicator.process(item)
        assert deduplicator.stories()["extended-copy"] == source["id"]
        assert deduplicator.verdict("extended-copy").kind == "containment"


def test_a_paragraph_quoted_in_a_longer_article_is_not_a_repost_of_it():
    paragraphs = _paragraphs(DEFENSE)
    quoted = article("quote", "\n\n".join(paragraphs[:2]), "2024-06-25T09:00:00Z")  # under half the text
    deduplicator = Dedup()
    deduplicator.process(from_data(DEFENSE))
    verdict = only(deduplicator.process(quoted), "quote")
    assert verdict.status == "unique"


def test_containment_needs_the_set_sizes_and_reads_summaries_without_them_as_before():
    a = {"shingles": 100}
    b = {"shingles": 160}
    assert dedup.containment(a, b, jaccard=100 / 160) == 1.0  # a inside b
    assert dedup.containment({}, b, jaccard=0.6) == 0.0  # an older summary: no size, no containment
    assert dedup.containment(a, {"shingles": 400}, jaccard=0.25) == 0.0  # a quarter: an excerpt
