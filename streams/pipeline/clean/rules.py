"""What one line of a page is: boilerplate, a section marker, a headline or body text.

The knowledge is data (``streams/lang/*/page.json``, one file per language,
merged): this module only knows the *kinds* of lines. Every phrase is compared
on its matching tokens (``streams.text.match_tokens``), so ``إقرأ أيضاً`` and
``اقرأ ايضا`` are one marker and no rule needs a regular expression: the
classification is a few token comparisons, linear in the line's length.

Keys of ``page.json``:

* ``boilerplate_phrases``: a short line (at most ``boilerplate_max_words``)
  containing one of these is furniture (app, newsletter, share prompts...);
* ``boilerplate_lines``: a line that is exactly one of these is furniture;
* ``boilerplate_line_starts``: a short line starting with one of these is furniture;
* ``byline_markers``: ``By Jane Doe`` / ``كتب: فلان`` when the line is short;
* ``attribution_markers`` + ``attribution_separators``: ``المصدر: A + B``;
* ``tag_markers`` + ``tag_separators``: ``كلمات دلالية: ...``;
* ``related_headers`` (whole line) and ``related_header_prefixes`` (``More from X``);
* ``embedded_markers``: ``إقرأ أيضاً`` / ``Read also`` introduce another article;
* ``stopwords``: ignored when judging whether a headline belongs to the text;
* ``sentence_end``: characters that end a sentence (a headline ends without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from streams import lang
from streams.text import match_tokens, words

Phrase = tuple[str, ...]

# A marker line never needs more than this many characters before its payload.
_MARKER_HEAD_CHARS = 60
# Characters that close a sentence from the outside: `... said."` ends with `.`.
_CLOSERS = "\"'»”’)]}>"
# List bullets scrapers keep in front of items.
_SYMBOL_BULLETS = "•·▪►▸◦‣●○■□➤✓"
_BULLETS = _SYMBOL_BULLETS + "*-–—"
# Punctuation every script shares; languages add theirs in page.json.
_SENTENCE_END = ".!?…。！？"
_CONTINUATION = ",،;؛、，"
_HEAD_SEPARATORS = ":：-–—|"


class Kind(Enum):
    BOILERPLATE = "boilerplate"
    ATTRIBUTION = "attribution"
    TAGS = "tags"
    RELATED_HEADER = "related_header"
    EMBEDDED_MARKER = "embedded_marker"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Line:
    """One classified line: ``payload`` is what follows a marker (``المصدر: X`` -> ``X``)."""

    kind: Kind
    text: str
    payload: str = ""
    bulleted: bool = False


@dataclass(frozen=True, slots=True)
class PageRules:
    boilerplate_phrases: tuple[Phrase, ...]
    boilerplate_lines: frozenset[Phrase]
    boilerplate_line_starts: tuple[Phrase, ...]
    boilerplate_symbol_starts: tuple[str, ...]
    boilerplate_max_words: int
    byline_markers: tuple[Phrase, ...]
    byline_max_words: int
    attribution_markers: frozenset[Phrase]
    attribution_separators: tuple[str, ...]
    tag_markers: frozenset[Phrase]
    tag_separators: tuple[str, ...]
    related_headers: frozenset[Phrase]
    related_header_prefixes: tuple[Phrase, ...]
    embedded_markers: frozenset[Phrase]
    stopwords: frozenset[str]
    sentence_end: str


def _phrase(text: str) -> Phrase:
    return tuple(match_tokens(text))


def _phrases(data: dict[str, dict[str, Any]], key: str) -> list[Phrase]:
    found = (_phrase(p) for d in data.values() for p in d.get(key, ()))
    return [p for p in found if p]


def _strings(data: dict[str, dict[str, Any]], key: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for d in data.values() for s in d.get(key, ())))


@cache
def page_rules() -> PageRules:
    """Every language's ``page.json`` merged: a page may mix languages."""
    data = lang.load_all("page")
    starts = [s for d in data.values() for s in d.get("boilerplate_line_starts", ())]
    return PageRules(
        boilerplate_phrases=tuple(_phrases(data, "boilerplate_phrases")),
        boilerplate_lines=frozenset(_phrases(data, "boilerplate_lines")),
        boilerplate_line_starts=tuple(p for p in map(_phrase, starts) if p),
        boilerplate_symbol_starts=tuple(s for s in starts if not _phrase(s)),
        boilerplate_max_words=max(d.get("boilerplate_max_words", 12) for d in data.values()),
        byline_markers=tuple(_phrases(data, "byline_markers")),
        byline_max_words=max(d.get("byline_max_words", 6) for d in data.values()),
        attribution_markers=frozenset(_phrases(data, "attribution_markers")),
        attribution_separators=_strings(data, "attribution_separators"),
        tag_markers=frozenset(_phrases(data, "tag_markers")),
        tag_separators=_strings(data, "tag_separators"),
        related_headers=frozenset(_phrases(data, "related_headers")),
        related_header_prefixes=tuple(_phrases(data, "related_header_prefixes")),
        embedded_markers=frozenset(_phrases(data, "embedded_markers")),
        stopwords=frozenset(t for p in _phrases(data, "stopwords") for t in p),
        sentence_end="".join(_strings(data, "sentence_end")),
    )


