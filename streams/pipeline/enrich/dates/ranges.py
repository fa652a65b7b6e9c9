"""Two dates joined into one period: ``from March to May``, ``between 1969 and 1971``,
``بين عامي 2019 و2021``, ``يونيو/ يوليو``. It runs once every date is found, on the list
of them, since a range's ends are dates in their own right.
"""

from __future__ import annotations

from datetime import date, timedelta

from streams.pipeline.enrich.dates.parts import Hit, plain_number
from streams.pipeline.enrich.dates.words import Words
from streams.pipeline.enrich.tokens import Token


def join_ranges(text: str, tokens: list[Token], hits: list[Hit], w: Words) -> list[Hit]:
    """``from March to May``, ``between 1969 and 1971``, ``بين عامي 2019 و2021``: one period."""
    out: list[Hit] = []
    for hit in hits:
        if out and hit.first <= out[-1].last:
            continue  # the second year of "from 2021 through 2025", already the range's end
        year_end = _year_range_end(tokens, hit, w)
        if year_end is not None:
            hit.end, hit.last = year_end
        prev = out[-1] if out else None
        if (
            prev is not None
            and (prev.end is None or _decade(prev))  # the 1960s through 1980s
            and len(prev.value) == len(hit.value)  # قبل 4 سنوات وحتى اليوم: two dates, not a period
            and _joined(text, tokens, prev, hit, w)
        ):
            if prev.relative and not hit.relative and len(prev.value) == len(hit.value) == 7:
                prev.value = hit.value[:4] + prev.value[4:]
                prev.needs = hit.needs  # from March to May 2019: the start takes the end's year
            elif prev.relative and prev.value > hit.value:
                prev.value = _before(prev.value, hit.value)
            prev.end, prev.last = hit.end if _decade(hit) else hit.value, hit.last
            prev.needs = max(prev.needs, hit.needs)
            continue
        out.append(hit)
    return out


def _decade(hit: Hit) -> bool:
    """A decade or century found as one (``1990s``: 1990 to 1999)."""
    return (
        hit.first == hit.last
        and hit.end is not None
        and len(hit.value) == len(hit.end) == 4
        and int(hit.end) - int(hit.value) in (9, 99)
        and not hit.relative
    )


def _before(start: str, end: str) -> str:
    """A range's start, each end resolved on its own, moved before its end: ``يونيو/ يوليو``
    with reference 2024-06-25 is 2023-06 to 2023-07, ``الاثنين - الثلاثاء`` on a Monday
    starts the Monday before."""
    if len(start) == 7:
        return f"{int(end[:4]) - (start[4:] > end[4:]):04d}{start[4:]}"
    if len(start) == 10 and 0 < (date.fromisoformat(start) - date.fromisoformat(end)).days < 7:
        return (date.fromisoformat(start) - timedelta(weeks=1)).isoformat()
    return start


def _joined(text: str, tokens: list[Token], a: Hit, b: Hit, w: Words) -> bool:
    gap = tokens[a.last + 1 : b.first]
    opener = a.first > 0 and any(r in w.range_openers for r in tokens[a.first - 1].readings)
    opener = opener or any(r in w.range_openers for r in tokens[a.first].readings)
    if not gap:
        return text[tokens[a.last].end : tokens[b.first].start].strip() in w.range_joiners
    if len(gap) != 1 or not any(r in w.range_joiners for r in gap[0].readings):
        return False  # وحتى reads حتى
    return opener or gap[0].form not in w.opener_joiners


def _year_range_end(tokens: list[Token], hit: Hit, w: Words) -> tuple[str, int] | None:
    """A year followed by a joiner and another bare year: ``1986 to 1991``, ``2019 و2021``."""
    if len(hit.value) != 4 or hit.last + 1 >= len(tokens):
        return None
    nxt = tokens[hit.last + 1]
    if nxt.form in w.range_joiners and hit.last + 2 < len(tokens):
        year, last = plain_number(tokens[hit.last + 2]), hit.last + 2
    else:
        joiner = next(
            (j for j in w.range_joiners if nxt.form.startswith(j) and nxt.form[len(j) :].isdigit()), None
        )
        year, last = (int(nxt.form[len(joiner) :]), hit.last + 1) if joiner else (None, 0)
    if year is not None and int(hit.value) < year <= 2100:
        return f"{year:04d}", last
    return None
