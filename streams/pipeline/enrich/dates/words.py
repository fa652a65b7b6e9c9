"""A language's date words, loaded once per language: month and weekday names from
CLDR (babel) for the locales ``lang/<xx>/dates.json`` lists (يناير and كانون الثاني and
جانفي are all January), and the modifiers, periods, counts and calendar marks that file
gives. Every finder reads them from here; none loads data itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from babel import Locale

from streams import lang
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.tokens import phrase_forms


@dataclass(frozen=True, slots=True)
class Words:
    months: dict[str, int]
    ambiguous_months: frozenset[str]
    weekdays: dict[str, int]
    year_words: frozenset[str]
    month_after: dict[str, str]
    month_before: dict[str, str]
    weekday_after: dict[str, str]
    weekday_before: dict[str, str]
    this_year: PhraseSet
    last_year: PhraseSet
    next_year: PhraseSet
    part_of_month: PhraseSet
    part_of_week: dict[tuple[str, ...], int]
    part_of_week_set: PhraseSet
    week_modifiers: dict[str, int]
    days_offset: dict[tuple[str, ...], int]
    days_offset_set: PhraseSet
    week_start: int
    forward: PhraseSet
    periods: dict[tuple[str, ...], tuple[str, int]]
    periods_set: PhraseSet
    past_periods: dict[tuple[str, ...], tuple[str, int]]
    past_periods_set: PhraseSet
    past_openers: PhraseSet
    units: dict[str, str]
    ago_words: frozenset[str]
    number_words: dict[str, float]
    range_openers: frozenset[str]
    range_joiners: frozenset[str]
    opener_joiners: frozenset[str]  # "and" joins two dates only after an opener: between X and Y
    bare_years: tuple[int, int] | None
    counted_after_year: frozenset[str]
    function_words: frozenset[str]
    habitual: frozenset[str]
    ordinal_days: dict[tuple[str, ...], int]  # الثالث من يونيو
    ordinal_days_set: PhraseSet
    day_of: frozenset[str]  # the word between an ordinal day and its month (من)
    year_suffixes: dict[str, str]  # 2014م (gregorian), 1436هـ (hijri)
    ago_before: frozenset[str]  # قبل 4 سنوات
    ago_relative_to: frozenset[str]  # قبل يومين من الانتخابات: before something else, not a date
    not_dates: frozenset[str]  # جدا "very", whose matching form is غدا "tomorrow"
    not_after_today: frozenset[str]  # اليوم الثاني "the second day"
    starters: frozenset[str]  # every form a date expression can start with, digits aside
    two_word_months: dict[tuple[str, ...], int]  # كانون الثاني
    two_word_months_set: PhraseSet
    not_relative: PhraseSet  # قبل عام من أجل: "in order to", not "before"
    not_date_after: dict[str, frozenset[str]]  # النائب العام السابق, روسيا اليوم: a name, no date
    calendar_words: dict[str, str]  # 1436 هـ, 1436 للهجرة: the calendar written as its own word
    year_qualifiers: frozenset[str]  # العام المالي 2013: a word between the year word and the year
    month_words: frozenset[str]  # شهر: the word "month" before a month's name
    date_linkers: frozenset[str]  # الاثنين الموافق 20 يوليو: a weekday tied to its date
    numeric_order: str  # dmy or mdy: 21/7/2015 or 7/21/2015
    hijri_months: dict[tuple[str, ...], int]  # رمضان, ذو القعدة
    hijri_months_set: PhraseSet
    hijri_years: tuple[int, int] | None  # 6/9/1436: a year written in this range is a Hijri one
    day_after_month: bool  # March 5 (English), where Arabic writes 5 مارس
    day_suffixes: tuple[str, ...]  # July 21st, the 21st of July
    decade_suffixes: tuple[str, ...]  # the 1990s
    other_time_years: frozenset[str]  # since 2013: a year word whose year is not the story's


def _form(word: str) -> str:
    return " ".join(phrase_forms(word))


_MARKS = re.compile("[\u064b-\u065f\u0670]")


def bare(word: str) -> str:
    """A word as written, less its short vowels: جدًا and جداً are جدا."""
    return _MARKS.sub("", word)


@cache
def words_for(language: str) -> Words | None:
    words = _build_words(language)
    if words is None:
        return None
    sets = (
        words.this_year, words.last_year, words.next_year, words.part_of_month, words.part_of_week_set,
        words.days_offset_set, words.periods_set, words.past_periods_set, words.past_openers,
        words.ordinal_days_set, words.two_word_months_set, words.hijri_months_set,
    )  # fmt: skip
    starters = frozenset().union(
        *(s.first_words() for s in sets),
        words.months, words.weekdays, words.year_words, words.month_before, words.weekday_before,
        words.number_words, words.ago_before, words.habitual,
    )  # fmt: skip
    return replace(words, starters=starters)


def _build_words(language: str) -> Words | None:
    data = lang.load(language, "dates")
    if data is None:
        return None
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for name in data["cldr_locales"]:
        locale = Locale.parse(name)
        for width in ("wide", "abbreviated"):
            for number, month in locale.months["format"][width].items():
                if len(phrase_forms(month)) == 1 and len(month) > 2:
                    months.setdefault(_form(month), number)
        for number, day in locale.days["format"]["wide"].items():
            weekdays[_form(day)] = number
    months.update({_form(m): n for m, n in data["extra_months"].items()})
    return Words(
        months=months,
        ambiguous_months=frozenset(_form(m) for m in data["ambiguous_months"]),
        weekdays=weekdays,
        year_words=frozenset(_form(w) for w in data["year_words"]),
        month_after={_form(k): v for k, v in data["month_modifiers"].items()},
        month_before={_form(k): v for k, v in data.get("month_modifiers_before", {}).items()},
        weekday_after={_form(k): v for k, v in data["weekday_modifiers"].items()},
        weekday_before={_form(k): v for k, v in data.get("weekday_modifiers_before", {}).items()},
        this_year=PhraseSet(data["this_year"]),
        last_year=PhraseSet(data["last_year"]),
        next_year=PhraseSet(data["next_year"]),
        part_of_month=PhraseSet(data["part_of_month"]),
        part_of_week={phrase_forms(k): v for k, v in data["part_of_week"].items()},
        part_of_week_set=PhraseSet(list(data["part_of_week"])),
        week_modifiers={_form(k): v for k, v in data["week_modifiers"].items()},
        days_offset={phrase_forms(k): v for k, v in data["days_offset"].items()},
        days_offset_set=PhraseSet(list(data["days_offset"])),
        week_start=data["week_starts_on"],
        forward=PhraseSet(data["forward"]),
        periods={phrase_forms(k): (v[0], v[1]) for k, v in data["periods"].items()},
        periods_set=PhraseSet(list(data["periods"])),
        past_periods={phrase_forms(k): (v[0], v[1]) for k, v in data.get("past_periods", {}).items()},
        past_periods_set=PhraseSet(list(data.get("past_periods", {}))),
        past_openers=PhraseSet(data["past_openers"]),
        units={_form(k): v for k, v in data["units"].items()},
        ago_words=frozenset(_form(w) for w in data["ago_words"]),
        number_words={
            _form(k): v for k, v in (lang.load(language, "numbers") or {"words": {}})["words"].items()
        },
        range_openers=frozenset(_form(w) for w in data["range_openers"]),
        range_joiners=frozenset(j for w in data["range_joiners"] for j in (w, _form(w)) if j),
        opener_joiners=frozenset(_form(w) for w in data["range_joiners_after_opener"]),
        bare_years=tuple(data["bare_years"]) if data.get("bare_years") else None,
        counted_after_year=frozenset(_form(w) for w in data.get("counted_after_year", [])),
        function_words=frozenset(
            _form(w) for w in (lang.load(language, "function_words") or {"words": []})["words"]
        ),
        ordinal_days={phrase_forms(k): v for k, v in data.get("ordinal_days", {}).items()},
        ordinal_days_set=PhraseSet(list(data.get("ordinal_days", {}))),
        day_of=frozenset(_form(x) for x in data.get("day_of", [])),
        year_suffixes={_form(k): v for k, v in data.get("year_suffixes", {}).items()},
        ago_before=frozenset(_form(x) for x in data.get("ago_before", [])),
        ago_relative_to=frozenset(_form(x) for x in data.get("ago_relative_to", [])),
        not_dates=frozenset(bare(x) for x in data.get("not_dates", [])),
        starters=frozenset(),
        two_word_months={phrase_forms(k): v for k, v in data.get("two_word_months", {}).items()},
        two_word_months_set=PhraseSet(list(data.get("two_word_months", {}))),
        not_relative=PhraseSet(data.get("not_relative", [])),
        not_date_after={
            _form(k): frozenset(_form(x) for x in v) for k, v in data.get("not_date_after", {}).items()
        },
        calendar_words={_form(k): v for k, v in data.get("calendar_words", {}).items()},
        year_qualifiers=frozenset(_form(x) for x in data.get("year_qualifiers", [])),
        month_words=frozenset(_form(x) for x in data.get("month_words", [])),
        date_linkers=frozenset(_form(x) for x in data.get("date_linkers", [])),
        numeric_order=data.get("numeric_order", "dmy"),
        hijri_months={phrase_forms(k): v for k, v in data.get("hijri_months", {}).items()},
        hijri_months_set=PhraseSet(list(data.get("hijri_months", {}))),
        hijri_years=tuple(data["hijri_years"]) if data.get("hijri_years") else None,
        day_after_month=bool(data.get("day_after_month")),
        day_suffixes=tuple(data.get("day_suffixes", [])),
        decade_suffixes=tuple(_form(x) for x in data.get("decade_suffixes", [])),
        other_time_years=frozenset(_form(x) for x in data.get("other_time_years", [])),
        not_after_today=frozenset(f for x in data.get("ordinal_days", {}) for f in phrase_forms(x)[:1]),
        habitual=frozenset(
            _form(k)
            for k, v in {**data["weekday_modifiers_before"], **data.get("month_modifiers_before", {})}.items()
            if v == "habitual"
        ),
    )
