"""Dates written with a month's or a weekday's name: ``12 مايو الماضي``, ``منتصف مايو``,
``March 5, 2024``, ``الثالث من يونيو``, ``Friday``, ``الأحد الموافق 8 ذي القعدة``,
``4 رمضان 1436هـ``. The largest family, and the one whose year is most often left for
the reader to infer (``resolve``).
"""

from __future__ import annotations

from datetime import date, timedelta

from streams.pipeline.enrich.dates.hijri import hijri_month, hijri_today
from streams.pipeline.enrich.dates.numeric import numeric_date
from streams.pipeline.enrich.dates.parts import (
    UNDATED,
    YEAR,
    Hit,
    day_number,
    hijri_hit,
    named_month,
    ordinal_day,
    plain_number,
    raw_year,
    two_word_month,
    year_at,
)
from streams.pipeline.enrich.dates.relative import day_of_month_period
from streams.pipeline.enrich.dates.resolve import named_weekday, replace_year, resolve_month_year
from streams.pipeline.enrich.dates.words import Words
from streams.pipeline.enrich.tokens import Token


def day_month_year(tokens: list[Token], i: int, w: Words, ref: date, forward: bool) -> Hit | None:
    first = i
    part = w.part_of_month.match_at(tokens, i) if ordinal_day(tokens, i, w) is None else None
    modifier_before = None
    if part is not None:
        i = part + 1
    elif tokens[i].form in w.month_before and i + 1 < len(tokens):
        modifier_before, i = w.month_before[tokens[i].form], i + 1
        if modifier_before == "habitual":
            return None  # every May
        if modifier_before in ("auto", "before"):
            first = i
    day = day_number(tokens[i], w) if i < len(tokens) else None
    last_day = None
    if day is not None and 1 <= day <= 31 and part is None:
        i += 1
        if i + 1 < len(tokens) and tokens[i].form in w.day_of:
            i += 1  # 21 من يوليو, 20 من الشهر الجاري
    else:
        day = None
        ordinal = ordinal_day(tokens, i, w) if part is None and i < len(tokens) else None
        if ordinal is not None:  # الثالث من يونيو, السابع والثامن من تموز
            day, last_day, i = ordinal
    if (
        i + 1 < len(tokens)
        and any(r in w.month_words for r in tokens[i].readings)
        and (
            named_month(tokens[i + 1], w) is not None
            or w.two_word_months_set.match_at(tokens, i + 1) is not None
        )
    ):
        i += 1  # نهاية شهر مايو, 21 من شهر يوليو
    two_words = w.two_word_months_set.match_at(tokens, i) if i < len(tokens) else None
    month: int | None
    if two_words is not None:
        month = two_word_month(tokens, i, two_words, w)
        if month is None:
            return None
    elif i >= len(tokens) or (month := named_month(tokens[i], w)) is None:
        if day is not None and part is None and i < len(tokens) and tokens[i - 1].form in w.day_of:
            found = day_of_month_period(tokens, first, i, day, w, ref)
            return Hit(*found) if found else None
        return None
    recurring = i > 0 and tokens[i - 1].form in w.habitual  # every May, the annual July 4 show
    month_at = i
    last = two_words if two_words is not None else i
    if last + 1 < len(tokens) and named_month(tokens[last + 1], w) == month:
        last += 1  # one month by two names: يونيو (حزيران), شباط/فبراير, مارس آذار
    elif (
        last + 1 < len(tokens) and (paired := w.two_word_months_set.match_at(tokens, last + 1)) is not None
    ) and two_word_month(tokens, last + 1, paired, w) == month:
        last = paired  # يناير (كانون الثاني)
    if (
        day is None
        and w.day_after_month
        and last + 1 < len(tokens)
        and (after := day_number(tokens[last + 1], w))
        and 1 <= after <= 31
    ):
        day, last = after, last + 1  # English order: March 5, 2024 (not عقود أغسطس 13 سنتا)
    year, relative = None, True
    nxt = last + 1
    if (
        nxt + 1 < len(tokens)
        and any(r in w.year_words for r in tokens[nxt].readings)
        and plain_number(tokens[nxt]) is None
        and (marked := year_at(tokens, nxt + 1, w))
        and 1000 <= marked[0] <= 2100
    ):
        year, relative, last = marked[0], False, marked[1]  # 5 أكتوبر عام 1976
    elif nxt < len(tokens) and (marked := year_at(tokens, nxt, w)) and 1000 <= marked[0] <= 2100:
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
    needs = UNDATED if recurring else -1
    if year is None:
        if modifier_before in (None, "auto") and not recurring:
            needs = YEAR  # in February, Dec. 21: the reader supplies the year alone
        mode = (
            modifier_before if modifier_before not in (None, "auto") else ("after" if forward else "recent")
        )
        if mode == "after" and day is not None and part is None:
            mode = "nearest"  # a sentence about what is to come may still date a past day in it
        year = resolve_month_year(ref, month, mode, day if part is None else None)
    if day is not None and part is None:
        try:
            value = date(year, month, day).isoformat()
            end = date(year, month, last_day).isoformat() if last_day is not None else None
            return Hit(first, last, value, relative, end, needs)
        except ValueError:
            return None
    return Hit(first, last, f"{year:04d}-{month:02d}", relative, None, needs)


