"""Dates mentioned in an article, resolved against its reference date.

Month and weekday names come from CLDR through babel, for every locale listed
in ``lang/<xx>/dates.json`` (يناير and كانون الثاني and جانفي are all January);
relative words (الماضي، الجاري، المقبل، منتصف، مطلع، أمس; last, next) are data
too. Each value carries its real precision: ``12 مايو الماضي`` is a day
(``2024-05-12``), ``منتصف مايو الماضي`` a month (``2024-05``), ``عام 2014`` a
year. A bare four-digit number is a year only after a year word or a month,
so ``1000 جندي`` stays a quantity.

Numeric dates (``21/7/2015``, ``2015-07-21``; day and month in the language's order) and
Hijri ones (``4 رمضان 1436هـ``, ``6/9/1436``) are given as their Gregorian day, the latter
through the Umm al-Qura table (hijridate); a Hijri month with its year is its first to last
day, two years written as one (``2014/2015``, ``1435/ 1436هـ``) a period. A relative day and
its weekday are one date (``اليوم الثلاثاء``), and a weekday picks the year of a date written
without one (``الأحد الموافق 8 ذي القعدة``).

Why not dateparser: it finds no span, reports no precision and returns nothing
for the modified forms (``12 مايو الماضي``), which are the common ones in news.

Resolution, with reference Tuesday 2024-06-25, as a reader would: a month or
weekday without a year is the latest one on or before the reference (news
speaks of the past): ``الثلاثاء`` -> 2024-06-25, ``August`` -> 2023-08, unless its
sentence points forward (``will``, ``next``, ``المقبل``, ``lang/<xx>/dates.json``
"forward"): ``will meet in August`` -> 2024-08; a day in the next few weeks
(``in a debate on 10 July``) is the coming one, as last year's would carry its
year. ``مايو الماضي`` -> 2024-05; ``يونيو الماضي`` -> 2023-06. Periods carry their end: ``last week`` ->
2024-06-17 to 2024-06-23, ``in the past two weeks`` -> 2024-06-11 to 2024-06-25,
``from March to May`` -> 2024-03 to 2024-05, ``last year`` -> 2023.

One module, read whole: the patterns that find a date and the rules that resolve
it share the same per-language words, and a change to one is checked against the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

from babel import Locale
from hijridate import Gregorian, Hijri

from streams import lang
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.tokens import Token, phrase_forms
from streams.records import DateMention


@dataclass(frozen=True, slots=True)
class _Words:
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


def _form(word: str) -> str:
    return " ".join(phrase_forms(word))


_MARKS = re.compile("[\u064b-\u065f\u0670]")


def _bare(word: str) -> str:
    """A word as written, less its short vowels: جدًا and جداً are جدا."""
    return _MARKS.sub("", word)


@cache
def _words(language: str) -> _Words | None:
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


def _build_words(language: str) -> _Words | None:
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
    return _Words(
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
        not_dates=frozenset(_bare(x) for x in data.get("not_dates", [])),
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
        not_after_today=frozenset(f for x in data.get("ordinal_days", {}) for f in phrase_forms(x)[:1]),
        habitual=frozenset(
            _form(k)
            for k, v in {**data["weekday_modifiers_before"], **data.get("month_modifiers_before", {})}.items()
            if v == "habitual"
        ),
    )


def parse_reference(value: str | None) -> date:
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return date.today()


_SENTENCE_END = re.compile(r"[.!?؟]\s|\n")


@dataclass(slots=True)
class _Hit:
    first: int
    last: int
    value: str
    relative: bool
    end: str | None = None


def find_dates(
    text: str, tokens: list[Token], language: str | None, reference: date
) -> tuple[list[DateMention], set[int]]:
    """Dates and the token indices they use (so quantities do not count them)."""
    words = _words(language or "") or _words("ar")
    assert words is not None
    forward = _forward_tokens(text, tokens, words)
    hits: list[_Hit] = []
    i = 0
    starters = words.starters
    while i < len(tokens):
        token = tokens[i]
        if (
            not token.text[-1:].isdigit()
            and not token.text[:1].isdigit()
            and not any(r in starters for r in token.readings)
        ):
            i += 1  # most words start no date: skip the matchers
            continue
        hit = _date_at(text, tokens, i, words, reference, i in forward)
        if hit is None:
            i += 1
            continue
        hits.append(hit)
        i = hit.last + 1
    hits = _ranges(text, tokens, hits, words)
    found: list[DateMention] = []
    used: set[int] = set()
    for hit in hits:
        surface = text[tokens[hit.first].start : tokens[hit.last].end]
        found.append(DateMention(text=surface, value=hit.value, relative=hit.relative, end=hit.end))
        used.update(range(hit.first, hit.last + 1))
    return found, used


def _forward_tokens(text: str, tokens: list[Token], w: _Words) -> set[int]:
    """Indices of the tokens in sentences that speak of what is to come."""
    forward: set[int] = set()
    sentence: list[int] = []
    ahead = False
    for k, token in enumerate(tokens):
        if k and _SENTENCE_END.search(text, tokens[k - 1].end, token.start):
            if ahead:
                forward.update(sentence)
            sentence, ahead = [], False
        sentence.append(k)
        ahead = ahead or w.forward.match_at(tokens, k) is not None
    if ahead:
        forward.update(sentence)
    return forward


def _ranges(text: str, tokens: list[Token], hits: list[_Hit], w: _Words) -> list[_Hit]:
    """``from March to May``, ``between 1969 and 1971``, ``بين عامي 2019 و2021``: one period."""
    out: list[_Hit] = []
    for hit in hits:
        if out and hit.first <= out[-1].last:
            continue  # the second year of "from 2021 through 2025", already the range's end
        year_end = _year_range_end(tokens, hit, w)
        if year_end is not None:
            hit.end, hit.last = year_end
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end is None
            and len(prev.value) == len(hit.value)  # قبل 4 سنوات وحتى اليوم: two dates, not a period
            and _joined(text, tokens, prev, hit, w)
        ):
            if prev.relative and not hit.relative and len(prev.value) == len(hit.value) == 7:
                prev.value = hit.value[:4] + prev.value[4:]
            elif prev.relative and prev.value > hit.value:
                prev.value = _before(prev.value, hit.value)
            prev.end, prev.last = hit.value, hit.last
            continue
        out.append(hit)
    return out


def _before(start: str, end: str) -> str:
    """A range's start, each end resolved on its own, moved before its end: ``يونيو/ يوليو``
    with reference 2024-06-25 is 2023-06 to 2023-07, ``الاثنين - الثلاثاء`` on a Monday
    starts the Monday before."""
    if len(start) == 7:
        return f"{int(end[:4]) - (start[4:] > end[4:]):04d}{start[4:]}"
    if len(start) == 10 and 0 < (date.fromisoformat(start) - date.fromisoformat(end)).days < 7:
        return (date.fromisoformat(start) - timedelta(weeks=1)).isoformat()
    return start


def _joined(text: str, tokens: list[Token], a: _Hit, b: _Hit, w: _Words) -> bool:
    gap = tokens[a.last + 1 : b.first]
    opener = a.first > 0 and any(r in w.range_openers for r in tokens[a.first - 1].readings)
    opener = opener or any(r in w.range_openers for r in tokens[a.first].readings)
    if not gap:
        return text[tokens[a.last].end : tokens[b.first].start].strip() in w.range_joiners
    if len(gap) != 1 or not any(r in w.range_joiners for r in gap[0].readings):
        return False  # وحتى reads حتى
    return opener or gap[0].form not in w.opener_joiners


def _year_range_end(tokens: list[Token], hit: _Hit, w: _Words) -> tuple[str, int] | None:
    """A year followed by a joiner and another bare year: ``1986 to 1991``, ``2019 و2021``."""
    if len(hit.value) != 4 or hit.last + 1 >= len(tokens):
        return None
    nxt = tokens[hit.last + 1]
    if nxt.form in w.range_joiners and hit.last + 2 < len(tokens):
        year, last = _number(tokens[hit.last + 2]), hit.last + 2
    else:
        joiner = next(
            (j for j in w.range_joiners if nxt.form.startswith(j) and nxt.form[len(j) :].isdigit()), None
        )
        year, last = (int(nxt.form[len(joiner) :]), hit.last + 1) if joiner else (None, 0)
    if year is not None and int(hit.value) < year <= 2100:
        return f"{year:04d}", last
    return None


def _number(token: Token) -> int | None:
    return int(token.form) if token.form.isdigit() and token.form.isascii() else None


def _day_number(token: Token, w: _Words) -> int | None:
    """A day's number, with its ordinal letters where the language writes them (``21st``)."""
    number = _number(token)
    if number is None:
        suffix = next((x for x in w.day_suffixes if token.form.endswith(x)), None)
        digits = token.form[: -len(suffix)] if suffix else ""
        number = int(digits) if digits.isdigit() and digits.isascii() and len(digits) <= 2 else None
    return number