def strip_bullet(text: str) -> tuple[str, bool]:
    """``• headline`` -> (``headline``, True). Numbered items keep their number:
    ``1) Lego set`` is text a reader sees, but it is a list item all the same."""
    stripped = text.lstrip(_BULLETS + " ")
    if stripped != text and (len(text) - len(stripped) > 1 or text[0] in _SYMBOL_BULLETS):
        return stripped, True
    head, space, _ = text.partition(" ")
    numbered = bool(space) and head[:-1].isdigit() and head[-1:] in ".)" and len(head) <= 4
    return text, numbered


def strip_number(text: str) -> str:
    """``3. headline`` -> ``headline``: the number of a list item in a related list."""
    head, space, rest = text.partition(" ")
    if space and head[:-1].isdigit() and head[-1:] in ".)" and len(head) <= 4:
        return rest.lstrip()
    return text


def ends_sentence(text: str, rules: PageRules | None = None) -> bool:
    """True when the line ends like a sentence (``.``, ``؟``, ``。`` ...), quotes aside."""
    rules = rules or page_rules()
    tail = text.rstrip(_CLOSERS + " ")
    return bool(tail) and (tail[-1] in _SENTENCE_END or tail[-1] in rules.sentence_end)


def continues(previous: str, line: str) -> bool:
    """True when ``line`` is the rest of a hard-wrapped ``previous`` line.

    Only a lower-case start after a line that stopped mid-sentence says so;
    scripts without case (Arabic) keep their lines as the page gave them.
    """
    first = line[:1]
    return first.isalpha() and first.islower() and not ends_sentence(previous)


def ends_open(text: str) -> bool:
    """True when the line stops mid-sentence (``,`` ``،`` ``;``): a wrapped line, not a headline."""
    tail = text.rstrip(_CLOSERS + " ")
    return bool(tail) and tail[-1] in _CONTINUATION


def _split_heads(text: str) -> list[tuple[str, str]]:
    """``Source: X`` -> [(``Source``, ``X``)]: one split per separator found early."""
    window = text[:_MARKER_HEAD_CHARS]
    cuts = sorted({i for i in (window.find(s) for s in _HEAD_SEPARATORS) if i > 0})
    return [(text[:cut], text[cut + 1 :].strip()) for cut in cuts]


def _starts_with(tokens: Phrase, prefixes: tuple[Phrase, ...]) -> bool:
    return any(tokens[: len(p)] == p for p in prefixes)


def _contains(tokens: Phrase, phrases: tuple[Phrase, ...]) -> bool:
    padded = " " + " ".join(tokens) + " "
    return any(" " + " ".join(p) + " " in padded for p in phrases)


def classify(text: str, rules: PageRules | None = None) -> Line:
    """Classify one display-form line (already stripped, non-empty)."""
    rules = rules or page_rules()
    text, bulleted = strip_bullet(text)
    if not text:
        return Line(Kind.BOILERPLATE, text)
    marker = _marker(text, rules)
    if marker is not None:
        return marker
    if _is_boilerplate(text, rules):
        return Line(Kind.BOILERPLATE, text)
    return Line(Kind.TEXT, text, bulleted=bulleted)


def _marker(text: str, rules: PageRules) -> Line | None:
    """Section markers: alone on their line, or followed by a separator and a payload."""
    heads = _split_heads(text)
    candidates = heads if len(text) > _MARKER_HEAD_CHARS else [(text, ""), *heads]
    for marker_text, payload in candidates:
        tokens = _phrase(marker_text)
        if not tokens or len(tokens) > 6:
            continue
        if tokens in rules.attribution_markers:
            return Line(Kind.ATTRIBUTION, text, payload)
        if tokens in rules.tag_markers:
            return Line(Kind.TAGS, text, payload)
        if tokens in rules.embedded_markers:
            return Line(Kind.EMBEDDED_MARKER, text, payload)
        if tokens in rules.related_headers or (
            not payload
            and len(tokens) <= 6
            and _starts_with(tokens, rules.related_header_prefixes)
            and not ends_sentence(text, rules)
        ):
            return Line(Kind.RELATED_HEADER, text, payload)
    return None


def _is_boilerplate(text: str, rules: PageRules) -> bool:
    if text.startswith(rules.boilerplate_symbol_starts):
        return True
    if len(text) > 40 * rules.boilerplate_max_words:
        return False
    tokens = _phrase(text)
    if not tokens:
        return True  # punctuation, emoji, separators: nothing to read
    if tokens in rules.boilerplate_lines:
        return True
    if len(words(text)) > rules.boilerplate_max_words:
        return False
    if _contains(tokens, rules.boilerplate_phrases):
        return True
    if _starts_with(tokens, rules.boilerplate_line_starts):
        return True
    return (
        len(tokens) <= rules.byline_max_words
        and _starts_with(tokens, rules.byline_markers)
        and not ends_sentence(text, rules)
    )


def split_list(text: str, separators: tuple[str, ...]) -> list[str]:
    """Split ``A + B، C`` on any of the separators; items stripped, empties dropped."""
    items = [text]
    for separator in separators:
        items = [part for item in items for part in item.split(separator)]
    cleaned = (item.strip().strip(".:-–").strip() for item in items)
    return [item for item in cleaned if item]
