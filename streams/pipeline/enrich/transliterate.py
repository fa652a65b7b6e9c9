"""Person keys a reader can type, the same in Arabic and English: ``person:lloyd-austin``.

A key is the name's words in Latin letters, lower case, joined by hyphens,
without the article (al-, el-, ال). Each word is, in order:

1. a listed spelling (``lang/<xx>/transliteration.json`` "names"): Arabic
   names and English variants map to the spelling English news uses, so
   ``لويد أوستن``, ``Lloyd Austin`` -> ``lloyd-austin`` and ``Muhammad`` /
   ``Mohamed`` / ``محمد`` -> ``mohammed``;
2. otherwise, Latin words as written (``langley``), and other scripts letter by
   letter from the word's *skeleton* (matching form, inner long vowels dropped,
   ``tokens.key_form``): ``الخرابشة`` -> ``khrbsha``.

Arabic words are looked up by their skeleton too, so every spelling that had
one key before (``ديميتري`` / ``دميتري``) still has one key, now readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.tokens import Token, key_form, phrase_forms

MAX_LISTED_WORDS = 3


@dataclass(frozen=True, slots=True)
class _Table:
    names: dict[str, str]  # skeleton of one to three words -> latin words joined by "-"
    letters: dict[str, str]
    initial: dict[str, str]
    final: dict[str, str]
    articles: frozenset[str]
    article_prefixes: tuple[str, ...]


@cache
def _table() -> _Table:
    names: dict[str, str] = {}
    letters: dict[str, str] = {}
    initial: dict[str, str] = {}
    final: dict[str, str] = {}
    articles: set[str] = set()
    for data in lang.load_all("transliteration").values():
        for spelling, latin in data["names"].items():
            names.setdefault(_skeleton(phrase_forms(spelling)), latin)
        letters.update({_letter(k): v for k, v in data["letters"].items()})
        initial.update({_letter(k): v for k, v in data["initial_letters"].items()})
        final.update({_letter(k): v for k, v in data["final_letters"].items()})
        articles.update(f for w in data["article_words"] for f in phrase_forms(w))
    prefixes = tuple(a for a in articles if not a.isascii())
    return _Table(names, letters, initial, final, frozenset(articles), prefixes)


def _letter(char: str) -> str:
    forms = phrase_forms(char)
    return forms[0] if forms else char


def _skeleton(forms: tuple[str, ...] | list[str]) -> str:
    return " ".join(key_form(f) for f in forms)


def person_key(tokens: list[Token]) -> str:
    """``person:`` and the readable Latin form of a name's tokens."""
    table = _table()
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.form in table.articles:
            i += 1
            continue
        used, latin = _listed(tokens, i, table)
        if latin is None:
            latin = _spelled(token.form, table)
        words.extend(w for w in latin.split("-") if w and w not in table.articles)
        i += used
    return "person:" + "-".join(words)


def _listed(tokens: list[Token], i: int, table: _Table) -> tuple[int, str | None]:
    """The longest listed spelling starting at token ``i``: (tokens used, latin)."""
    for n in range(min(MAX_LISTED_WORDS, len(tokens) - i), 1, -1):
        latin = table.names.get(_skeleton([t.form for t in tokens[i : i + n]]))
        if latin:
            return n, latin
    for reading in tokens[i].readings:
        for form in (reading, *_without_article(reading, table)):
            latin = table.names.get(key_form(form))
            if latin:
                return 1, latin
    return 1, None


def _without_article(form: str, table: _Table) -> list[str]:
    return [form[len(p) :] for p in table.article_prefixes if form.startswith(p) and len(form) - len(p) >= 3]


def _spelled(form: str, table: _Table) -> str:
    """A word no list knows, in Latin letters (Latin words stay as written)."""
    if form.isascii():
        return "".join(c for c in form if c.isalnum() or c == "-")
    bare = (_without_article(form, table) or [form])[0]
    skeleton = key_form(bare)
    out = []
    for k, char in enumerate(skeleton):
        if k == 0 and char in table.initial:
            out.append(table.initial[char])
        elif k == len(skeleton) - 1 and k and char in table.final:
            out.append(table.final[char])
        else:
            out.append(table.letters.get(char, char if char.isalnum() else ""))
    return "".join(out) or skeleton
