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


def _found(text: str, language: str = "ar") -> list[tuple[str, str, str | None]]:
    found, _ = find_dates(text, tokenize(text), language, REF)
    return [(d.text, d.value, d.end) for d in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وصل الوفد في 21/7/2015", ("21/7/2015", "2015-07-21", None)),
        ("وصل الوفد بتاريخ 21-07-2015م", ("21-07-2015م", "2015-07-21", None)),
        ("وصل الوفد في 2015/07/21", ("2015/07/21", "2015-07-21", None)),
        ("arrived on 7/21/2015", ("7/21/2015", "2015-07-21", None)),
        ("صدر النظام في 4/2/1436هـ", ("4/2/1436هـ", "2014-11-26", None)),
        ("نشر يوم 6 / 9 / 1436 في الصحف", ("6 / 9 / 1436", "2015-06-23", None)),
        ("في 4 رمضان 1436هـ", ("4 رمضان 1436هـ", "2015-06-21", None)),
        ("في الخامس من شوال 1436 هـ", ("الخامس من شوال 1436 هـ", "2015-07-21", None)),
        ("في رمضان 1436هـ", ("رمضان 1436هـ", "2015-06-18", "2015-07-16")),
        ("يبدأ في 8 من ذي القعدة", ("8 من ذي القعدة", "2024-05-16", None)),
        ("عام 1436 هـ", ("عام 1436 هـ", "2015", None)),
        ("سنة 1436 للهجرة", ("سنة 1436 للهجرة", "2015", None)),
        ("في موسم 2014/2015", ("2014/2015", "2014", "2015")),
        ("في الموسم 2014-15", ("2014-15", "2014", "2015")),
        ("للعام الجامعي 1435/ 1436هـ", ("للعام الجامعي 1435/ 1436هـ", "2014", "2015")),
        ("العام الدراسي 1436 - 1437", ("العام الدراسي 1436 - 1437", "2015", "2016")),
        ("منخفضة عن العام المالي 2013", ("العام المالي 2013", "2013", None)),
    ],
)
def test_numeric_hijri_and_two_year_dates(text: str, expected: tuple[str, str, str | None]) -> None:
    language = "en" if text.isascii() else "ar"
    assert expected in _found(text, language)


def test_a_score_and_a_word_are_no_dates() -> None:
    assert _found("فاز الفريق 2 - صفر على ضيفه") == []
    assert _found("وهو أمر ضروري جدًا") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أعلن اليوم الثلاثاء", [("اليوم الثلاثاء", "2024-06-25", None)]),
        ("وصل أمس الأول الأحد", [("أمس الأول الأحد", "2024-06-23", None)]),
        ("أعلنت أول من أمس الأحد", [("أول من أمس الأحد", "2024-06-23", None)]),
        ("يصل غدا الأربعاء", [("غدا الأربعاء", "2024-06-26", None)]),
        # the reference a day off: the named day wins
        ("قال اليوم الاثنين إن", [("اليوم الاثنين", "2024-06-24", None)]),
        # the name in brackets is an aside, a date of its own
        ("حدد اليوم (الثلاثاء) ملامح", [("اليوم", "2024-06-25", None), ("الثلاثاء", "2024-06-25", None)]),
    ],
)
def test_a_relative_day_and_its_weekday_are_one_date(text: str, expected: list) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("التقيا يوم الأحد الموافق 16 يونيو", ("الأحد الموافق 16 يونيو", "2024-06-16", None)),
        ("يوم الأحد الموافق 8 ذي القعدة", ("الأحد الموافق 8 ذي القعدة", "2023-05-28", None)),
        ("الثلاثاء 21/7/2015", ("الثلاثاء 21/7/2015", "2015-07-21", None)),
        ("وقع في 21 من شهر مايو", ("21 من شهر مايو", "2024-05-21", None)),
        ("في العشرين من الشهر الجاري", ("العشرين من الشهر الجاري", "2024-06-20", None)),
        ("في 5 من الشهر الماضي", ("5 من الشهر الماضي", "2024-05-05", None)),
        ("في نهاية شهر مايو الماضي", ("نهاية شهر مايو الماضي", "2024-05", None)),
        # a day in the next weeks is the coming one; further on, last year's
        ("مناظرة تلفزيونية في 10 يوليو", ("10 يوليو", "2024-07-10", None)),
        ("مناظرة تلفزيونية في 30 يوليو", ("30 يوليو", "2023-07-30", None)),
        ("بين أكتوبر وتشرين الثاني", ("وتشرين الثاني", "2023-11", None)),
    ],
)
def test_weekday_with_its_date_and_days_of_a_month(text: str, expected: tuple) -> None:
    assert expected in _found(text)


