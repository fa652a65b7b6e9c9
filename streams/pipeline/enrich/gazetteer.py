"""Known places and organisations, from maintained sources first, curated files second.

Places: CLDR territory names through babel (countries by ISO code, regions by
UN M49 code), pycountry's ISO 3166 names and their translations, CLDR exemplar
city names, then ``lang/<xx>/places.json`` for what those lack. Organisations:
``lang/<xx>/orgs.json``. Every language maps a name to the same key
(``place:UA`` for أوكرانيا and Ukraine), so articles in two languages about one
story share keys.

Matching is on matching forms (not vowel-folded: بوتين must not meet بوتان), with clitics
allowed on the first word only: ``بأوكرانيا`` and ``للولايات المتحدة`` match.
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import pycountry
from babel import Locale, UnknownLocaleError

from streams import lang
from streams.pipeline.enrich.tokens import Token, phrase_forms
from streams.records import EntityType

# CLDR territory codes that are not places (or are organisations, listed in orgs.json).
_NOT_PLACE_CODES = frozenset({"001", "EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"})


@dataclass(frozen=True, slots=True)
class Entry:
    type: EntityType
    key: str
    city: bool = False  # from cities.json: may also be a surname (أوستن is Austin, Texas)
    word: bool = False  # also a common word (العقبة: "the obstacle"): needs the context's word


@dataclass(frozen=True, slots=True)
class Match:
    first: int  # token index
    last: int  # token index, inclusive
    entry: Entry


@dataclass(slots=True)
class Gazetteer:
    # key form of the first word -> [(key forms of every word, entry)]
    index: dict[str, list[tuple[tuple[str, ...], Entry]]] = field(default_factory=dict)
    # key -> {language: display name}
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, name: str, entry: Entry, language: str, *, display: bool = False) -> None:
        forms = phrase_forms(name)
        if not forms:
            return
        bucket = self.index.setdefault(forms[0], [])
        if all(existing != forms for existing, _ in bucket):
            bucket.append((forms, entry))
        by_lang = self.names.setdefault(entry.key, {})
        if display or language not in by_lang:
            by_lang[language] = name

    def name(self, key: str, language: str | None) -> str | None:
        by_lang = self.names.get(key, {})
        return by_lang.get(language or "") or None

    def match_at(self, tokens: list[Token], i: int) -> Match | None:
        """The longest known name starting at token ``i``."""
        best: Match | None = None
        form = tokens[i].form
        for reading in tokens[i].readings:
            for forms, entry in self.index.get(reading, ()):
                end = i + len(forms) - 1
                if end >= len(tokens) or (best and end <= best.last):
                    continue
                if entry.city and reading != form and not _city_reading(form, reading):
                    continue
                span = tokens[i : end + 1]
                if all(span[k].form == forms[k] for k in range(1, len(forms))) and (
                    not span[0].latin or any(t.capitalised for t in span)
                ):
                    best = Match(i, end, entry)
        return best

    def find_all(self, tokens: list[Token]) -> list[Match]:
        found, i = [], 0
        while i < len(tokens):
            match = self.match_at(tokens, i)
            if match:
                found.append(match)
                i = match.last + 1
            else:
                i += 1
        return found


# A clitic before a city of the long GeoNames list counts only when it leaves a stem this
# long: ورقة is "and a paper", not و + الرقة.
_MIN_CITY_STEM = 4


@cache
def _city_prefixes() -> frozenset[str]:
    """Clitics that may stand before a listed city's name (``lang/<xx>/names.json``)."""
    return frozenset(
        f
        for data in lang.load_all("names").values()
        for p in data.get("city_prefixes", [])
        for f in phrase_forms(p)
    )


def _city_reading(form: str, reading: str) -> bool:
    """Whether ``reading``, a clitic-stripped reading of ``form``, may name a listed city.

    A city's name never loses an article it does not have (البحري is "the naval",
    not the town بحري), nor follows ك ("like"); the article form a clitic leaves
    (للعقبة -> العقبة) always may.
    """
    if not form.endswith(reading):
        return True
    return form[: len(form) - len(reading)] in _city_prefixes() and len(reading) >= _MIN_CITY_STEM


def _folded(name: str) -> str:
    return " ".join(phrase_forms(name))


def _listed(name: str, folded_names: set[str]) -> bool:
    return _folded(name) in folded_names


def _babel_locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None


