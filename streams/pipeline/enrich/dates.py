"""Dates mentioned in an article, resolved against its reference date.

Month and weekday names come from CLDR through babel, for every locale listed
in ``lang/<xx>/dates.json`` (يناير and كانون الثاني and جانفي are all January);
relative words (الماضي، الجاري، المقبل، منتصف، مطلع، أمس; last, next) are data
too. Each value carries its real precision: ``12 مايو الماضي`` is a day
(``2024-05-12``), ``منتصف مايو الماضي`` a month (``2024-05``), ``عام 2014`` a
year. A bare four-digit number is a year only after a year word or a month,
so ``1000 جندي`` stays a quantity.

Why not dateparser: it finds no span, reports no precision and returns nothing
for the modified forms (``12 مايو الماضي``), which are the common ones in news.

Resolution, with reference Tuesday 2024-06-25: ``الثلاثاء`` -> 2024-06-25 (news
speaks of the past, so a weekday is the latest one on or before the
reference); ``مايو الماضي`` -> 2024-05; ``يونيو الماضي`` -> 2023-06; ``مارس``
-> 2024-03 (the reference year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from babel import Locale

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


def _form(word: str) -> str:
    return " ".join(phrase_forms(word))


@cache
def _words(language: str) -> _Words | None:
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
    )


def parse_reference(value: str | None) -> date:
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return date.today()


def find_dates(
    text: str, tokens: list[Token], language: str | None, reference: date
) -> tuple[list[DateMention], set[int]]:
    """Dates and the token indices they use (so quantities do not count them)."""
    words = _words(language or "") or _words("ar")
    assert words is not None
    found: list[DateMention] = []
    used: set[int] = set()
    i = 0
    while i < len(tokens):
        hit = _date_at(tokens, i, words, reference)
        if hit is None:
            i += 1
            continue
        first, last, value, relative = hit
        surface = text[tokens[first].start : tokens[last].end]
        found.append(DateMention(text=surface, value=value, relative=relative))
        used.update(range(first, last + 1))
        i = last + 1
    return found, used


def _number(token: Token) -> int | None:
    return int(token.form) if token.form.isdigit() else None


def _month(token: Token, words: _Words) -> int | None:
    for reading in token.readings:
        if reading in words.months:
            return words.months[reading]
    return None


def _date_at(tokens: list[Token], i: int, w: _Words, ref: date) -> tuple[int, int, str, bool] | None:
    return (
        _days_offset(tokens, i, w, ref)
        or _part_of_week(tokens, i, w, ref)
        or _day_month_year(tokens, i, w, ref)
        or _weekday(tokens, i, w, ref)
        or _year(tokens, i, w)
    )


def _days_offset(tokens: list[Token], i: int, w: _Words, ref: date) -> tuple[int, int, str, bool] | None:
    end = w.days_offset_set.match_at(tokens, i)
    if end is None:
        return None
    key = tuple(t.form for t in tokens[i : end + 1])
    offset = w.days_offset.get(key)
    if offset is None:
        offset = w.days_offset.get((tokens[i].readings[-1], *key[1:]), 0)
    return i, end, (ref + timedelta(days=offset)).isoformat(), True


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


def _day_month_year(tokens: list[Token], i: int, w: _Words, ref: date) -> tuple[int, int, str, bool] | None:
    first = i
    part = w.part_of_month.match_at(tokens, i)
    modifier_before = None
    if part is not None:
        i = part + 1
    elif tokens[i].form in w.month_before and i + 1 < len(tokens):
        modifier_before, i = w.month_before[tokens[i].form], i + 1
    day = _number(tokens[i]) if i < len(tokens) else None
    if day is not None and 1 <= day <= 31 and part is None:
        i += 1
    else:
        day = None
    if i >= len(tokens) or (month := _month(tokens[i], w)) is None:
        return None
    last = month_at = i
    if day is None and last + 1 < len(tokens) and (after := _number(tokens[last + 1])) and 1 <= after <= 31:
        day, last = after, last + 1  # English order: March 5, 2024
    year, relative = None, True
    nxt = last + 1
    if nxt < len(tokens) and (number := _number(tokens[nxt])) and 1000 <= number <= 2100:
        year, relative, last = number, False, nxt
    elif nxt < len(tokens):
        year, last = _year_modifier(tokens, nxt, w, ref, month, last, modifier_before)
    elif modifier_before:
        year = _resolve_month_year(ref, month, modifier_before)
    if tokens[month_at].form in w.ambiguous_months and day is None and year is None:
        return None
    year = year or _resolve_month_year(ref, month, modifier_before)
    if day is not None and part is None:
        try:
            return first, last, date(year, month, day).isoformat(), relative
        except ValueError:
            return None
    return first, last, f"{year:04d}-{month:02d}", relative


def _year_modifier(
    tokens: list[Token], nxt: int, w: _Words, ref: date, month: int, last: int, before: str | None
) -> tuple[int | None, int]:
    if tokens[nxt].form in w.month_after:
        return _resolve_month_year(ref, month, w.month_after[tokens[nxt].form]), nxt
    for phrases, delta in ((w.this_year, 0), (w.last_year, -1), (w.next_year, 1)):
        end = phrases.match_at(tokens, nxt)
        if end is not None:
            return ref.year + delta, end
    return (_resolve_month_year(ref, month, before) if before else None), last


def _resolve_month_year(ref: date, month: int, modifier: str | None) -> int:
    if modifier == "past":
        return ref.year if month < ref.month else ref.year - 1
    if modifier == "next":
        return ref.year if month > ref.month else ref.year + 1
    return ref.year


def _weekday(tokens: list[Token], i: int, w: _Words, ref: date) -> tuple[int, int, str, bool] | None:
    first, modifier = i, None
    if tokens[i].form in w.weekday_before and i + 1 < len(tokens):
        modifier, i = w.weekday_before[tokens[i].form], i + 1
    weekday = next((w.weekdays[r] for r in tokens[i].readings if r in w.weekdays), None)
    if weekday is None:
        return None
    if modifier in (None, "auto"):
        first = i
    last = i
    if i + 1 < len(tokens) and tokens[i + 1].form in w.weekday_after:
        modifier, last = w.weekday_after[tokens[i + 1].form], i + 1
    back = (ref.weekday() - weekday) % 7
    if modifier == "next":
        day = ref + timedelta(days=(weekday - ref.weekday()) % 7 or 7)
    elif modifier == "past":
        day = ref - timedelta(days=back or 7)
    else:
        day = ref - timedelta(days=back)
    return first, last, day.isoformat(), True


def _year(tokens: list[Token], i: int, w: _Words) -> tuple[int, int, str, bool] | None:
    if not any(r in w.year_words for r in tokens[i].readings) or i + 1 >= len(tokens):
        return None
    number = _number(tokens[i + 1])
    if number is None or not 1000 <= number <= 2100:
        return None
    return i, i + 1, f"{number:04d}", False