def _month(token: Token, words: _Words) -> int | None:
    for reading in token.readings:
        if reading in words.months:
            return words.months[reading]
    return None


def _date_at(text: str, tokens: list[Token], i: int, w: _Words, ref: date, forward: bool) -> _Hit | None:
    if _bare(tokens[i].text) in w.not_dates:
        return None
    after = w.not_date_after.get(tokens[i].form)
    if after and i > 0 and any(r in after for r in tokens[i - 1].readings):
        return None  # النائب العام السابق "the former attorney general", روسيا اليوم
    found = (
        _days_offset(text, tokens, i, w, ref)
        or _part_of_week(tokens, i, w, ref)
        or _day_month_year(tokens, i, w, ref, forward)
        or _weekday(text, tokens, i, w, ref, forward)
    )
    if found:
        return _Hit(*found)
    return (
        _numeric_date(text, tokens, i, w)
        or _hijri_date(text, tokens, i, w, ref, forward)
        or _year(text, tokens, i, w)
        or _period(tokens, i, w, ref, forward)
        or _past_period(tokens, i, w, ref)
        or _ago(tokens, i, w, ref)
        or _ago_before(tokens, i, w, ref)
    )


def _ago_before(tokens: list[Token], i: int, w: _Words, ref: date) -> _Hit | None:
    """``قبل 4 سنوات`` -> 2011, ``قبل عام`` -> 2014: "ago" written before the count, unless a
    following ``من`` ties it to another event (قبل يومين من الانتخابات)."""
    if not w.ago_before or tokens[i].form not in w.ago_before or i + 1 >= len(tokens):
        return None
    k = i + 1
    count = _count(tokens[k], w)
    if count is not None:
        k += 1
    if k >= len(tokens):
        return None
    unit = w.units.get(tokens[k].form)
    if unit is None:
        return None
    if ":" in unit:  # a dual: عامين is two years
        unit, doubled = unit.split(":")
        count = float(doubled)
    if (
        k + 1 < len(tokens)
        and tokens[k + 1].form in w.ago_relative_to
        and w.not_relative.match_at(tokens, k + 1) is None
    ):
        return None
    day = _minus(ref, unit, int(count or 1))
    value = {
        "year": f"{day.year:04d}",
        "decade": f"{day.year:04d}",
        "month": f"{day.year:04d}-{day.month:02d}",
    }
    return _Hit(i, k, value.get(unit, day.isoformat()), True)


