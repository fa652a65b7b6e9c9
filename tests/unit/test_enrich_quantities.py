"""Quantities: digits, Arabic-Indic digits, number words, scales and duals."""

from __future__ import annotations

import pytest

from streams.pipeline.enrich.keywords import stopwords
from streams.pipeline.enrich.quantities import find_quantities
from streams.pipeline.enrich.tokens import tokenize


def _quantities(text: str, language: str = "ar") -> set[tuple[str, float, str]]:
    tokens = tokenize(text)
    found = find_quantities(text, tokens, language, set(), stopwords(language))
    return {(q.text, q.value, q.unit) for q in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قتل 4 أشخاص", ("4 أشخاص", 4, "أشخاص")),
        ("قتل ٤ أشخاص", ("٤ أشخاص", 4, "أشخاص")),
        ("نحو 1,000 جندي", ("1,000 جندي", 1000, "جندي")),
        ("خمسة ملايين سيارة", ("خمسة ملايين سيارة", 5_000_000, "سيارة")),
        ("sent 300 troops", ("300 troops", 300, "troops")),
    ],
)
def test_number_and_unit(text: str, expected: tuple[str, float, str]) -> None:
    assert expected in _quantities(text, "en" if text.isascii() else "ar")


def test_dual_counts_two_when_the_singular_is_known() -> None:
    found = _quantities("للولايات المتحدة قاعدتان في النيجر، القاعدة الجوية 101")
    assert ("قاعدتان", 2, "قاعده") in found


def test_a_name_that_ends_like_a_dual_is_no_quantity() -> None:
    assert not _quantities("قال بوتين إن")


def test_a_number_before_a_conjunct_has_no_unit() -> None:
    assert not any(q[0].startswith("101") for q in _quantities("القاعدة الجوية 101 والقاعدة"))


def test_a_demonym_is_not_the_unit() -> None:
    assert ("1,000 American troops", 1000, "troops") in _quantities("about 1,000 American troops left", "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the man sat down two feet behind her", ("two feet", 2, "feet")),
        ("including eight new police officers who will patrol", ("eight new police officers", 8, "officers")),
        ("and 14 MLS teams are represented", ("14 MLS teams", 14, "teams")),
        ("2 Vietnamese women rescued from kidnappers", ("2 Vietnamese women", 2, "women")),
        ("Two female Vietnam nationals were rescued", ("Two female Vietnam nationals", 2, "nationals")),
        (
            "Those 13 Saint Bernard/Great Pyrenees puppies have",
            ("13 Saint Bernard/Great Pyrenees puppies", 13, "puppies"),
        ),
        ("All but three of the players are based", ("three of the players", 3, "players")),
        ("for assaulting two 13-year-old choirboys", ("two 13-year-old choirboys", 2, "choirboys")),
        ("about half a dozen abandoned ships a year", ("half a dozen abandoned ships", 6, "ships")),
        ("half a million people fled", ("half a million people", 500_000, "people")),
        ("runs along a 5 1/2-mile route", ("5 1/2-mile", 5.5, "mile")),
        ("January 1, 2020 6 min read", ("6 min", 6, "min")),
    ],
)
def test_english_counted_nouns_past_names_measures_and_fractions(
    text: str, expected: tuple[str, float, str]
) -> None:
    assert expected in _quantities(text, "en")


@pytest.mark.parametrize(
    "text",
    ["the 11 Times crossword", "along Seven Mile Road", "Damon Harrison #98 of the Detroit Lions walks off"],
)
def test_names_and_labels_are_no_counts(text: str) -> None:
    assert _quantities(text, "en") == set()


def test_a_part_of_a_count_takes_no_noun_of_its_own() -> None:
    assert _quantities("two of the four victims", "en") == {("four victims", 4, "victims")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entered a half-dozen Liquor Depot stores", {("half-dozen Liquor Depot stores", 6, "stores")}),
        ("a half dozen stores", {("half dozen stores", 6, "stores")}),
        ("in the first half of the financial year", set()),
    ],
)
def test_half_a_dozen_written_three_ways_and_half_of_a_whole(text: str, expected: set) -> None:
    assert _quantities(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("tankers carrying 23,000 cubic metres each", "en", ("23,000 cubic metres", 23000.0, "cubic metre")),
        ("an area of 1,200 square kilometres", "en", ("1,200 square kilometres", 1200.0, "square kilometre")),
        ("بسعة 500 ألف متر مكعب يوميا", "ar", ("500 ألف متر مكعب", 500000.0, "cubic metre")),
        ("على مساحة 20 ألف مترا مربعا", "ar", ("20 ألف مترا مربعا", 20000.0, "square metre")),
    ],
)
def test_areas_and_volumes_keep_their_whole_unit(
    text: str, language: str, expected: tuple[str, float, str]
) -> None:
    assert expected in _quantities(text, language)