def _add_cldr_places(gaz: Gazetteer, language: str, not_places: set[str]) -> None:
    locale = _babel_locale(language)
    if locale is None:
        return
    for code, name in locale.territories.items():
        if code in _NOT_PLACE_CODES or _listed(name, not_places):
            continue
        gaz.add(name, Entry("place", f"place:{code}"), language)
    for tz_id, info in locale.time_zones.items():
        city = info.get("city") or (tz_id.rsplit("/", 1)[-1].replace("_", " ") if language == "en" else None)
        if city and "/" in tz_id and not tz_id.startswith("Etc/") and not _listed(city, not_places):
            slug = tz_id.rsplit("/", 1)[-1].replace("_", "-").lower()
            gaz.add(city, Entry("place", f"place:{slug}"), language)


def _add_pycountry_places(gaz: Gazetteer, language: str, not_places: set[str]) -> None:
    translate: Callable[[str], str] | None
    try:
        translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language]).gettext
    except OSError:
        translate = None if language != "en" else (lambda s: s)
    if translate is None:
        return
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            english = getattr(country, attr, None)
            name = translate(english) if english else None
            if name and not _listed(name, not_places):
                gaz.add(name, Entry("place", f"place:{country.alpha_2}"), language)


def _add_regions(gaz: Gazetteer, language: str, countries: list[str], not_places: set[str]) -> None:
    """States and provinces (ISO 3166-2 through pycountry) of the countries a language's news
    names them in, in their English spelling without accents: ``New Hampshire`` ->
    ``place:US-NH``, ``Tamil Nadu`` -> ``place:IN-TN``."""
    wanted = set(countries)
    if not wanted:
        return
    for region in pycountry.subdivisions:
        if region.country_code not in wanted or region.parent_code is not None:
            continue
        name = unicodedata.normalize("NFKD", region.name.split(" [")[0]).encode("ascii", "ignore").decode()
        if name and not _listed(name, not_places):
            gaz.add(name, Entry("place", f"place:{region.code}"), language)


@cache
def gazetteer() -> Gazetteer:
    """Every language's places and organisations in one index (built once, ~0.3 s)."""
    base = tagger_gazetteer()
    gaz = Gazetteer(
        index={first: list(entries) for first, entries in base.index.items()},
        names={key: dict(names) for key, names in base.names.items()},
    )
    for language, data in lang.load_all("orgs").items():
        for org in data.get("orgs_by_name", []):
            for n, name in enumerate(org["names"]):
                gaz.add(name, Entry("org", org["key"]), language, display=n == 0)
    return gaz


@cache
def tagger_gazetteer() -> Gazetteer:
    """The index a name tagger's features see: everything but ``orgs.json`` "orgs_by_name",
    the organisations its model never saw as a feature (matched after tagging instead)."""
    gaz = Gazetteer()
    for language, data in lang.load_all("places").items():
        not_places = {_folded(n) for n in data.get("not_places", [])}
        for place in data["places"]:  # curated first: they give the display names
            for n, name in enumerate(place["names"]):
                gaz.add(name, Entry("place", place["key"]), language, display=n == 0)
        _add_cldr_places(gaz, language, not_places)
        _add_pycountry_places(gaz, language, not_places)
        _add_regions(gaz, language, data.get("region_countries", []), not_places)
    for language, data in lang.load_all("cities").items():
        if data["use"] == "gazetteer":
            curated = lang.load(language, "places") or {}
            not_places = {_folded(n) for n in curated.get("not_places", [])}
            # names a list gives as cities that are as often a common word (الخبر "the news")
            words = {_folded(n) for n in curated.get("word_places", [])}
            for city in data["cities"]:
                for name in city["names"]:
                    if not _listed(name, not_places):
                        word = _listed(name, words)
                        gaz.add(name, Entry("place", city["key"], city=True, word=word), language)
                for name in city.get("also_words", []):
                    if not _listed(name, not_places):
                        gaz.add(name, Entry("place", city["key"], city=True, word=True), language)
    for language, data in lang.load_all("orgs").items():
        for org in data["orgs"]:
            for n, name in enumerate(org["names"]):
                gaz.add(name, Entry("org", org["key"]), language, display=n == 0)
    return gaz


@dataclass(frozen=True, slots=True)
class City:
    key: str
    name: str
    population: int


@cache
def known_cities() -> dict[tuple[str, ...], City]:
    """Cities to check a span against (``lang/<xx>/cities.json`` with ``"use": "check"``):
    phrase forms -> the most populous city of that name."""
    found: dict[tuple[str, ...], City] = {}
    for data in lang.load_all("cities").values():
        for city in data["cities"]:
            for name in city["names"]:
                forms = phrase_forms(name)
                if forms and forms not in found:
                    found[forms] = City(city["key"], city["names"][0], city["population"])
    return found
