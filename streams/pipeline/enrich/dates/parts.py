"""The pieces a date is made of, read off the tokens: a day's number (``21``, ``21st``,
``الثالث من``), a month's name (one word or two), a count (``4``, ``three``), a year
and the calendar it is written in. Every kind of date expression is built of them, so
they live apart from any one kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.pipeline.enrich.dates.hijri import hijri_day, hijri_year
from streams.pipeline.enrich.dates.words import Words
from streams.pipeline.enrich.tokens import Token

NOTHING, YEAR, REFERENCE = 0, 1, 2  # what a date's value needs besides its words (Hit.needs)
UNDATED = 3  # every May, the annual July 4 show, 12 June next with no reference: no one day


@dataclass(slots=True)
class Hit:
    """A date found: its first and last token, its value, and its end if it is a period.

    ``needs``: what its value was placed by: ``NOTHING`` (written whole), ``YEAR`` (a month
    or day written without its year, no word relating it to the reference: ``in February``,
    ``Dec. 21``) or ``REFERENCE`` (``yesterday``, ``last March``, ``three years ago``);
    ``UNDATED``: date words that give no one date (``every May``; ``12 June next`` when there
    is no reference), used but not reported.
    Left unset, a relative date needs the reference."""

    first: int
    last: int
    value: str
    relative: bool
    end: str | None = None
    needs: int = -1
    count: bool = False  # the past 16 months, eight years ago: with no reference, a quantity

    def __post_init__(self) -> None:
        if self.needs < 0:
            self.needs = REFERENCE if self.relative else NOTHING


def plain_number(token: Token) -> int | None:
    return int(token.form) if token.form.isdigit() and token.form.isascii() else None


def day_number(token: Token, w: Words) -> int | None:
    """A day's number, with its ordinal letters where the language writes them (``21st``)."""
    number = plain_number(token)
    if number is None:
        suffix = next((x for x in w.day_suffixes if token.form.endswith(x)), None)
        digits = token.form[: -len(suffix)] if suffix else ""
        number = int(digits) if digits.isdigit() and digits.isascii() and len(digits) <= 2 else None
    return number


def named_month(token: Token, words: Words) -> int | None:
    for reading in token.readings:
        if reading in words.months:
            return words.months[reading]
    return None


def count_of(token: Token, w: Words) -> float | None:
    if token.form.isdigit():
        return float(token.form)
    return w.number_words.get(token.form)


def ordinal_day(tokens: list[Token], i: int, w: Words) -> tuple[int, int | None, int] | None:
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


def two_word_month(tokens: list[Token], i: int, end: int, w: Words) -> int | None:
    """``كانون الثاني``, and with a clitic on its first word: ``وتشرين الثاني``."""
    key = tuple(t.form for t in tokens[i : end + 1])
    return w.two_word_months.get(key) or w.two_word_months.get((tokens[i].readings[-1], *key[1:]))


def raw_year(tokens: list[Token], k: int, w: Words) -> tuple[int, str | None, int] | None:
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


def year_at(tokens: list[Token], k: int, w: Words) -> tuple[int, int] | None:
    """The Gregorian year written at ``k`` and the last token it takes."""
    raw = raw_year(tokens, k, w)
    if raw is None:
        return None
    number, calendar, last = raw
    return (hijri_year(number) if calendar == "hijri" else number), last


def hijri_hit(first: int, last: int, year: int, month: int, day: int) -> Hit | None:
    """A Hijri day written at ``first`` to ``last``, as its Gregorian day; None if there is no such day."""
    found = hijri_day(year, month, day)
    return None if found is None else Hit(first, last, found.isoformat(), False)