def test_a_range_joins_two_ends_of_one_precision() -> None:
    assert _found("من عام 2006 وحتى عام 2014") == [("عام 2006 وحتى عام 2014", "2006", "2014")]
    assert _found("منذ الثورة قبل 4 سنوات وحتى اليوم") == [
        ("قبل 4 سنوات", "2020", None),
        ("اليوم", "2024-06-25", None),
    ]


def test_month_then_number_is_a_day_only_in_english() -> None:
    assert _found("ونزلت عقود الخام لشهر أغسطس 13 سنتا") == [("أغسطس", "2023-08", None)]
    assert ("March 5", "2024-03-05", None) in _found("He said on March 5 that", "en")


def test_this_weekend_is_the_nearer_one_unless_the_sentence_points_forward() -> None:
    assert _found("An attack this weekend led to strikes.", "en") == [
        ("this weekend", "2024-06-22", "2024-06-23")
    ]
    assert _found("They will meet this weekend.", "en") == [("this weekend", "2024-06-29", "2024-06-30")]
    assert _found("This weekend is going to be busy.", "en") == [("This weekend", "2024-06-29", "2024-06-30")]
    text = "An attack this weekend led to strikes."
    found, _ = find_dates(
        text, tokenize(text), "en", date(2024, 6, 27)
    )  # a Thursday: the coming one is nearer
    assert [(d.value, d.end) for d in found] == [("2024-06-29", "2024-06-30")]


def test_habitual_weekdays_are_no_dates() -> None:
    assert _found("They sue every Tuesday and sometimes on Thursday.", "en") == []
    assert _found("يصلي كل يوم جمعة") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The deal was signed on July 21st, 2015.", ("July 21st, 2015", "2015-07-21", None)),
        ("The deal was signed on the 3rd of May 2015.", ("3rd of May 2015", "2015-05-03", None)),
    ],
)
def test_english_days_with_their_ordinal_letters(text: str, expected: tuple) -> None:
    assert expected in _found(text, "en")


def test_date_words_in_names_and_ranges_of_counts_are_no_dates() -> None:
    assert _found("وصفته قناة «روسيا اليوم» بأنه") == []
    assert _found("قال النائب العام السابق إن") == []
    assert _found("إيجار شقة بين 2000 و2500 إسترليني") == []
    assert _found("rent between 2000 and 3000 dollars", "en") == []
    assert _found("نما الاقتصاد العام الماضي") == [("العام الماضي", "2023", None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ليل الأحد / الاثنين", [("الأحد / الاثنين", "2024-06-23", "2024-06-24")]),
        # on a Monday, the night of Monday to Tuesday is last week's
        ("ليل الاثنين - الثلاثاء", [("الاثنين - الثلاثاء", "2024-06-17", "2024-06-18")]),
        ("في يونيو/ يوليو", [("يونيو/ يوليو", "2023-06", "2023-07")]),
        ("نشرته قبل أمس الحكومة", [("قبل أمس", "2024-06-22", None)]),
        ("قالت في بيان الليلة قبل الماضية", [("الليلة قبل الماضية", "2024-06-22", None)]),
    ],
)
def test_a_range_starts_before_it_ends(text: str, expected: list) -> None:
    found, _ = find_dates(text, tokenize(text), "ar", date(2024, 6, 24))  # a Monday
    assert [(d.text, d.value, d.end) for d in found] == expected


def _undated(text: str) -> list[tuple[str, str, str | None]]:
    found, _ = find_dates(text, tokenize(text), "en", None)
    return [(d.text, d.value, d.end) for d in found]