def _year_value(token: Token, w: _Words) -> int | None:
    """A year written with digits, with or without its calendar's letter: ``2014``, ``2014م``,
    ``1436هـ`` (the Gregorian year most of that Hijri year falls in: 2015)."""
    number = _number(token)
    if number is not None:
        return number
    form = token.form
    digits = form.rstrip("".join(w.year_suffixes))
    calendar = w.year_suffixes.get(form[len(digits) :])
    if not digits.isdigit() or not digits.isascii() or calendar is None:
        return None
    if calendar == "hijri":
        return _hijri_year(int(digits))
    return int(digits)


def _hijri_year(year: int) -> int:
    """The Gregorian year most of a Hijri year falls in: 1436 -> 2015."""
    return int(year * 0.970229 + 621.5643 + 0.485)


def _raw_year(tokens: list[Token], k: int, w: _Words) -> tuple[int, str | None, int] | None:
    """The digits of a year at ``k``, its calendar if written (``1436هـ``, ``1436 هـ``, ``2014 م``,
    ``1436 للهجرة``) and the last token it takes."""
    form = tokens[k].form
    digits = form.rstrip("".join(w.year_suffixes))
    if not digits.isdigit() or not digits.isascii():
        return None
    calendar = w.year_suffixes.get(form[len(digits) :]) if digits != form else None
    if digits != form and calendar is None:
        return None
    last = k
    if calendar is None and k + 1 < len(tokens) and tokens[k + 1].form in w.calendar_words:
        calendar, last = w.calendar_words[tokens[k + 1].form], k + 1
    return int(digits), calendar, last


def _year_at(tokens: list[Token], k: int, w: _Words) -> tuple[int, int] | None:
    """The Gregorian year written at ``k`` and the last token it takes."""
    raw = _raw_year(tokens, k, w)
    if raw is None:
        return None
    number, calendar, last = raw
    return (_hijri_year(number) if calendar == "hijri" else number), last


def _year_pair(text: str, tokens: list[Token], k: int, w: _Words) -> tuple[str, str, int] | None:
    """``2014/2015``, ``2014-15``, ``1435/ 1436هـ``: a season, a school, fiscal or Hijri year that
    spans two; both Hijri when the second is."""
    first = _number(tokens[k])
    if first is None or len(tokens[k].text) != 4 or k + 1 >= len(tokens):
        return None
    if text[tokens[k].end : tokens[k + 1].start].strip() not in ("/", "-", "–"):
        return None
    raw = _raw_year(tokens, k + 1, w)
    if raw is None:
        return None
    second, calendar, last = raw
    width = len(str(second))
    if not (width == 4 and second == first + 1 or width == 2 and second == (first + 1) % 100):
        return None
    if calendar is None and w.hijri_years and w.hijri_years[0] <= first <= w.hijri_years[1]:
        calendar = "hijri"  # 1435/1436
    start = _hijri_year(first) if calendar == "hijri" else first
    if not 1000 <= start < 2100:
        return None
    return f"{start:04d}", f"{start + 1:04d}", last


_NUMERIC_DATE = re.compile(r"(\d{1,4}) ?([/.-]) ?(\d{1,2}) ?\2 ?(\d{1,4})(?!\d)")


