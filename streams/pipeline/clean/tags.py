"""Tag lines: ``كلمات دلالية: الدفاع الأمريكي الروسي الدفاع الروسي أوكرانيا``.

Scrapers often lose the separators between tags (they were separate links).
The tags are then rebuilt by the longest match against the article's own word
n-grams: a tag is a phrase the article uses, so ``الدفاع الأمريكي`` (in the
text) wins over ``الدفاع`` + ``الأمريكي``, while ``الروسي الدفاع`` (not in the
text) falls apart into ``الروسي`` and the next tag.
"""

from __future__ import annotations

from streams.pipeline.clean.rules import split_list
from streams.text import match_tokens, normalize_text

MAX_TAG_WORDS = 4


def article_ngrams(text: str, max_words: int = MAX_TAG_WORDS) -> set[tuple[str, ...]]:
    """Every run of 1..max_words matching tokens of the text."""
    tokens = match_tokens(text)
    return {tuple(tokens[i : i + n]) for n in range(1, max_words + 1) for i in range(len(tokens) - n + 1)}


def segment_tags(
    raw: str, article_text: str, separators: tuple[str, ...], max_words: int = MAX_TAG_WORDS
) -> list[str]:
    """Tags of one tag line, in order, without repeats.

    >>> segment_tags("Ukraine, Russia", "", (",",))
    ['Ukraine', 'Russia']
    """
    parts = split_list(normalize_text(raw), separators)
    if len(parts) != 1:
        return list(dict.fromkeys(parts))
    display = parts[0].split()
    keys = [tuple(match_tokens(word)) for word in display]
    known = article_ngrams(article_text, max_words)
    tags: list[str] = []
    start = 0
    while start < len(display):
        width = _longest_known(keys, start, known, max_words)
        tags.append(" ".join(display[start : start + width]))
        start += width
    return list(dict.fromkeys(tags))


def _longest_known(
    keys: list[tuple[str, ...]], start: int, known: set[tuple[str, ...]], max_words: int
) -> int:
    for width in range(min(max_words, len(keys) - start), 1, -1):
        key = tuple(token for word in keys[start : start + width] for token in word)
        if key in known:
            return width
    return 1
