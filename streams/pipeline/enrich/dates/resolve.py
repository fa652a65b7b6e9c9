"""Where a date written without all its parts falls relative to the reference date: the
year of a month or day named without one (news speaks of the past unless its sentence
points forward), a date counted back in days, weeks, months or years, and the year a
named weekday picks. Arithmetic on dates only, no text: the rules a reader applies, in
one place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def minus(ref: date, unit: str, count: int) -> date:
    if unit in ("day", "week"):
        return ref - timedelta(days=count * (7 if unit == "week" else 1))
    months = count * {"month": 1, "year": 12, "decade": 120}[unit]
    year, month = shift_month(ref.year, ref.month, -months)
    return date(year, month, min(ref.day, 28))


_SOON = 31  # days after the reference within which a day named without a year is the coming one


def _safe_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, 28))


def resolve_month_year(ref: date, month: int, modifier: str | None, day: int | None = None) -> int:
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


def replace_year(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:
        return None  # 29 February


def named_weekday(resolve: Callable[[int], date | None], year: int, weekday: int, ref: date) -> date | None:
    """The day of a date written without its year whose weekday is the one named with it
    (``الأحد الموافق 8 ذي القعدة``): the year resolved, or the one before or after it."""
    day = resolve(year)
    if day is None or day.weekday() == weekday:
        return day
    matches = [d for y in (year - 1, year + 1) if (d := resolve(y)) is not None and d.weekday() == weekday]
    return min(matches, key=lambda d: abs((d - ref).days)) if matches else day
