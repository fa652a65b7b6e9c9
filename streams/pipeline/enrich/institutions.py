"""Organisations no list names one by one.

* National institutions: a head followed (Arabic) or preceded (English) by a
  nisba: ``وزارة الدفاع الروسية`` / ``Russian Defence Ministry`` ->
  ``org:RU/defence-ministry``. Heads are data (``orgs.json`` "national").
* Latin-script runs inside a text of another script (``Task & Purpose`` in an
  Arabic article): in Arabic news these are outlets and companies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.spans import MAX_NAME_TOKENS, Span
from streams.pipeline.enrich.tokens import Token, between, phrase_forms


@dataclass(frozen=True, slots=True)
class National:
    heads: PhraseSet
    ids: dict[tuple[str, ...], str]
    nisba_before: bool
    country_connectors: frozenset[str]


@cache
def _national(language: str) -> National | None:
    data = lang.load(language, "orgs")
    if not data or "national" not in data:
        return None
    ids = {phrase_forms(h): ident for ident, heads in data["national"]["heads"].items() for h in heads}
    phrases = [h for heads in data["national"]["heads"].values() for h in heads]
    connectors = frozenset(f for c in data["national"].get("country_connectors", []) for f in phrase_forms(c))
    return National(PhraseSet(phrases), ids, data["national"]["nisba_position"] == "before", connectors)


def national_orgs(text: str, tokens: list[Token], language: str) -> list[Span]:
    """``وزارة الدفاع الروسية`` / ``Russian Defence Ministry`` -> ``org:RU/defence-ministry``;
    a nisba behind punctuation is none of the name (``وزارة الصحة (الكويتية)``)."""
    rules = _national(language)
    if rules is None:
        return []
    spans = []
    for i in range(len(tokens)):
        end = rules.heads.match_at(tokens, i)
        if end is None:
            continue
        head = tuple(t.form for t in tokens[i : end + 1])
        ident = rules.ids.get(head) or rules.ids.get((tokens[i].readings[-1], *head[1:]))
        if ident is None:
            continue
        country = _country_after(tokens, end, rules) if rules.country_connectors else None
        if country:
            spans.append(Span(i, country[0], "org", f"org:{country[1]}/{ident}"))
            continue
        nisba_at = i - 1 if rules.nisba_before else end + 1
        if not 0 <= nisba_at < len(tokens):
            continue
        first, last = (nisba_at, end) if rules.nisba_before else (i, nisba_at)
        gap = (
            between(text, tokens[nisba_at], tokens[i])
            if rules.nisba_before
            else between(text, tokens[end], tokens[nisba_at])
        )
        code = country_of(tokens[nisba_at])
        if code and not gap.strip():
            spans.append(Span(first, last, "org", f"org:{code}/{ident}"))
    return spans


def _country_after(tokens: list[Token], end: int, rules: National) -> tuple[int, str] | None:
    """``Central Bank`` ``of Kenya``: the last token and ISO code of a country after a connector."""
    from streams.pipeline.enrich.gazetteer import gazetteer

    if end + 2 >= len(tokens) or tokens[end + 1].form not in rules.country_connectors:
        return None
    match = gazetteer().match_at(tokens, end + 2)
    code = match.entry.key.removeprefix("place:") if match else ""
    if match and len(code) == 2 and code.isupper():
        return match.last, code
    return None


def latin_runs(text: str, tokens: list[Token]) -> list[Span]:
    """Capitalised Latin words inside a non-Latin text: a name, most often an outlet."""
    if sum(t.latin for t in tokens) * 2 > len(tokens):
        return []
    spans, i = [], 0
    while i < len(tokens):
        if not (tokens[i].latin and tokens[i].capitalised):
            i += 1
            continue
        j = i
        while (
            j + 1 < len(tokens)
            and tokens[j + 1].latin
            and not between(text, tokens[j], tokens[j + 1]).strip(" &'-")
        ):
            j += 1
        if j - i < MAX_NAME_TOKENS:
            spans.append(Span(i, j, "org", rank=3))
        i = j + 1
    return spans
