"""Word tokens with offsets and the readings every enrich part matches on.

A token keeps its place in ``article.text`` (so mentions carry offsets) and its
*readings*: the matching form, then the same form with one attached clitic
removed. ``بأوكرانيا`` reads ``باوكرانيا`` and ``اوكرانيا``; a clitic that
carries the article also gives the article form, so ``للولايات`` reads
``ولايات`` and ``الولايات``. Which prefixes exist is language data
(``normalise.json`` and ``morphology.json``), never code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from streams import lang
from streams.text import WORD_CACHE, fold_inner_vowels, matching_form

# A word: letters and digits with their combining marks (Arabic harakat and
# shadda are category Mn, which ``\w`` does not match), plus inner ' . , & joins
# ("U.S.", "1,000", "1.5", "O'Brien").
_TOKEN = re.compile(
    r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]+"
    r"(?:['’.,٫٬][\w\u064b-\u065f\u0670]+)*"
)
_POSSESSIVE = re.compile(r"(?<=[A-Za-z])['’]s$")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


@dataclass(frozen=True, slots=True)
class Token:
    index: int
    start: int
    end: int
    text: str
    form: str
    readings: tuple[str, ...]

    @property
    def latin(self) -> bool:
        return bool(_LATIN.match(self.text))

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


@cache
def _clitics() -> tuple[tuple[tuple[str, str | None], ...], int]:
    """``(prefix, article_or_None)`` pairs, longest first, and the shortest stem left."""
    article_of: dict[str, str] = {}
    prefixes: set[str] = set()
    min_stem = 3
    for data in lang.load_all("normalise").values():
        prefixes.update(matching_form(p) for p in data["clitic_prefixes"])
        min_stem = max(min_stem, data["min_stem"])
    for data in lang.load_all("morphology").values():
        for prefix, article in data["article_clitics"].items():
            article_of[matching_form(prefix)] = matching_form(article)
            prefixes.add(matching_form(prefix))
    ordered = sorted(prefixes, key=len, reverse=True)
    return tuple((p, article_of.get(p)) for p in ordered), min_stem


@cache
def readings(form: str) -> tuple[str, ...]:
    """The matching form and its clitic-stripped readings, most literal first."""
    found = [form]
    if form.endswith(("'s", "’s")):
        found.append(form[:-2])
    clitics, min_stem = _clitics()
    for prefix, article in clitics:
        if form.startswith(prefix) and len(form) - len(prefix) >= min_stem:
            rest = form[len(prefix) :]
            for reading in (rest, (article + rest) if article else None):
                if reading and reading not in found:
                    found.append(reading)
    return tuple(found)


@lru_cache(maxsize=WORD_CACHE)
def key_form(form: str) -> str:
    """What two spellings of one name share: inner long vowels dropped (ديميتري/دميتري)."""
    return " ".join(fold_inner_vowels(w) for w in form.split())


def tokenize(text: str) -> list[Token]:
    tokens = []
    for i, match in enumerate(_TOKEN.finditer(text)):
        word, form, read = _word(match.group())
        start = match.start()
        tokens.append(Token(index=i, start=start, end=start + len(word), text=word, form=form, readings=read))
    return tokens


@lru_cache(maxsize=WORD_CACHE)
def _word(raw: str) -> tuple[str, str, tuple[str, ...]]:
    """A matched word's text (possessive and trailing dots cut), matching form and readings."""
    word = _POSSESSIVE.sub("", raw.rstrip(".,"))
    form = matching_form(word)
    return word, form, readings(form)


def between(text: str, left: Token, right: Token) -> str:
    """The characters between two tokens (punctuation and spaces)."""
    return text[left.end : right.start]


def phrase_forms(phrase: str) -> tuple[str, ...]:
    """A data phrase as a tuple of token forms, for matching against ``Token.form``."""
    return tuple(t.form for t in tokenize(phrase))