def _numeric_date(text: str, tokens: list[Token], i: int, w: _Words) -> _Hit | None:
    """``21/7/2015``, ``2015-07-21``, ``4/9/1436هـ`` (Umm al-Qura, given as its Gregorian day).
    The day and month order of a four-digit-last date is the language's (``numeric_order``)."""
    token = tokens[i]
    if not token.text[:1].isdigit():
        return None
    match = _NUMERIC_DATE.match(text, token.start)
    if match is None:
        return None
    a, b, c = match.group(1), match.group(3), match.group(4)
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) == 4:
        day, month = (int(a), int(b)) if w.numeric_order == "dmy" else (int(b), int(a))
        if month > 12 >= day:
            day, month = month, day
        year = int(c)
    else:
        return None
    last = i
    while last + 1 < len(tokens) and tokens[last + 1].start < match.end():
        last += 1
    raw = _raw_year(tokens, last, w) if len(c) == 4 else None
    calendar = raw[1] if raw else None
    if raw and raw[2] > last:
        last = raw[2]
    if calendar is None and w.hijri_years and w.hijri_years[0] <= year <= w.hijri_years[1]:
        calendar = "hijri"  # 6 / 9 / 1436
    if calendar == "hijri":
        return _hijri_hit(i, last, year, month, day)
    try:
        return _Hit(i, last, date(year, month, day).isoformat(), False) if 1000 <= year <= 2100 else None
    except ValueError:
        return None


def _hijri_hit(first: int, last: int, year: int, month: int, day: int) -> _Hit | None:
    try:
        day_ = Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError):
        return None  # outside the Umm al-Qura table, or no such day
    return _Hit(first, last, date(day_.year, day_.month, day_.day).isoformat(), False)


def _hijri_date(
    text: str, tokens: list[Token], i: int, w: _Words, ref: date, forward: bool, weekday: int | None = None
) -> _Hit | None:
    """``4 رمضان 1436هـ`` -> its Gregorian day, ``الرابع من شوال`` -> the last one (or the next
    in a forward sentence), ``رمضان 1436هـ`` -> its first to last day. A Hijri month named with
    neither day nor year is no date (رمضان is also the season, صفر also zero)."""
    if not w.hijri_months:
        return None
    k, day = i, None
    ordinal = _ordinal_day(tokens, k, w)
    if ordinal is not None:
        day, _, k = ordinal
    elif (number := _number(tokens[k])) is not None and 1 <= number <= 30 and k + 1 < len(tokens):
        if text[tokens[k].end : tokens[k + 1].start].strip():
            return None  # 2 - صفر is a score
        day, k = number, k + 1
        if k + 1 < len(tokens) and tokens[k].form in w.day_of:
            k += 1
    named = k > i and tokens[k - 1].form in w.day_of  # 4 من صفر
    if k + 1 < len(tokens) and any(r in w.month_words for r in tokens[k].readings):
        k, named = k + 1, True
    end = w.hijri_months_set.match_at(tokens, k) if k < len(tokens) else None
    if end is None:
        return None
    ambiguous = tokens[k].form in w.ambiguous_months or tokens[k].readings[-1] in w.ambiguous_months
    key = tuple(t.form for t in tokens[k : end + 1])
    month = w.hijri_months.get(key) or w.hijri_months.get((tokens[k].readings[-1], *key[1:]))
    if month is None:
        return None
    last = end
    raw = _raw_year(tokens, last + 1, w) if last + 1 < len(tokens) else None
    if ambiguous and not named and (raw is None or raw[1] != "hijri"):
        return None  # 2 صفر, a score: صفر is a month only with its calendar, من or شهر
    if raw is not None and 1300 <= raw[0] <= 1600 and raw[1] != "gregorian":
        year, last = raw[0], raw[2]
        if day is not None:
            return _hijri_hit(i, last, year, month, day)
        try:
            start = Hijri(year, month, 1)
            end_day = Hijri(year, month, start.month_length()).to_gregorian()
            start_day = start.to_gregorian()
        except (ValueError, OverflowError):
            return None
        return _Hit(i, last, start_day.isoformat(), False, end_day.isoformat())
    if day is None:
        return None
    modifier = "after" if forward else "recent"
    if last + 1 < len(tokens) and tokens[last + 1].form in w.month_after:
        modifier, last = w.month_after[tokens[last + 1].form], last + 1
    today = Gregorian(ref.year, ref.month, ref.day).to_hijri()
    year = today.year
    if modifier != "current":
        year = _resolve_month_year(
            date(today.year, today.month, min(today.day, 28)), month, modifier, min(day, 28)
        )
    hit = _hijri_hit(i, last, year, month, day)
    if hit is not None and weekday is not None:

        def resolve(y: int) -> date | None:
            found = _hijri_hit(i, last, y, month, day)
            return date.fromisoformat(found.value) if found else None

        chosen = _named_weekday(resolve, year, weekday, ref)
        hit.value = chosen.isoformat() if chosen else hit.value
    if hit is not None:
        hit.relative = True
    return hit