def _year_modifier(
    tokens: list[Token], nxt: int, w: Words, ref: date, month: int, last: int, before: str | None
) -> tuple[int | None, int]:
    if tokens[nxt].form in w.month_after:
        return resolve_month_year(ref, month, w.month_after[tokens[nxt].form]), nxt
    for phrases, delta in ((w.this_year, 0), (w.last_year, -1), (w.next_year, 1)):
        end = phrases.match_at(tokens, nxt)
        if end is not None:
            return ref.year + delta, end
    return (resolve_month_year(ref, month, before) if before not in (None, "auto", "before") else None), last


def weekday_at(text: str, tokens: list[Token], i: int, w: Words, ref: date, forward: bool) -> Hit | None:
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
    if k < len(tokens) and (dated := day_month_year(tokens, k, w, ref, forward)):
        if dated.relative and len(dated.value) == 10:  # no year written: the weekday tells which
            day = date.fromisoformat(dated.value)
            chosen = named_weekday(lambda y: replace_year(day, y), day.year, weekday, ref)
            dated.value = chosen.isoformat() if chosen else dated.value
        dated.first = first
        return dated  # Friday 13 December, Wednesday, Jan. 1, 2020
    if k < len(tokens) and (
        hit := numeric_date(text, tokens, k, w) or hijri_date(text, tokens, k, w, ref, forward, weekday)
    ):
        hit.first = first
        return hit  # الثلاثاء 21/7/2015, الأحد 4 رمضان 1436هـ
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
    return Hit(first, last, day.isoformat(), True)


def hijri_date(
    text: str, tokens: list[Token], i: int, w: Words, ref: date, forward: bool, weekday: int | None = None
) -> Hit | None:
    """``4 رمضان 1436هـ`` -> its Gregorian day, ``الرابع من شوال`` -> the last one (or the next
    in a forward sentence), ``رمضان 1436هـ`` -> its first to last day. A Hijri month named with
    neither day nor year is no date (رمضان is also the season, صفر also zero)."""
    if not w.hijri_months:
        return None
    k, day = i, None
    ordinal = ordinal_day(tokens, k, w)
    if ordinal is not None:
        day, _, k = ordinal
    elif (number := plain_number(tokens[k])) is not None and 1 <= number <= 30 and k + 1 < len(tokens):
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
    raw = raw_year(tokens, last + 1, w) if last + 1 < len(tokens) else None
    if ambiguous and not named and (raw is None or raw[1] != "hijri"):
        return None  # 2 صفر, a score: صفر is a month only with its calendar, من or شهر
    if raw is not None and 1300 <= raw[0] <= 1600 and raw[1] != "gregorian":
        year, last = raw[0], raw[2]
        if day is not None:
            return hijri_hit(i, last, year, month, day)
        span = hijri_month(year, month)
        if span is None:
            return None
        return Hit(i, last, span[0], False, span[1])
    if day is None:
        return None
    modifier = "after" if forward else "recent"
    if last + 1 < len(tokens) and tokens[last + 1].form in w.month_after:
        modifier, last = w.month_after[tokens[last + 1].form], last + 1
    today_year, today_month, today_day = hijri_today(ref)
    year = today_year
    if modifier != "current":
        year = resolve_month_year(
            date(today_year, today_month, min(today_day, 28)), month, modifier, min(day, 28)
        )
    hit = hijri_hit(i, last, year, month, day)
    if hit is not None and weekday is not None:

        def resolve(y: int) -> date | None:
            found = hijri_hit(i, last, y, month, day)
            return date.fromisoformat(found.value) if found else None

        chosen = named_weekday(resolve, year, weekday, ref)
        hit.value = chosen.isoformat() if chosen else hit.value
    if hit is not None:
        hit.relative = True
    return hit
