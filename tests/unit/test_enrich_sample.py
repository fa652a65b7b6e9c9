"""The Arabic sample page meets its expected file (tests/data/enrich/, our own copy).

The two clean articles are built by hand from the page, as the clean stage
would give them: the main article's 10 paragraphs, and the embedded article's
title and 11 paragraphs without the stray headline between them.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from streams.pipeline.enrich import enrich
from streams.records import CleanArticle, EnrichedArticle
from streams.text import matching_form, normalize_text

DATA = Path(__file__).parent.parent / "data" / "enrich"
PAGE = DATA / "ar-page-two-articles.txt"
EXPECTED = json.loads((DATA / "ar-page-two-articles.expected.json").read_text(encoding="utf-8"))
PUBLISHED = "2024-06-25T18:00:00Z"
CLITICS = "وبلفك"  # letters that may be attached before a name


def _article(article_id: str, title: str | None, paragraphs: list[str]) -> CleanArticle:
    paragraphs = [normalize_text(p) for p in paragraphs]
    return CleanArticle(
        article_id=article_id,
        parent_id=None,
        url=None,
        source="news.example",
        published_at=PUBLISHED,
        fetched_at=None,
        language="ar",
        title=normalize_text(title) if title else None,
        paragraphs=paragraphs,
        text="\n\n".join(paragraphs),
    )


@cache
def enriched() -> dict[str, EnrichedArticle]:
    lines = [line.strip() for line in PAGE.read_text(encoding="utf-8").split("\n") if line.strip()]
    page = lines[
        lines.index("تابع أحدث الأخبار عبر تطبيق") + 1 : next(
            i for i, line in enumerate(lines) if line.startswith("المصدر:")
        )
    ]
    start = lines.index("إقرأ أيضاً:") + 1
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("المصدر:"))
    stray = EXPECTED["articles"][1]["related_headlines"][0]
    embedded = [line for line in lines[start + 1 : end] if line != stray]
    assert len(page) == 10 and len(embedded) == 11
    return {
        "page": enrich(_article("page", None, page)),
        "embedded": enrich(_article("embedded", lines[start], embedded)),
    }


def _present(variant: str, text: str) -> bool:
    """The variant occurs as whole words (كييف is not present in لكييف)."""
    return re.search(rf"(?<![^\W{CLITICS}]){re.escape(normalize_text(variant))}(?!\w)", text) is not None


def _same(a: str, b: str) -> bool:
    return matching_form(normalize_text(a)) == matching_form(normalize_text(b))


def _key_of(article: EnrichedArticle, variant: str) -> set[tuple[str, str]]:
    """(type, key) of the tightest mention around each whole-word occurrence of the variant.

    A clitic may stand before it (كييف in لكييف); a longer name may hold it
    (القرم in شبه جزيرة القرم), and then the tightest mention decides.
    """
    found = set()
    pattern = rf"(?<![^\W{CLITICS}]){re.escape(normalize_text(variant))}(?!\w)"
    for occurrence in re.finditer(pattern, article.text):
        around = [
            (m.end - m.start, e.type, e.key)
            for e in article.entities
            for m in e.mentions
            if m.start <= occurrence.start() and occurrence.end() <= m.end
        ]
        if around:
            found.add(min(around)[1:])
    return found


EXPECTED_ENTITIES = [
    (spec["role"], kind, group)
    for spec in EXPECTED["articles"]
    for kind, plural in (("person", "people"), ("place", "places"), ("org", "orgs"))
    for group in spec[plural]
    if not group.get("optional")
]


@pytest.mark.parametrize(
    ("role", "kind", "group"), EXPECTED_ENTITIES, ids=[f"{r}-{g['name']}" for r, _, g in EXPECTED_ENTITIES]
)
def test_every_expected_entity_has_one_key_for_its_variants(role: str, kind: str, group: dict) -> None:
    article = enriched()[role]
    keys = set()
    for variant in group["variants"]:
        if normalize_text(variant) not in article.text:
            continue  # a variant of another page (بأوكرانيا is not in this text)
        found = _key_of(article, variant)
        assert found, f"no entity mention {variant!r} in {role}"
        keys |= found
    assert len(keys) == 1, f"{group['name']}: {keys}"
    assert next(iter(keys))[0] == kind


@pytest.mark.parametrize("role", ["page", "embedded"])
def test_mentions_point_into_text(role: str) -> None:
    article = enriched()[role]
    for entity in article.entities:
        for mention in entity.mentions:
            assert article.text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize("index", [0, 1])
def test_at_most_two_spurious_entities(index: int) -> None:
    spec = EXPECTED["articles"][index]
    article = enriched()[spec["role"]]
    wanted = {
        key
        for plural in ("people", "places", "orgs")
        for group in spec[plural]
        for variant in group["variants"]
        for _, key in _key_of(article, variant)
    }
    spurious = [e.name for e in article.entities if e.key not in wanted]
    assert len(spurious) <= 2, spurious


def test_variant_groups_share_a_key_across_the_two_articles() -> None:
    page, embedded = enriched()["page"], enriched()["embedded"]
    for group in EXPECTED["cross_article"]["same_entity_key"]:
        keys = set()
        for variant in group:
            for article in (page, embedded):
                if _present(variant, article.text):
                    keys |= {k for _, k in _key_of(article, variant)}
        assert len(keys) == 1, (group, keys)


EXPECTED_DATES = [(s["role"], d) for s in EXPECTED["articles"] for d in s["dates"] if not d.get("optional")]


@pytest.mark.parametrize(("role", "date"), EXPECTED_DATES, ids=[d["text"] for _, d in EXPECTED_DATES])
def test_dates_resolve(role: str, date: dict) -> None:
    found = [(d.text, d.value, d.relative) for d in enriched()[role].dates if date["text"] in d.text]
    assert (date["value"], date["relative"]) in {(v, r) for _, v, r in found}, found


@pytest.mark.parametrize("role", ["page", "embedded"])
def test_no_year_out_of_a_quantity(role: str) -> None:
    assert all(d.value != "1000" for d in enriched()[role].dates)


EXPECTED_QUANTITIES = [(s["role"], q) for s in EXPECTED["articles"] for q in s["quantities"]]


@pytest.mark.parametrize(
    ("role", "quantity"), EXPECTED_QUANTITIES, ids=[q["text"] for _, q in EXPECTED_QUANTITIES]
)
def test_quantities(role: str, quantity: dict) -> None:
    found = {(q.text, q.value, q.unit) for q in enriched()[role].quantities}
    assert (quantity["text"], quantity["value"], quantity["unit"]) in found


def test_dual_counts_two() -> None:
    assert any(q.value == 2 and "قاعدتان" in q.text for q in enriched()["embedded"].quantities)


EXPECTED_QUOTES = [(s["role"], q) for s in EXPECTED["articles"] for q in s["quotes"] if not q.get("optional")]


@pytest.mark.parametrize(("role", "quote"), EXPECTED_QUOTES, ids=[q["text"][:20] for _, q in EXPECTED_QUOTES])
def test_quotes_have_an_acceptable_speaker(role: str, quote: dict) -> None:
    article = enriched()[role]
    found = [q for q in article.quotes if _same(q.text, quote["text"])]
    assert found, [q.text for q in article.quotes]
    speaker = found[0]
    assert any(_same(speaker.speaker or "", s) for s in quote["speakers"]), speaker
    keys = {e.key for e in article.entities if e.name == speaker.speaker}
    assert speaker.speaker_key in keys


def test_names_in_quote_marks_are_not_quotes() -> None:
    for spec in EXPECTED["articles"]:
        article = enriched()[spec["role"]]
        texts = {q.text for q in article.quotes}
        assert not texts & set(spec.get("not_quotes", [])) and "البنتاجون" not in texts


def test_keywords_start_with_the_tags_and_fingerprints_are_set() -> None:
    article = enriched()["page"]
    assert article.keywords and article.fingerprints.exact
