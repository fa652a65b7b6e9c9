"""Dates and years written in digits: ``21/7/2015``, ``2015-07-21``, ``6/9/1436``,
``عام 2014``, ``1436هـ``, ``2014/2015``, a bare ``2019``. Whether a number is a year or
a count (``1000 جندي``, ``between 2000 and 3000``) is decided here.
"""

from __future__ import annotations

import re
from datetime import date

from streams.pipeline.enrich.dates.hijri import hijri_year
from streams.pipeline.enrich.dates.parts import Hit, hijri_hit, plain_number, raw_year, year_at
from streams.pipeline.enrich.dates.words import Words
from streams.pipeline.enrich.tokens import Token

_NUMERIC_DATE = re.compile(r"(\d{1,4}) ?([/.-]) ?(\d{1,2}) ?\2 ?(\d{1,4})(?!\d)")


def numeric_date(text: str, tokens: list[Token], i: int, w: Words) -> Hit | None:
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
    raw = raw_year(tokens, last, w) if len(c) == 4 else None
    calendar = raw[1] if raw else None
    if raw and raw[2] > last:
        last = raw[2]
    if calendar is None and w.hijri_years and w.hijri_years[0] <= year <= w.hijri_years[1]:
        calendar = "hijri"  # 6 / 9 / 1436
    if calendar == "hijri":
        return hijri_hit(i, last, year, month, day)
    try:
        return Hit(i, last, date(year, month, day).isoformat(), False) if 1000 <= year <= 2100 else None
    except ValueError:
        return None


def year_mention(text: str, tokens: list[Token], i: int, w: Words) -> Hit | None:
    pair = _year_pair(text, tokens, i, w)
    if pair is not None:
        return Hit(i, pair[2], pair[0], False, pair[1])
    decade = _decade(tokens[i], w)
    if decade is not None:
        # the 1600s, the 1900s: a century; the 2000s a decade, as a reader takes it
        span = 99 if decade % 100 == 0 and decade < 2000 else 9
        return Hit(i, i, f"{decade:04d}", False, f"{decade + span:04d}")
    bare = _bare_year(tokens, i, w)
    if bare is not None:
        return None if _counts_range(tokens, i, bare, w) else Hit(i, i, f"{bare:04d}", False)
    marked = raw_year(tokens, i, w)
    if (
        marked is not None
        and marked[1] is not None
        and (year := year_at(tokens, i, w))
        and 1000 <= year[0] <= 2100
    ):
        return Hit(i, year[1], f"{year[0]:04d}", False)  # 1436هـ, 2014م: the calendar makes it a year
    if not any(r in w.year_words for r in tokens[i].readings) or i + 1 >= len(tokens):
        return None
    k = i + 1
    if k + 1 < len(tokens) and tokens[k].form in w.year_qualifiers:
        k += 1  # العام المالي 2013
    if numeric_date(text, tokens, k, w) is not None:
        return None  # في 2015/07/21: the date, not its year
    pair = _year_pair(text, tokens, k, w)
    if pair is not None:
        return Hit(i, pair[2], pair[0], False, pair[1])
    year = year_at(tokens, k, w)
    if year is None or not 1000 <= year[0] <= 2100 or _counts_range(tokens, year[1], year[0], w):
        return None
    return Hit(i, year[1], f"{year[0]:04d}", False)


def _decade(token: Token, w: Words) -> int | None:
    """``1990s`` -> 1990: a decade's (or a century's) first year with the language's decade ending."""
    suffix = next((x for x in w.decade_suffixes if token.form.endswith(x)), None)
    digits = token.form[: -len(suffix)] if suffix else ""
    if len(digits) == 4 and digits.isdigit() and digits.isascii() and digits.endswith("0"):
        return int(digits) if 1000 <= int(digits) <= 2100 else None
    return None


def _year_pair(text: str, tokens: list[Token], k: int, w: Words) -> tuple[str, str, int] | None:
    """``2014/2015``, ``2014-15``, ``1435/ 1436هـ``: a season, a school, fiscal or Hijri year that
    spans two; both Hijri when the second is."""
    first = plain_number(tokens[k])
    if first is None or len(tokens[k].text) != 4 or k + 1 >= len(tokens):
        return None
    if text[tokens[k].end : tokens[k + 1].start].strip() not in ("/", "-", "–"):
        return None
    raw = raw_year(tokens, k + 1, w)
    if raw is None:
        return None
    second, calendar, last = raw
    width = len(str(second))
    if not (width == 4 and second == first + 1 or width == 2 and second == (first + 1) % 100):
        return None
    if calendar is None and w.hijri_years and w.hijri_years[0] <= first <= w.hijri_years[1]:
        calendar = "hijri"  # 1435/1436
    start = hijri_year(first) if calendar == "hijri" else first
    if not 1000 <= start < 2100:
        return None
    return f"{start:04d}", f"{start + 1:04d}", last


def _counts_range(tokens: list[Token], last: int, first: int, w: Words) -> bool:
    """``بين 2000 و2500 إسترليني``, ``between 2000 and 3000``: a number joined to one that is
    no later year makes a range of counts, not of years."""
    if last + 1 >= len(tokens):
        return False
    nxt = tokens[last + 1]
    second = None
    if nxt.form in w.range_joiners and last + 2 < len(tokens):
        second = plain_number(tokens[last + 2])
    else:
        joiner = next(
            (j for j in w.range_joiners if nxt.form.startswith(j) and nxt.form[len(j) :].isdigit()), None
        )
        second = int(nxt.form[len(joiner) :]) if joiner else None
    return second is not None and not first < second <= 2100


def _bare_year(tokens: list[Token], i: int, w: Words) -> int | None:
    """A year with no year word before it (``As 2019 has ended``, ``the 2018 election``,
    ``2019's top stories``): where a language writes counts of a thousand or more with a
    separator, a four-digit number in the range is a year unless a plural noun follows it
    (``2000 people``)."""
    if w.bare_years is None or i > 0 and any(r in w.year_words for r in tokens[i - 1].readings):
        return None
    digits = next((r for r in tokens[i].readings if r.isdigit() and r.isascii()), "")
    low, high = w.bare_years
    if len(digits) != 4 or not tokens[i].text.startswith(digits) or not low <= int(digits) <= high:
        return None
    number = int(digits)
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
