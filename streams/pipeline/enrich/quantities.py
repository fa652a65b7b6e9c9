"""Quantities: a number and the noun it counts (``5 صواريخ``, ``1000 جندي``, ``قاعدتان``).

Numbers are digits (Arabic-Indic folded by the matching form, ``1,000`` and
``1.5`` read), number words, and a scale word after either (``5 ملايين``).
A dual noun counts two (``قاعدتان`` = 2): its singular must be a listed unit or
appear elsewhere in the article, so names that merely end like a dual (بوتين)
are not read as two of something. Tokens already used by a date are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.tokens import Token, between, phrase_forms
from streams.records import Quantity


@dataclass(frozen=True, slots=True)
class _Numbers:
    words: dict[str, float]
    scales: dict[str, float]
    dual_suffixes: tuple[tuple[str, str], ...]
    dual_units: frozenset[str]
    not_unit_prefixes: tuple[str, ...]


def _form(word: str) -> str:
    return " ".join(phrase_forms(word))


@cache
def _numbers(language: str) -> _Numbers | None:
    data = lang.load(language, "numbers")
    morphology = lang.load(language, "morphology") or {"dual_suffixes": []}
    if data is None:
        return None
    return _Numbers(
        words={_form(k): v for k, v in data["words"].items()},
        scales={_form(k): v for k, v in data["scales"].items()},
        dual_suffixes=tuple((_form(s), _form(r) if r else "") for s, r in morphology["dual_suffixes"]),
        dual_units=frozenset(_form(u) for u in data["dual_units"]),
        not_unit_prefixes=tuple(_form(p) for p in data.get("not_unit_prefixes", [])),
    )


def _value(token: Token, numbers: _Numbers) -> float | None:
    form = token.form.replace("٫", ".").replace("٬", "")
    digits = form.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        pass
    for reading in token.readings:
        if reading in numbers.words:
            return numbers.words[reading]
    return None


def _is_unit(token: Token, stop: frozenset[str]) -> bool:
    return not token.text[:1].isdigit() and token.form not in stop


def find_quantities(
    text: str, tokens: list[Token], language: str | None, used: set[int], stop: frozenset[str]
) -> list[Quantity]:
    numbers = _numbers(language or "") or _numbers("ar")
    assert numbers is not None
    forms = {r for t in tokens for r in t.readings}
    found: list[Quantity] = []
    i = 0
    while i < len(tokens):
        if i in used:
            i += 1
            continue
        value = _value(tokens[i], numbers)
        if value is None:
            dual = _dual(tokens[i], numbers, forms)
            if dual:
                found.append(Quantity(text=tokens[i].text, value=2, unit=dual))
            i += 1
            continue
        last = i
        if last + 1 < len(tokens) and tokens[last + 1].form in numbers.scales:
            value *= numbers.scales[tokens[last + 1].form]
            last += 1
        unit_at = last + 1
        if (
            unit_at < len(tokens)
            and unit_at not in used
            and not between(text, tokens[last], tokens[unit_at]).strip()
            and _is_unit(tokens[unit_at], stop)
            and tokens[unit_at].form not in numbers.words
            and not tokens[unit_at].form.startswith(numbers.not_unit_prefixes or ("\0",))
        ):
            if country_of(tokens[unit_at]) and _joined(text, tokens, unit_at):
                unit_at += 1  # 1,000 American troops: the noun comes after the demonym
            unit = tokens[unit_at].text
            found.append(Quantity(text=text[tokens[i].start : tokens[unit_at].end], value=value, unit=unit))
            i = unit_at + 1
        else:
            i = last + 1
    return found


def _joined(text: str, tokens: list[Token], i: int) -> bool:
    return i + 1 < len(tokens) and not between(text, tokens[i], tokens[i + 1]).strip()


def _dual(token: Token, numbers: _Numbers, forms: set[str]) -> str | None:
    """The singular of a dual noun (``قاعدتان`` -> ``قاعده``), when the article backs it."""
    for reading in token.readings:
        for suffix, replacement in numbers.dual_suffixes:
            if reading.endswith(suffix) and len(reading) - len(suffix) >= 3:
                singular = reading[: -len(suffix)] + replacement
                backed = singular in numbers.dual_units or (replacement and singular in forms)
                if backed:
                    return singular
    return None
