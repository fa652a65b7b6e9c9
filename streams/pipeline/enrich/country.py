"""The country a story is from, and the currency a shared currency name means there.

The story's country is its dateline place's (``AMMAN -``, ``Nairobi (Reuters) -``,
``القاهرة -`` at the very start of the text, as ``refine.datelines`` finds them), else
the country most of its place mentions belong to; a tie gives none. Countries are
``place:XX`` keys (ISO 3166 alpha-2); cities carry their country in
``lang/<xx>/cities.json``.

A currency name that several currencies share (dinar, ``$``, جنيه) is listed in
``lang/<xx>/numbers.json`` (``shared_currency_names``) with the codes it may
mean; the currency a country uses comes from CLDR through babel.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from babel.numbers import get_territory_currencies

from streams import lang
from streams.pipeline.enrich.gazetteer import gazetteer
from streams.pipeline.enrich.refine import datelines
from streams.pipeline.enrich.tokens import Token
from streams.records import Entity

_COUNTRY = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")


@cache
def _city_countries() -> dict[str, str]:
    found: dict[str, str] = {}
    for data in lang.load_all("cities").values():
        for city in data["cities"]:
            if city.get("country"):
                found.setdefault(city["key"], city["country"])
    return found


def place_country(key: str) -> str | None:
    """``place:KE`` -> ``KE``; ``place:amman`` -> ``JO``; None when unknown."""
    name = key.removeprefix("place:")
    if _COUNTRY.match(name):  # KE, or a subdivision: US-TX, NZ-AUK
        return name[:2]
    return _city_countries().get(key)


def story_country(text: str, tokens: list[Token], language: str | None, entities: list[Entity]) -> str | None:
    """The country of the dateline place, else the one most place mentions are in (a tie: None)."""
    opening = [s for s in datelines(text, tokens, language or "", gazetteer()) if s.first == 0]
    if opening and opening[0].key:
        country = place_country(opening[0].key)
        if country:
            return country
    places = [e for e in entities if e.type == "place"]
    counts: Counter[str] = Counter()
    for entity in places:
        country = place_country(entity.key)
        if country:
            counts[country] += len(entity.mentions) or 1
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


@cache
def _currencies(country: str) -> tuple[str, ...]:
    try:
        return tuple(get_territory_currencies(country))
    except Exception:  # an unknown territory
        return ()


def local_currency(codes: tuple[str, ...], country: str | None) -> str | None:
    """The one of ``codes`` that ``country`` uses today, else None."""
    if not country:
        return None
    return next((c for c in _currencies(country) if c in codes), None)