def test_without_a_reference_no_date_is_resolved_against_an_invented_day() -> None:
    assert _undated("The minister said on Tuesday that last year's figures were low.") == []
    assert _undated("Germany extended its warning until 14 June and three years ago it did not.") == []
    assert _undated("Prices rose over the past 16 months.") == []
    assert _undated("The deal was signed on March 5, 2023.") == [("March 5, 2023", "2023-03-05", None)]


def test_without_a_reference_a_month_takes_the_one_year_the_text_places_itself_in() -> None:
    text = "The year 2019 was busy. In February, he visited Abu Dhabi, and last month he rested."
    assert _undated(text) == [("year 2019", "2019", None), ("February", "2019-02", None)]
    caption = "MUNICH - DECEMBER 21: Coutinho looks on during the match on December 21, 2019 in Munich."
    assert ("DECEMBER 21", "2019-12-21", None) in _undated(caption)


def test_without_a_reference_a_year_used_as_a_name_or_two_years_place_nothing() -> None:
    assert _undated("Iran and the 2015 nuclear deal: the parties meet on Feb. 26.") == [
        ("2015", "2015", None)
    ]
    assert _undated("Sales fell in 2018 and rose in 2019. In March they fell again.") == [
        ("in 2018", "2018", None),
        ("in 2019", "2019", None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He abused two boys in the 1990s.", [("1990s", "1990", "1999")]),
        ("2019's top stories: what to expect", [("2019's", "2019", None)]),
        ("Here are 2020's new fees.", [("2020's", "2020", None)]),
        ("They tried to storm the embassy the previous day.", [("the previous day", "2024-06-24", None)]),
        ("The city signed a contract for the annual July 4 fireworks show.", []),
    ],
)
def test_decades_possessive_years_the_previous_day_and_annual_days(text: str, expected: list) -> None:
    assert _found(text, "en") == expected


def test_a_recurring_day_is_no_date_and_its_number_counts_nothing() -> None:
    text = "The city signed a contract for the annual July 4 fireworks show."
    found, used = find_dates(text, tokenize(text), "en", REF)
    assert found == []
    assert [tokenize(text)[k].text for k in sorted(used)] == ["July", "4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("classic rock from the 1960s through 1980s sold", [("1960s through 1980s", "1960", "1989")]),
        ("a tradition whose roots go back to the 1600s", [("1600s", "1600", "1699")]),
        ("the music of the 2000s", [("2000s", "2000", "2009")]),
        ("the 1990s and 2000s", [("1990s", "1990", "1999"), ("2000s", "2000", "2009")]),
        ("from 2010 to 2019 and 2020", [("from 2010 to 2019", "2010", "2019"), ("2020", "2020", None)]),
    ],
)
def test_decades_centuries_and_their_ranges(text: str, expected: list) -> None:
    assert _found(text, "en") == expected


def test_without_a_reference_a_day_needs_the_text_to_write_it_whole_and_since_places_nothing() -> None:
    # a day's year is too often another than the one the text speaks of
    assert _undated("The last binge of 2019: starting January 1st everything changes.") == [
        ("of 2019", "2019", None)
    ]
    assert _undated("The worst flooding since 2013. In March the rains came back.") == [
        ("since 2013", "2013", None)
    ]
    assert ("March", "2019-03") in [
        (t, v) for t, v, _ in _undated("During 2019 the rains came. In March, again.")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The board will meet in August.", ("August", "2024-08")),
        ("In August the board will meet again.", ("August", "2024-08")),
        ("During the final Wednesday, the team will pay tribute.", ("Wednesday", "2024-06-26")),
        # the forward word tells of another clause: the month is the past one
        (
            "Restrictions introduced in February had cut irrigation and warned that crops would be lost.",
            ("February", "2024-02"),
        ),
        ("The minister, who took office in January, will travel to Paris.", ("January", "2024-01")),
        ("وقال إن الوزارة ستعقد اجتماعا في أغسطس", ("أغسطس", "2024-08")),
    ],
)
def test_a_word_for_what_is_to_come_speaks_of_its_own_clause(text: str, expected: tuple[str, str]) -> None:
    language = "ar" if text[0] > "z" else "en"
    assert expected in [(d, v) for d, v, _ in _found(text, language)]
