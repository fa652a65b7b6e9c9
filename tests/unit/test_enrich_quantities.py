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