def _named_weekday(resolve: Callable[[int], date | None], year: int, weekday: int, ref: date) -> date | None:
    """The day of a date written without its year whose weekday is the one named with it
    (``الأحد الموافق 8 ذي القعدة``): the year resolved, or the one before or after it."""
    day = resolve(year)
    if day is None or day.weekday() == weekday:
        return day
    matches = [d for y in (year - 1, year + 1) if (d := resolve(y)) is not None and d.weekday() == weekday]
    return min(matches, key=lambda d: abs((d - ref).days)) if matches else day


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def _minus(ref: date, unit: str, count: int) -> date:
    if unit in ("day", "week"):
        return ref - timedelta(days=count * (7 if unit == "week" else 1))
    months = count * {"month": 1, "year": 12, "decade": 120}[unit]
    year, month = _shift_month(ref.year, ref.month, -months)
    return date(year, month, min(ref.day, 28))


def _period(tokens: list[Token], i: int, w: _Words, ref: date, forward: bool) -> _Hit | None:
    """``last year`` -> 2023, ``earlier this month`` -> 2024-06, ``last week`` -> its Monday to Sunday;
    ``this weekend`` is the nearer one (the one just past, up to a Wednesday) unless its
    sentence points forward."""
    end = w.periods_set.match_at(tokens, i)
    if end is None:
        return None
    key = tuple(t.form for t in tokens[i : end + 1])
    unit, offset = w.periods.get(key) or w.periods.get((tokens[i].readings[-1], *key[1:]), ("day", 0))
    if unit == "year":
        return _Hit(i, end, f"{ref.year + offset:04d}", True)
    if unit == "month":
        year, month = _shift_month(ref.year, ref.month, offset)
        return _Hit(i, end, f"{year:04d}-{month:02d}", True)
    if unit in ("week", "weekend"):
        start = ref - timedelta(days=(ref.weekday() - w.week_start) % 7) + timedelta(weeks=offset)
        if unit == "weekend":
            start += timedelta(days=5)
            if offset == 0 and start > ref and not forward and (start - ref).days >= (ref - start).days + 6:
                start -= timedelta(weeks=1)  # the nearer weekend: "the attack this weekend" on a Wednesday
            return _Hit(i, end, start.isoformat(), True, (start + timedelta(days=1)).isoformat())
        return _Hit(i, end, start.isoformat(), True, (start + timedelta(days=6)).isoformat())
    return _Hit(i, end, (ref + timedelta(days=offset)).isoformat(), True)


def _past_period(tokens: list[Token], i: int, w: _Words, ref: date) -> _Hit | None:
    """``in the past two weeks`` / ``خلال الأسبوعين الماضيين``: up to the reference date."""
    end = w.past_periods_set.match_at(tokens, i)
    if end is not None:
        key = tuple(t.form for t in tokens[i : end + 1])
        unit, count = w.past_periods.get(key) or w.past_periods.get(
            (tokens[i].readings[-1], *key[1:]), ("day", 1)
        )
        return _Hit(i, end, _minus(ref, unit, count).isoformat(), True, ref.isoformat())
    opener_end = w.past_openers.match_at(tokens, i)
    if opener_end is None or opener_end + 1 >= len(tokens):
        return None
    k = opener_end + 1
    number = _count(tokens[k], w)
    if number is not None:
        k += 1
    period = w.units.get(tokens[k].form) if k < len(tokens) else None
    if period is None:
        return None
    return _Hit(i, k, _minus(ref, period, int(number or 1)).isoformat(), True, ref.isoformat())


def _count(token: Token, w: _Words) -> float | None:
    if token.form.isdigit():
        return float(token.form)
    return w.number_words.get(token.form)


def _ago(tokens: list[Token], i: int, w: _Words, ref: date) -> _Hit | None:
    """``three years ago`` -> 2021, ``two weeks ago`` -> 2024-06-11."""
    if not w.ago_words or i + 2 >= len(tokens) or tokens[i + 2].form not in w.ago_words:
        return None
    count = _count(tokens[i], w)
    unit = w.units.get(tokens[i + 1].form)
    if count is None or unit is None:
        return None
    day = _minus(ref, unit, int(count))
    value = {
        "year": f"{day.year:04d}",
        "decade": f"{day.year:04d}",
        "month": f"{day.year:04d}-{day.month:02d}",
    }
    return _Hit(i, i + 2, value.get(unit, day.isoformat()), True)


def _days_offset(
    text: str, tokens: list[Token], i: int, w: _Words, ref: date
) -> tuple[int, int, str, bool] | None:
    end = w.days_offset_set.match_at(tokens, i)
    if end is None:
        return None
    if end + 1 < len(tokens) and tokens[end + 1].form in w.not_after_today:
        return None  # اليوم الثاني: the second day of something, not today
    key = tuple(t.form for t in tokens[i : end + 1])
    offset = w.days_offset.get(key)
    if offset is None:
        offset = w.days_offset.get((tokens[i].readings[-1], *key[1:]), 0)
    day = ref + timedelta(days=offset)
    weekday = (
        next((w.weekdays[r] for r in tokens[end + 1].readings if r in w.weekdays), None)
        if end + 1 < len(tokens) and not text[tokens[end].end : tokens[end + 1].start].strip()
        else None
    )
    if weekday is not None:
        # اليوم الثلاثاء: one date, the named day nearest (the reference may be a day off)
        # (اليوم (الاثنين): the name an aside, a date of its own)
        end += 1
        day += timedelta(days=(weekday - day.weekday() + 3) % 7 - 3)
    return i, end, day.isoformat(), True


