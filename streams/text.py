"""Text forms shared by every stage.

Two forms, never mixed (DESIGN.md principle 5):

* ``normalize_text`` gives the *display* form kept in ``text`` and ``paragraphs``:
  original letters, but NFC, plain spaces, no invisible controls, no tatweel.
* ``matching_form`` gives the form machines compare: spelling variants folded,
  so ``البنتاجون`` and ``البنتاغون``, ``الأمريكي`` and ``الامريكي`` meet.

The folding tables are per-language data (``streams/lang/*/normalise.json``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from streams import lang

# Spaces that scrapers leave behind: NO-BREAK, figure, thin, ideographic, ...
_ODD_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\v\f"
)
# Zero-width characters and bidi controls: invisible, and they break matching.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width, BOM, soft hyphen
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
    "\u0640"  # tatweel
)
_DISPLAY_TABLE = str.maketrans({**{c: " " for c in _ODD_SPACES}, **{c: None for c in _INVISIBLE}, "\r": "\n"})
# Other C0/C1 control characters have no place in an article.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SPACE_RUN = re.compile(r" {2,}")
# Combining marks of the Latin, Greek and Cyrillic scripts (accents), dropped from the matching form.
_COMBINING_MARKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_WORD = re.compile(r"\w+", re.UNICODE)


# A letter carries at most a few marks (Arabic: shadda + a haraka); longer runs are
# noise or an attack (Unicode normalisation is quadratic in the length of a run).
_MARK = (
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_MARK_RUN = re.compile(f"({_MARK}{{4}}){_MARK}+")


def cap_mark_runs(text: str) -> str:
    """Keep at most four combining marks in a row."""
    return _MARK_RUN.sub(r"\1", text)


def normalize_text(text: str) -> str:
    """Display form: NFC, plain spaces, no invisible controls; lines kept.

    >>> normalize_text("لين\u00a0تريسي\u200f")
    'لين تريسي'
    """
    text = cap_mark_runs(text.replace("\r\n", "\n"))
    text = unicodedata.normalize("NFC", text).translate(_DISPLAY_TABLE)
    text = _CONTROL.sub("", text)
    lines = (_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


@cache
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for data in lang.load_all("normalise").values():
        for src, dst in data["fold"].items():
            table[ord(src)] = dst or None
        for lo, hi in data["remove_ranges"]:
            for code in range(ord(lo), ord(hi) + 1):
                table[code] = None
    for lo, hi in _COMBINING_MARKS:
        for code in range(lo, hi + 1):
            table[code] = None
    for c in _INVISIBLE:
        table[ord(c)] = None
    for c in _ODD_SPACES:
        table[ord(c)] = " "
    return table


@cache
def _inner_vowels() -> frozenset[str]:
    return frozenset("".join(d["inner_vowels"] for d in lang.load_all("normalise").values()))


@cache
def _clitics() -> tuple[tuple[str, ...], int]:
    prefixes: set[str] = set()
    min_stem = 3
    for data in lang.load_all("normalise").values():
        prefixes.update(data["clitic_prefixes"])
        min_stem = max(min_stem, data["min_stem"])
    return tuple(sorted(prefixes, key=len, reverse=True)), min_stem


def matching_form(text: str) -> str:
    """Comparison form: case, accents, diacritics and spelling variants folded.

    Alef forms, ta marbuta, alef maqsura, hamza carriers, shadda and harakat,
    tatweel, Arabic-Indic digits and the foreign g (ج / غ / گ) are folded per
    ``lang/*/normalise.json``; Latin letters lose case and accents.

    >>> matching_form("البنتاجون") == matching_form("البنتاغون")
    True
    """
    # NFKD splits accents (and Arabic hamza / madda) off their letters; the fold
    # table then drops the marks and folds the letters in one C-level pass.
    text = unicodedata.normalize("NFKD", cap_mark_runs(text).casefold()).translate(_fold_table())
    text = unicodedata.normalize("NFC", text)
    return _SPACE_RUN.sub(" ", text).strip()


# Word-level folds are pure and run on every token of every article: remember the
# most recent words (news vocabulary repeats), bounded for a long-running worker.
WORD_CACHE = 1 << 16


@lru_cache(maxsize=WORD_CACHE)
def fold_inner_vowels(word: str) -> str:
    """Drop long vowels inside a word: ``ديميتري`` and ``دميتري`` meet."""
    vowels = _inner_vowels()
    if len(word) <= 3 or not vowels:
        return word
    inner = "".join(c for c in word[1:-1] if c not in vowels)
    return word[0] + inner + word[-1]


@lru_cache(maxsize=WORD_CACHE)
def strip_clitic(word: str) -> str:
    """Remove one attached prefix (و، ب، ل، ال، بال ...) when a stem remains.

    Works on the matching form: ``strip_clitic(matching_form("بأوكرانيا"))``
    is ``matching_form("أوكرانيا")``.
    """
    prefixes, min_stem = _clitics()
    for prefix in prefixes:
        if word.startswith(prefix) and len(word) - len(prefix) >= min_stem:
            return word[len(prefix) :]
    return word


def words(text: str) -> list[str]:
    """Word tokens of a text (letters and digits), in order."""
    return _WORD.findall(text)


def match_tokens(text: str, *, fold_vowels: bool = False) -> list[str]:
    """Tokens of the matching form, clitics stripped: the unit of shingles and keys."""
    tokens = [strip_clitic(t) for t in words(matching_form(text))]
    if fold_vowels:
        tokens = [fold_inner_vowels(t) for t in tokens]
    return tokens
