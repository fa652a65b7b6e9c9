"""A currency name several currencies share takes the currency of the story's country."""

from __future__ import annotations

import pytest

from streams.pipeline.enrich import enrich
from streams.pipeline.enrich.country import place_country, story_country
from streams.pipeline.enrich.keywords import stopwords
from streams.pipeline.enrich.quantities import find_quantities
from streams.pipeline.enrich.tokens import tokenize
from streams.records import CleanArticle, Entity, Mention


def _article(text: str, language: str) -> CleanArticle:
    return CleanArticle(
        article_id="a1",
        parent_id=None,
        url="https://example.com/a1",
        source="example",
        published_at="2026-01-05T08:00:00Z",
        fetched_at="2026-01-05T08:00:00Z",
        language=language,
        title="",
        author=None,
        paragraphs=[text],
        text=text,
        attributions=[],
        tags=[],
        related_headlines=[],
    )


def _units(text: str, language: str) -> set[tuple[str, str]]:
    return {(q.text, q.unit) for q in enrich(_article(text, language), use_tagger=False).quantities}


def _place(key: str, *starts_ends: tuple[int, int]) -> Entity:
    return Entity(
        type="place", name=key, key=key, mentions=[Mention(start=s, end=e, text="") for s, e in starts_ends]
    )


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "عمان - أعلنت الحكومة عن موازنة بقيمة 12 مليار دينار للعام المقبل.",
            "ar",
            ("12 مليار دينار", "JOD"),
        ),
        ("عمان (بترا) - أقرت الحكومة قرضا بقيمة 12 مليار دينار.", "ar", ("12 مليار دينار", "JOD")),
        ("الكويت - أعلنت الحكومة عن موازنة بقيمة 12 مليار دينار.", "ar", ("12 مليار دينار", "KWD")),
        ("عمان - استثمرت الشركة 5 ملايين دينار كويتي في المشروع.", "ar", ("5 ملايين دينار كويتي", "KWD")),
        ("أعلنت الحكومة عن موازنة بقيمة 12 مليار دينار.", "ar", ("12 مليار دينار", "KWD")),
        ("TORONTO - The province will spend $4 billion on new hospitals.", "en", ("$4 billion", "CAD")),
        (
            "TORONTO (Reuters) - The province will spend 4 billion dollars.",
            "en",
            ("4 billion dollars", "CAD"),
        ),
        ("SASKATOON - The city will spend US$4 million on roads.", "en", ("US$4 million", "USD")),
        ("The company said it would invest $4 billion in new plants.", "en", ("$4 billion", "USD")),
        ("CAIRO - The ministry will spend 5 billion pounds on wheat.", "en", ("5 billion pounds", "EGP")),
    ],
)
def test_shared_currency_name_follows_the_dateline(
    text: str, language: str, expected: tuple[str, str]
) -> None:
    assert expected in _units(text, language)


def test_a_country_without_a_currency_of_that_name_keeps_the_default() -> None:
    text = "أقرت الحكومة موازنة بقيمة 12 مليار دينار"
    found = find_quantities(text, tokenize(text), "ar", set(), stopwords("ar"), country="FR")
    assert {(q.text, q.unit) for q in found} == {("12 مليار دينار", "KWD")}


def test_place_keys_give_their_country() -> None:
    assert place_country("place:KE") == "KE"
    assert place_country("place:US-TX") == "US"
    assert place_country("place:amman") == "JO"  # cities.json carries the country
    assert place_country("place:toronto") == "CA"
    assert place_country("place:black-sea") is None


def test_without_a_dateline_most_place_mentions_decide() -> None:
    text = "Officials in Amman and Irbid met delegates from Kuwait."
    amman, irbid, kuwait = (
        _place("place:amman", (13, 18)),
        _place("place:irbid", (23, 28)),
        _place("place:KW", (48, 54)),
    )
    assert story_country(text, tokenize(text), "en", [amman, irbid, kuwait]) == "JO"
    assert story_country(text, tokenize(text), "en", [amman, kuwait]) is None  # a tie: no country


def test_a_place_not_at_the_start_is_no_dateline() -> None:
    text = "Talks in Amman - and later in Kuwait, Kuwait City - went on."
    entities = [
        _place("place:amman", (9, 14)),
        _place("place:KW", (30, 36)),
        _place("place:kuwait-city", (38, 49)),
    ]
    assert story_country(text, tokenize(text), "en", entities) == "KW"


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("She weighed six pounds nine ounces at birth.", "US", ("six pounds", 6, "pounds")),
        ("A ticket cost six pounds.", "GB", ("six pounds", 6, "GBP")),
        ("The fine was 500 million pounds.", "US", ("500 million pounds", 500_000_000, "GBP")),
        ("A ticket cost six pounds.", None, ("six pounds", 6, "GBP")),
    ],
)
def test_pounds_are_a_weight_where_no_pound_is_the_currency(
    text: str, country: str | None, expected: tuple[str, float, str]
) -> None:
    found = find_quantities(text, tokenize(text), "en", set(), stopwords("en"), country)
    assert expected in {(q.text, q.value, q.unit) for q in found}
