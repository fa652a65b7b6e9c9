"""Nisba adjectives and demonyms that name a country: الروسية -> RU, Russian -> RU.

Arabic nisbas are derived from the CLDR country names by the suffix rules in
``lang/ar/nisbas.json`` (روسيا -> روسي، السعودية -> سعودي، مصر -> مصري), plus the
listed forms no rule gives (أمريكي for الولايات المتحدة). A token is read
without its article and its feminine/plural ending: ``الأوكرانية`` -> ``اوكراني``.

A nisba is not an entity by itself; the entity finder uses it to give an
institution a country (وزارة الدفاع الروسية) and to link a title to a country
(الرئيس الروسي).
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

from streams import lang
from streams.pipeline.enrich.tokens import Token, phrase_forms


@cache
def _table() -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    table: dict[str, str] = {}
    articles: set[str] = set()
    inflections: set[str] = set()
    for language, data in lang.load_all("nisbas").items():
        article = "".join(phrase_forms(data["definite_article"])) if data["definite_article"] else ""
        if article:
            articles.add(article)
        inflections.update("".join(phrase_forms(s)) for s in data["inflections"])
        if data["derive"]:
            table.update(_derived(language, data["derive"], article))
        for word, code in data["extra"].items():
            table["".join(phrase_forms(word))] = code
        for word in data["not_nisbas"]:
            table.pop("".join(phrase_forms(word)), None)
    return (
        table,
        tuple(sorted(articles, key=len, reverse=True)),
        tuple(sorted(inflections, key=len, reverse=True)),
    )


def _derived(language: str, rules: list[list[str]], article: str) -> dict[str, str]:
    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return {}
    derived = {}
    for code, name in territories.items():
        forms = phrase_forms(name)
        if len(code) != 2 or not code.isalpha() or len(forms) != 1:
            continue
        stem = forms[0].removeprefix(article) if article else forms[0]
        for suffix, replacement in rules:
            if stem.endswith(suffix):
                nisba = stem[: len(stem) - len(suffix)] + replacement
                derived[nisba] = code
                break
    return derived


def country_of(token: Token) -> str | None:
    """The ISO code a nisba token names, or None (``الروسية`` -> ``RU``)."""
    table, articles, inflections = _table()
    for reading in token.readings:
        bare = reading
        for article in articles:
            if bare.startswith(article) and len(bare) > len(article) + 2:
                bare = bare[len(article) :]
                break
        candidates = [bare] + [bare[: -len(s)] for s in inflections if bare.endswith(s)]
        for candidate in candidates:
            code = table.get(candidate)
            if code and len(candidate) > 2:
                return code
    return None