def _part_of_week(tokens: list[Token], i: int, w: _Words, ref: date) -> tuple[int, int, str, bool] | None:
    end = w.part_of_week_set.match_at(tokens, i)
    if end is None:
        return None
    key = tuple(t.form for t in tokens[i : end + 1])
    day = w.part_of_week.get(key, w.part_of_week.get((tokens[i].readings[-1], *key[1:]), 0))
    weeks = 0
    if end + 1 < len(tokens) and tokens[end + 1].form in w.week_modifiers:
        weeks = w.week_modifiers[tokens[end + 1].form]
        end += 1
    week_start = ref - timedelta(days=(ref.weekday() - w.week_start) % 7)
    return i, end, (week_start + timedelta(weeks=weeks, days=day)).isoformat(), True


def _day_month_year(
    tokens: list[Token], i: int, w: _Words, ref: date, forward: bool
) -> tuple[int, int, str, bool] | None:
    first = i
    part = w.part_of_month.match_at(tokens, i) if _ordinal_day(tokens, i, w) is None else None
    modifier_before = None
    if part is not None:
        i = part + 1
    elif tokens[i].form in w.month_before and i + 1 < len(tokens):
        modifier_before, i = w.month_before[tokens[i].form], i + 1
        if modifier_before == "habitual":
            return None  # every May
        if modifier_before in ("auto", "before"):
            first = i
    day = _day_number(tokens[i], w) if i < len(tokens) else None
    last_day = None
    if day is not None and 1 <= day <= 31 and part is None:
        i += 1
        if i + 1 < len(tokens) and tokens[i].form in w.day_of:
            i += 1  # 21 من يوليو, 20 من الشهر الجاري
    else:
        day = None
        ordinal = _ordinal_day(tokens, i, w) if part is None and i < len(tokens) else None
        if ordinal is not None:  # الثالث من يونيو, السابع والثامن من تموز
            day, last_day, i = ordinal
    if (
        i + 1 < len(tokens)
        and any(r in w.month_words for r in tokens[i].readings)
        and (
            _month(tokens[i + 1], w) is not None or w.two_word_months_set.match_at(tokens, i + 1) is not None
        )
    ):
        i += 1  # نهاية شهر مايو, 21 من شهر يوليو
    two_words = w.two_word_months_set.match_at(tokens, i) if i < len(tokens) else None
    month: int | None
    if two_words is not None:
        month = _two_word_month(tokens, i, two_words, w)
        if month is None:
            return None
    elif i >= len(tokens) or (month := _month(tokens[i], w)) is None:
        if day is not None and part is None and i < len(tokens) and tokens[i - 1].form in w.day_of:
            return _day_of_month_period(tokens, first, i, day, w, ref)
        return None
    if i > 0 and tokens[i - 1].form in w.habitual:
        return None  # every May
    month_at = i
    last = two_words if two_words is not None else i
    if last + 1 < len(tokens) and _month(tokens[last + 1], w) == month:
        last += 1  # one month by two names: يونيو (حزيران), شباط/فبراير, مارس آذار
    elif (
        last + 1 < len(tokens) and (paired := w.two_word_months_set.match_at(tokens, last + 1)) is not None
    ) and _two_word_month(tokens, last + 1, paired, w) == month:
        last = paired  # يناير (كانون الثاني)
    if (
        day is None
        and w.day_after_month
        and last + 1 < len(tokens)
        and (after := _day_number(tokens[last + 1], w))
        and 1 <= after <= 31
    ):
        day, last = after, last + 1  # English order: March 5, 2024 (not عقود أغسطس 13 سنتا)
    year, relative = None, True
    nxt = last + 1
    if (
        nxt + 1 < len(tokens)
        and any(r in w.year_words for r in tokens[nxt].readings)
        and _number(tokens[nxt]) is None
        and (marked := _year_at(tokens, nxt + 1, w))
        and 1000 <= marked[0] <= 2100
    ):
        year, relative, last = marked[0], False, marked[1]  # 5 أكتوبر عام 1976
    elif nxt < len(tokens) and (marked := _year_at(tokens, nxt, w)) and 1000 <= marked[0] <= 2100:
        year, relative, last = marked[0], False, marked[1]
    elif nxt < len(tokens):
        year, last = _year_modifier(tokens, nxt, w, ref, month, last, modifier_before)
    if (
        tokens[month_at].form in w.ambiguous_months
        and day is None
        and year is None
        and modifier_before is None
        and part is None
        and not (
            month_at > 0
            and any(r in w.year_words or r in w.range_joiners for r in tokens[month_at - 1].readings)
        )
    ):
        return None
    if year is None:
        mode = (
            modifier_before if modifier_before not in (None, "auto") else ("after" if forward else "recent")
        )
        if mode == "after" and day is not None and part is None:
            mode = "nearest"  # a sentence about what is to come may still date a past day in it
        year = _resolve_month_year(ref, month, mode, day if part is None else None)
    if day is not None and part is None:
        try:
            value = date(year, month, day).isoformat()
            if last_day is not None:
                return first, last, value, relative, date(year, month, last_day).isoformat()  # type: ignore[return-value]
            return first, last, value, relative
        except ValueError:
            return None
    return first, last, f"{year:04d}-{month:02d}", relative


