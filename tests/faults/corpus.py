"""Deterministic article streams for the fault tests.

``articles(n)`` gives ``n`` raw messages, Arabic first (3 of 5 in Arabic), with
exact duplicates (same body under another id, published later) and pages that
embed a second article after ``إقرأ أيضاً:`` / ``Read also:``. Every article
draws its content words from its own slice of a synthetic vocabulary, so a
word, entity or key phrase is shared by an article and its copies only: the
related graph stays sparse and its scores do not depend on the order in which
partitions interleave (the link index weighs a key by how many articles hold
it when a new one arrives). That is what lets a faulty run be compared with an
undisturbed in-process run record for record.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson

# No clitic letters (ب ف ك ل و), none of the g-variants folded together (غ ق),
# no long vowel: every spelling stays distinct in the matching form.
AR_LETTERS = "تثجحخدذرزسشصضطظعمنه"
EN_CONSONANTS = "bcdfghjklmnpqrstvwz"
EN_VOWELS = "aeiou"
AR_GLUE = ["في", "من", "على", "إلى", "أن", "التي", "الذي", "مع", "بعد", "قبل"]
EN_GLUE = ["the", "of", "in", "and", "to", "with", "after", "before", "on", "at"]
EPOCH = datetime(2025, 3, 1, tzinfo=UTC)
Raw = tuple[bytes | None, bytes]


def _word(seq: int, index: int, language: str) -> str:
    """A word no other article uses: the article's number and the word's, spelt in letters."""
    number = seq * 64 + index
    if language == "ar":
        letters = []
        while True:
            number, digit = divmod(number, len(AR_LETTERS))
            letters.append(AR_LETTERS[digit])
            if number == 0:
                break
        return "م" + "".join(letters) + "ات"
    syllables = []
    while True:
        number, digit = divmod(number, len(EN_CONSONANTS) * len(EN_VOWELS))
        syllables.append(EN_CONSONANTS[digit // len(EN_VOWELS)] + EN_VOWELS[digit % len(EN_VOWELS)])
        if number == 0:
            break
    return "".join(syllables) + "ton"


def _paragraphs(seq: int, language: str, rng: random.Random, count: int) -> list[str]:
    glue = AR_GLUE if language == "ar" else EN_GLUE  # English: only once a slice runs out
    words = iter(range(56))
    paragraphs = []
    for _ in range(count):
        sentence = []
        for _ in range(rng.randint(9, 14)):
            index = next(words, None)
            # Arabic glue words are stop words; English ones become key phrases in
            # articles the language detector does not take for English: none there.
            use_glue = language == "ar" and rng.random() < 0.3
            sentence.append(rng.choice(glue) if index is None or use_glue else _word(seq, index, language))
        paragraphs.append(" ".join(sentence) + ".")
    return paragraphs


def _title(seq: int, language: str) -> str:
    return " ".join(_word(seq, 58 + i, language) for i in range(5))


def articles(n: int, seed: int = 8) -> list[Raw]:
    """``n`` raw messages keyed by their envelope id; see the module docstring."""
    rng = random.Random(seed)
    out: list[Raw] = []
    bodies: dict[int, dict[str, object]] = {}
    for i in range(n):
        article_id = f"c{i:05d}"
        published = (EPOCH + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
        fetched = (EPOCH + timedelta(minutes=i, seconds=30)).isoformat().replace("+00:00", "Z")
        language = "ar" if i % 5 in (0, 1, 3) else "en"
        if i % 10 == 7:
            # An exact copy of article i - 7 (each original is copied once: a key
            # shared by three articles would weigh differently by arrival order).
            envelope = {
                **bodies[i - 7],
                "id": article_id,
                "url": f"https://mirror.example/{article_id}",
                "source": "mirror.example",
                "published_at": published,
                "fetched_at": fetched,
            }
        else:
            paragraphs = _paragraphs(2 * i, language, rng, rng.randint(2, 3))
            if i % 10 == 3:
                marker, source = ("إقرأ أيضاً:", "المصدر:") if language == "ar" else ("Read also:", "Source:")
                paragraphs += [f"{source} {_word(2 * i, 57, language)}", marker, _title(2 * i + 1, language)]
                paragraphs += _paragraphs(2 * i + 1, language, rng, 2)
            envelope = {
                "id": article_id,
                "url": f"https://news.example/{language}/{article_id}",
                "source": "news.example",
                "published_at": published,
                "fetched_at": fetched,
                "language": language,
                "title": _title(2 * i, language),
                "text": "\n\n".join(paragraphs),
            }
            bodies[i] = envelope
        out.append((article_id.encode(), orjson.dumps(envelope)))
    return out


def small_messages(n: int) -> Iterator[Raw]:
    """``n`` short English articles for the flood test: cheap to clean, each its own id."""
    for i in range(n):
        article_id = f"f{i:06d}"
        text = f"{_word(i, 0, 'en')} {_word(i, 1, 'en')} reported on the harbour at dawn."
        yield article_id.encode(), orjson.dumps({"id": article_id, "text": text, "language": "en"})
