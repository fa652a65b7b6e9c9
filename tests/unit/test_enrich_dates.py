"""Date resolution against a reference date (Tuesday 2024-06-25)."""

from __future__ import annotations

from datetime import date

import pytest

from streams.pipeline.enrich.dates import find_dates
from streams.pipeline.enrich.tokens import tokenize

REF = date(2024, 6, 25)


def _dates(text: str, language: str = "ar") -> list[tuple[str, str, bool]]:
    found, _ = find_dates(text, tokenize(text), language, REF)
    return [(d.text, d.value, d.relative) for d in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("التقى الوزيران الثلاثاء", ("الثلاثاء", "2024-06-25", True)),
        ("وصل أمس إلى القاهرة", ("أمس", "2024-06-24", True)),
        ("وصل أول أمس", ("أول أمس", "2024-06-23", True)),
        ("في 12 مايو الماضي", ("12 مايو الماضي", "2024-05-12", True)),
        ("في يونيو الماضي", ("يونيو الماضي", "2023-06", True)),
        ("في 8 يونيو الجاري", ("8 يونيو الجاري", "2024-06-08", True)),
        ("في منتصف مايو الماضي", ("منتصف مايو الماضي", "2024-05", True)),
        ("بحلول 15 سبتمبر من هذا العام", ("15 سبتمبر من هذا العام", "2024-09-15", True)),
        ("منذ مارس 2023", ("مارس 2023", "2023-03", False)),
        ("في عام 1962", ("عام 1962", "1962", False)),
        ("في ١٢ أيار المقبل", ("١٢ أيار المقبل", "2025-05-12", True)),
        ("مطلع الأسبوع الجاري", ("مطلع الأسبوع الجاري", "2024-06-24", True)),
        ("الخميس المقبل", ("الخميس المقبل", "2024-06-27", True)),
        ("He arrived on Monday", ("Monday", "2024-06-24", True)),
        ("It happened last March", ("last March", "2024-03", True)),
        ("on March 5, 2023", ("March 5, 2023", "2023-03-05", False)),
        ("yesterday", ("yesterday", "2024-06-24", True)),
    ],
)
def test_resolves(text: str, expected: tuple[str, str, bool]) -> None:
    language = "en" if text.isascii() else "ar"
    assert expected in _dates(text, language)


def test_no_year_out_of_a_count() -> None:
    assert _dates("كان للولايات المتحدة 1000 جندي في النيجر") == []


def test_ambiguous_month_needs_a_number() -> None:
    assert _dates("زار آب المدينة") == []
