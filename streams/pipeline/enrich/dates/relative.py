"""Dates named by their distance from the reference, with no month or year written:
``أمس``, ``today``, ``مطلع الأسبوع``, ``last week``, ``this weekend``, ``in the past two
weeks``, ``three years ago``, ``قبل 4 سنوات``, ``20 من الشهر الجاري``. Each is the
reference moved by a count of days, weeks, months or years.
"""

from __future__ import annotations

from datetime import date, timedelta

from streams.pipeline.enrich.dates.parts import Hit, count_of
from streams.pipeline.enrich.dates.resolve import minus, shift_month
from streams.pipeline.enrich.dates.words import Words
from streams.pipeline.enrich.tokens import Token


def days_offset(
    text: str, tokens: list[Token], i: int, w: Words, ref: date
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


def part_of_week(tokens: list[Token], i: int, w: Words, ref: date) -> tuple[int, int, str, bool] | None:
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


def period(tokens: list[Token], i: int, w: Words, ref: date, forward: bool) -> Hit | None:
    """``last year`` -> 2023, ``earlier this month`` -> 2024-06, ``last week`` -> its Monday to Sunday;
    ``this weekend`` is the nearer one (the one just past, up to a Wednesday) unless its
    sentence points forward."""
    end = w.periods_set.match_at(tokens, i)
    if end is None:
        return None
    key = tuple(t.form for t in tokens[i : end + 1])
    unit, offset = w.periods.get(key) or w.periods.get((tokens[i].readings[-1], *key[1:]), ("day", 0))
    if unit == "year":
        return Hit(i, end, f"{ref.year + offset:04d}", True)
    if unit == "month":
        year, month = shift_month(ref.year, ref.month, offset)
        return Hit(i, end, f"{year:04d}-{month:02d}", True)
    if unit in ("week", "weekend"):
        start = ref - timedelta(days=(ref.weekday() - w.week_start) % 7) + timedelta(weeks=offset)
        if unit == "weekend":
            start += timedelta(days=5)
            if offset == 0 and start > ref and not forward and (start - ref).days >= (ref - start).days + 6:
                start -= timedelta(weeks=1)  # the nearer weekend: "the attack this weekend" on a Wednesday
            return Hit(i, end, start.isoformat(), True, (start + timedelta(days=1)).isoformat())
        return Hit(i, end, start.isoformat(), True, (start + timedelta(days=6)).isoformat())
    return Hit(i, end, (ref + timedelta(days=offset)).isoformat(), True)


def past_period(tokens: list[Token], i: int, w: Words, ref: date) -> Hit | None:
    """``in the past two weeks`` / ``خلال الأسبوعين الماضيين``: up to the reference date."""
    end = w.past_periods_set.match_at(tokens, i)
    if end is not None:
        key = tuple(t.form for t in tokens[i : end + 1])
        unit, count = w.past_periods.get(key) or w.past_periods.get(
            (tokens[i].readings[-1], *key[1:]), ("day", 1)
        )
        return Hit(i, end, minus(ref, unit, count).isoformat(), True, ref.isoformat(), count=True)
    opener_end = w.past_openers.match_at(tokens, i)
    if opener_end is None or opener_end + 1 >= len(tokens):
        return None
    k = opener_end + 1
    number = count_of(tokens[k], w)
    if number is not None:
        k += 1
    period = w.units.get(tokens[k].form) if k < len(tokens) else None
    if period is None:
        return None
    return Hit(i, k, minus(ref, period, int(number or 1)).isoformat(), True, ref.isoformat(), count=True)


def ago(tokens: list[Token], i: int, w: Words, ref: date) -> Hit | None:
    """``three years ago`` -> 2021, ``two weeks ago`` -> 2024-06-11."""
    if not w.ago_words or i + 2 >= len(tokens) or tokens[i + 2].form not in w.ago_words:
        return None
    count = count_of(tokens[i], w)
    unit = w.units.get(tokens[i + 1].form)
    if count is None or unit is None:
        return None
    day = minus(ref, unit, int(count))
    value = {
        "year": f"{day.year:04d}",
        "decade": f"{day.year:04d}",
        "month": f"{day.year:04d}-{day.month:02d}",
    }
    return Hit(i, i + 2, value.get(unit, day.isoformat()), True, count=True)


def ago_before(tokens: list[Token], i: int, w: Words, ref: date) -> Hit | None:
    """``قبل 4 سنوات`` -> 2011, ``قبل عام`` -> 2014: "ago" written before the count, unless a
    following ``من`` ties it to another event (قبل يومين من الانتخابات)."""
    if not w.ago_before or tokens[i].form not in w.ago_before or i + 1 >= len(tokens):
        return None
    k = i + 1
    count = count_of(tokens[k], w)
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
    day = minus(ref, unit, int(count or 1))
    value = {
        "year": f"{day.year:04d}",
        "decade": f"{day.year:04d}",
        "month": f"{day.year:04d}-{day.month:02d}",
    }
    return Hit(i, k, value.get(unit, day.isoformat()), True, count=True)


def day_of_month_period(
    tokens: list[Token], first: int, i: int, day: int, w: Words, ref: date
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
    year, month = shift_month(ref.year, ref.month, offset)
    try:
        return first, end, date(year, month, day).isoformat(), True
    except ValueError:
        return None
