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

The package, one concern a module: ``words`` loads a language's date words;
``parts`` reads the pieces of a date off the tokens (a day's number, a month's
name, a year and its calendar); ``named``, ``numeric`` and ``relative`` find each
kind of expression and give its value; ``resolve`` holds the rules that place a
date written without its year against the reference; ``hijri`` converts the Hijri
calendar; ``ranges`` joins two dates into a period. This module walks the text and
asks each finder in turn.
"""

from __future__ import annotations

import re
from datetime import date

from streams.pipeline.enrich.dates.named import day_month_year, hijri_date, weekday_at
from streams.pipeline.enrich.dates.numeric import numeric_date, year_mention
from streams.pipeline.enrich.dates.parts import NOTHING, UNDATED, YEAR, Hit
from streams.pipeline.enrich.dates.ranges import join_ranges
from streams.pipeline.enrich.dates.relative import (
    ago,
    ago_before,
    days_offset,
    part_of_week,
    past_period,
    period,
)
from streams.pipeline.enrich.dates.words import Words, bare, words_for
from streams.pipeline.enrich.tokens import Token
from streams.records import DateMention


def parse_reference(value: str | None) -> date | None:
    """The day an ISO 8601 date or timestamp names; None when there is none."""
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return None


_SENTENCE_END = re.compile(r"[.!?؟]\s|\n")
_CLAUSE_END = re.compile(r"[.!?؟]\s|[,;:،؛]|\n")
# How many tokens before a word for what is to come it still speaks of, in its clause.
FORWARD_REACH_BACK = 5
_ANY_DAY = date(2000, 1, 1)  # resolves what is left out when there is no reference


def find_dates(
    text: str, tokens: list[Token], language: str | None, reference: date | None
) -> tuple[list[DateMention], set[int]]:
    """Dates and the token indices they use (so quantities do not count them).

    Without a reference date nothing is resolved against a day the text does not give:
    dates written whole are kept; a month written without its year (``In February``) takes
    the year the text places itself in, when it writes exactly one (``during 2019``, ``on
    December 21, 2019``; not a year used as a name, ``the 2015 deal``, nor one of another
    time, ``since 2013``), a day only when the text writes it whole too; ``yesterday``,
    ``last year``, a weekday, ``12 June next`` are left out, their words counting nothing,
    and ``the past 16 months`` is a count of months again."""
    words = words_for(language or "") or words_for("ar")
    assert words is not None
    if reference is not None:
        hits = _hits(text, tokens, words, reference, _forward_tokens(text, tokens, words))
    else:
        hits = _hits(text, tokens, words, _ANY_DAY, set())
        year = _own_year(hits, tokens, words)
        if year is not None and any(hit.needs == YEAR for hit in hits):
            hits = _hits(text, tokens, words, date(year, 12, 31), set())
        whole_days = {hit.value for hit in hits if hit.needs == NOTHING and len(hit.value) == 10}
        hits = [kept for hit in hits if (kept := _without_reference(hit, year, whole_days)) is not None]
    found: list[DateMention] = []
    used: set[int] = set()
    for hit in hits:
        used.update(range(hit.first, hit.last + 1))
        if hit.needs == UNDATED:
            continue  # the annual July 4 show: no one date, and its 4 counts nothing
        surface = text[tokens[hit.first].start : tokens[hit.last].end]
        found.append(DateMention(text=surface, value=hit.value, relative=hit.relative, end=hit.end))
    return found, used


def _hits(text: str, tokens: list[Token], words: Words, reference: date, forward: set[int]) -> list[Hit]:
    hits: list[Hit] = []
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
    return join_ranges(text, tokens, hits, words)


def _without_reference(hit: Hit, year: int | None, whole_days: set[str]) -> Hit | None:
    """A date found with no reference date: kept if the text dates it (a month in the text's
    year; a day only as the text writes it whole elsewhere, ``DECEMBER 21`` beside ``December
    21, 2019``: a day's year is too often another than the text's), else its words stay date
    words (``12 June next``: no date, and no quantity) unless they count a span (``the past
    16 months``, ``eight years ago``: a count of months or years again)."""
    if hit.needs in (NOTHING, UNDATED):
        return hit
    if hit.needs == YEAR and year is not None and (len(hit.value) < 10 or hit.value in whole_days):
        return hit
    if hit.count:
        return None
    hit.needs = UNDATED
    return hit


def _own_year(hits: list[Hit], tokens: list[Token], w: Words) -> int | None:
    """The one year a text's whole dates are in, a bare year (``the 2015 deal``) and one of
    another time (``since 2013``) aside."""
    years = {
        value[:4]
        for hit in hits
        if hit.needs == NOTHING
        and (hit.first < hit.last or len(hit.value) > 4)
        and tokens[hit.first].form not in w.other_time_years
        for value in (hit.value, hit.end or hit.value)
    }
    return int(years.pop()) if len(years) == 1 else None


def _forward_tokens(text: str, tokens: list[Token], w: Words) -> set[int]:
    """Indices of the tokens a word for what is to come speaks of.

    A cue reaches forward to the end of its clause (``will meet in August``), back over
    the few words before it in its clause (``in August the board will``) and over an
    opening phrase of its sentence (``During the Bowl Wednesday, the team will``); a date
    elsewhere is told of by another verb (``restrictions introduced in February had cut
    ... and warned that crops would be lost``, ``the minister, who took office in
    January, will``)."""
    # what ends before each token: None, a clause (a comma...) or a sentence
    ends: list[str | None] = [None]
    for previous, token in zip(tokens, tokens[1:], strict=False):
        gap = _CLAUSE_END.search(text, previous.end, token.start)
        ends.append(None if gap is None else "sentence" if _SENTENCE_END.match(gap.group()) else "clause")
    forward: set[int] = set()
    clauses: list[int] = [0]  # where the clauses of the current sentence begin
    for k in range(len(tokens)):
        if ends[k]:
            clauses = [k] if ends[k] == "sentence" else [*clauses, k]
        if w.forward.match_at(tokens, k) is None:
            continue
        end = k + 1
        while end < len(tokens) and not ends[end]:
            end += 1
        start = clauses[0] if len(clauses) == 2 else max(clauses[-1], k - FORWARD_REACH_BACK)
        forward.update(range(start, end))
    return forward


def _date_at(text: str, tokens: list[Token], i: int, w: Words, ref: date, forward: bool) -> Hit | None:
    if bare(tokens[i].text) in w.not_dates:
        return None
    after = w.not_date_after.get(tokens[i].form)
    if after and i > 0 and any(r in after for r in tokens[i - 1].readings):
        return None  # النائب العام السابق "the former attorney general", روسيا اليوم
    found = days_offset(text, tokens, i, w, ref) or part_of_week(tokens, i, w, ref)
    if found:
        return Hit(*found)
    return (
        day_month_year(tokens, i, w, ref, forward)
        or weekday_at(text, tokens, i, w, ref, forward)
        or numeric_date(text, tokens, i, w)
        or hijri_date(text, tokens, i, w, ref, forward)
        or year_mention(text, tokens, i, w)
        or period(tokens, i, w, ref, forward)
        or past_period(tokens, i, w, ref)
        or ago(tokens, i, w, ref)
        or ago_before(tokens, i, w, ref)
    )