def _two_word_month(tokens: list[Token], i: int, end: int, w: _Words) -> int | None:
    """``كانون الثاني``, and with a clitic on its first word: ``وتشرين الثاني``."""
    key = tuple(t.form for t in tokens[i : end + 1])
    return w.two_word_months.get(key) or w.two_word_months.get((tokens[i].readings[-1], *key[1:]))


def _day_of_month_period(
    tokens: list[Token], first: int, i: int, day: int, w: _Words, ref: date
) -> tuple[int, int, str, bool] | None:
    """``20 من الشهر الجاري``, ``الخامس عشر من الشهر الماضي``: a day of a month named by its
    place relative to the reference."""
    end = w.periods_set.match_at(tokens, i)
    if end is None:
        return None
    key = tuple(t.form for t in tokens[i : end + 1])
    unit, offset = w.periods.get(key) or w.periods.get((tokens[i].readings[-1], *key[1:]), ("day", 0))
    if unit != "month":
        return None
    year, month = _shift_month(ref.year, ref.month, offset)
    try:
        return first, end, date(year, month, day).isoformat(), True
    except ValueError:
        return None


def _ordinal_day(tokens: list[Token], i: int, w: _Words) -> tuple[int, int | None, int] | None:
    """``الثالث من`` -> (3, None, index of the month); ``السابع والثامن من`` -> (7, 8, ...)."""
    end = w.ordinal_days_set.match_at(tokens, i)
    if end is None:
        return None
    day = w.ordinal_days.get(tuple(t.form for t in tokens[i : end + 1]))
    second = None
    k = end + 1
    if k < len(tokens) and tokens[k].form not in w.day_of:
        end2 = w.ordinal_days_set.match_at(tokens, k)
        if end2 is not None:
            key = tuple(t.form for t in tokens[k : end2 + 1])
            second = w.ordinal_days.get(key) or w.ordinal_days.get((tokens[k].readings[-1], *key[1:]))
            k = end2 + 1
    if day is None or k + 1 >= len(tokens) or tokens[k].form not in w.day_of:
        return None
    return day, second, k + 1


def _year_modifier(
    tokens: list[Token], nxt: int, w: _Words, ref: date, month: int, last: int, before: str | None
) -> tuple[int | None, int]:
    if tokens[nxt].form in w.month_after:
        return _resolve_month_year(ref, month, w.month_after[tokens[nxt].form]), nxt
    for phrases, delta in ((w.this_year, 0), (w.last_year, -1), (w.next_year, 1)):
        end = phrases.match_at(tokens, nxt)
        if end is not None:
            return ref.year + delta, end
    return (_resolve_month_year(ref, month, before) if before not in (None, "auto", "before") else None), last


def _replace_year(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:
        return None  # 29 February


_SOON = 31  # days after the reference within which a day named without a year is the coming one


def _safe_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, 28))


def _resolve_month_year(ref: date, month: int, modifier: str | None, day: int | None = None) -> int:
    """The year of a month named without one. ``past`` / ``next``: strictly before / after
    this month (مايو الماضي); ``before`` / ``after``: on or before / after the reference day;
    ``recent``: as ``before``, but a day in the next few weeks is the coming one."""
    if modifier == "past":
        return ref.year if month < ref.month else ref.year - 1
    if modifier == "next":
        return ref.year if month > ref.month else ref.year + 1
    if modifier == "nearest" and day is not None:
        options = [ref.year - 1, ref.year, ref.year + 1]
        return min(options, key=lambda y: abs((_safe_date(y, month, day) - ref).days))
    if modifier == "recent":
        if day is not None and 0 < (_safe_date(ref.year, month, day) - ref).days <= _SOON:
            return ref.year  # a day in the next weeks: a day of last year would carry its year
        modifier = "before"
    if modifier in ("before", "after"):
        this_year = (month, day or (1 if modifier == "before" else 31)) <= (ref.month, ref.day)
        if modifier == "after":
            this_year = (month, day or 31) >= (ref.month, ref.day)
            return ref.year if this_year else ref.year + 1
        return ref.year if this_year else ref.year - 1
    return ref.year


