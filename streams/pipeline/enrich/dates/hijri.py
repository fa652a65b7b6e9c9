"""The Hijri calendar through the Umm al-Qura table (hijridate): the one place that
converts between it and the Gregorian calendar, so every value the finders give is
Gregorian.
"""

from __future__ import annotations

from datetime import date

from hijridate import Gregorian, Hijri


def hijri_year(year: int) -> int:
    """The Gregorian year most of a Hijri year falls in: 1436 -> 2015."""
    return int(year * 0.970229 + 621.5643 + 0.485)


def hijri_day(year: int, month: int, day: int) -> date | None:
    """The Gregorian day of a Hijri one."""
    try:
        day_ = Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError):
        return None  # outside the Umm al-Qura table, or no such day
    return date(day_.year, day_.month, day_.day)


def hijri_month(year: int, month: int) -> tuple[str, str] | None:
    """A Hijri month's first and last day, as Gregorian ISO dates."""
    try:
        start = Hijri(year, month, 1)
        end_day = Hijri(year, month, start.month_length()).to_gregorian()
        start_day = start.to_gregorian()
    except (ValueError, OverflowError):
        return None
    return start_day.isoformat(), end_day.isoformat()


def hijri_today(day: date) -> tuple[int, int, int]:
    """The Hijri year, month and day of a Gregorian day."""
    today = Gregorian(day.year, day.month, day.day).to_hijri()
    return today.year, today.month, today.day