def _weekday(
    text: str, tokens: list[Token], i: int, w: _Words, ref: date, forward: bool
) -> tuple[int, int, str, bool] | None:
    first, modifier = i, None
    if tokens[i].form in w.weekday_before and i + 1 < len(tokens):
        modifier, i = w.weekday_before[tokens[i].form], i + 1
    weekday = next((w.weekdays[r] for r in tokens[i].readings if r in w.weekdays), None)
    if weekday is None or modifier == "habitual" or i > 0 and tokens[i - 1].form in w.habitual:
        return None  # every Tuesday is no date
    before = first - 1 if modifier is not None else i - 1
    if before >= 0 and w.weekday_before.get(tokens[before].form) == "auto":
        before -= 1
    if before >= 0 and tokens[before].form in w.habitual:
        return None  # sometimes on Thursday, كل يوم جمعة
    if modifier in (None, "auto", "before"):
        first = i
    k = i + 1
    if k + 1 < len(tokens) and tokens[k].form in w.date_linkers:
        k += 1  # الاثنين الموافق 20 يوليو
    if k < len(tokens) and (dated := _day_month_year(tokens, k, w, ref, forward)):
        value = dated[2]
        if dated[3] and len(value) == 10:  # no year written: the weekday tells which
            day = date.fromisoformat(value)
            chosen = _named_weekday(lambda y: _replace_year(day, y), day.year, weekday, ref)
            value = chosen.isoformat() if chosen else value
        return first, dated[1], value, dated[3]  # Friday 13 December, Wednesday, Jan. 1, 2020
    if k < len(tokens) and (
        hit := _numeric_date(text, tokens, k, w) or _hijri_date(text, tokens, k, w, ref, forward, weekday)
    ):
        return first, hit.last, hit.value, hit.relative  # الثلاثاء 21/7/2015, الأحد 4 رمضان 1436هـ
    last = i
    if i + 1 < len(tokens) and tokens[i + 1].form in w.weekday_after:
        modifier, last = w.weekday_after[tokens[i + 1].form], i + 1
    back = (ref.weekday() - weekday) % 7
    if modifier == "next" or (modifier in (None, "auto") and forward):
        ahead = (weekday - ref.weekday()) % 7
        day = ref + timedelta(days=ahead or (7 if modifier == "next" else 0))
    elif modifier == "past":
        day = ref - timedelta(days=back or 7)
    else:
        day = ref - timedelta(days=back)
    return first, last, day.isoformat(), True


def _year(text: str, tokens: list[Token], i: int, w: _Words) -> _Hit | None:
    pair = _year_pair(text, tokens, i, w)
    if pair is not None:
        return _Hit(i, pair[2], pair[0], False, pair[1])
    bare = _bare_year(tokens, i, w)
    if bare is not None:
        return None if _counts_range(tokens, i, bare, w) else _Hit(i, i, f"{bare:04d}", False)
    marked = _raw_year(tokens, i, w)
    if (
        marked is not None
        and marked[1] is not None
        and (year := _year_at(tokens, i, w))
        and 1000 <= year[0] <= 2100
    ):
        return _Hit(i, year[1], f"{year[0]:04d}", False)  # 1436هـ, 2014م: the calendar makes it a year
    if not any(r in w.year_words for r in tokens[i].readings) or i + 1 >= len(tokens):
        return None
    k = i + 1
    if k + 1 < len(tokens) and tokens[k].form in w.year_qualifiers:
        k += 1  # العام المالي 2013
    if _numeric_date(text, tokens, k, w) is not None:
        return None  # في 2015/07/21: the date, not its year
    pair = _year_pair(text, tokens, k, w)
    if pair is not None:
        return _Hit(i, pair[2], pair[0], False, pair[1])
    year = _year_at(tokens, k, w)
    if year is None or not 1000 <= year[0] <= 2100 or _counts_range(tokens, year[1], year[0], w):
        return None
    return _Hit(i, year[1], f"{year[0]:04d}", False)


def _counts_range(tokens: list[Token], last: int, first: int, w: _Words) -> bool:
    """``بين 2000 و2500 إسترليني``, ``between 2000 and 3000``: a number joined to one that is
    no later year makes a range of counts, not of years."""
    if last + 1 >= len(tokens):
        return False
    nxt = tokens[last + 1]
    second = None
    if nxt.form in w.range_joiners and last + 2 < len(tokens):
        second = _number(tokens[last + 2])
    else:
        joiner = next(
            (j for j in w.range_joiners if nxt.form.startswith(j) and nxt.form[len(j) :].isdigit()), None
        )
        second = int(nxt.form[len(joiner) :]) if joiner else None
    return second is not None and not first < second <= 2100


def _bare_year(tokens: list[Token], i: int, w: _Words) -> int | None:
    """A year with no year word before it (``As 2019 has ended``, ``the 2018 election``):
    where a language writes counts of a thousand or more with a separator, a four-digit
    number in the range is a year unless a plural noun follows it (``2000 people``)."""
    if w.bare_years is None or i > 0 and any(r in w.year_words for r in tokens[i - 1].readings):
        return None
    number = _number(tokens[i])
    low, high = w.bare_years
    if number is None or not low <= number <= high or len(tokens[i].text) != 4:
        return None
    if i + 1 < len(tokens):
        nxt = tokens[i + 1]
        plural = (
            nxt.text.islower()
            and nxt.text.isalpha()
            and nxt.text.endswith("s")
            and not nxt.text.endswith("ss")
            and nxt.form not in w.function_words  # 2019 has ended
        )
        if plural or nxt.form in w.counted_after_year:
            return None
    return number
