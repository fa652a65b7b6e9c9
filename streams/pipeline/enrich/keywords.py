"""Key phrases: the word n-grams an article keeps coming back to, merged with its tags.

Candidates are runs of 1-3 words inside one clause that neither start nor end
with a function word (``lang/<xx>/function_words.json``).
Words are compared by their matching form with clitics and inner vowels
folded, so inflections and spellings merge (الأمريكي / الأميركية). A phrase
scores by how often it occurs times how rare its words are in the language
(the sum of their ``-log10`` frequencies, as TF-IDF weighs a term by its
document frequency): ``drought`` and ``reservoirs`` come before ``month`` and
``million`` that every article writes. A phrase inside a better one that occurs
as often is dropped.

The frequencies are wordfreq's (42 languages, data inside the wheel, its
``small`` lists: 30,000 to 60,000 words a language); a word it does not list is
rare, and a language it does not know weighs every word alike.

YAKE was measured here and not taken: about 100 ms per Arabic article (ten
times the whole stage's budget) and its Arabic phrases cross commas
(``شهر، فيما قدمت``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache, lru_cache

from wordfreq import available_languages, zipf_frequency

from streams import lang
from streams.pipeline.enrich.people import function_words
from streams.pipeline.enrich.tokens import Token, between, key_form, tokenize
from streams.text import WORD_CACHE

MAX_WORDS = 3
TOP = 8
# A word's weight is ZIPF_RARE minus its Zipf frequency (log10 of its occurrences in a
# billion words): 9 is -log10 of its probability; an unlisted word weighs RARE_WEIGHT.
ZIPF_RARE = 9.0
RARE_WEIGHT = 8.0


def stopwords(language: str) -> frozenset[str]:
    return function_words(language)


@cache
def _merge_suffixes() -> tuple[str, ...]:
    suffixes = {s for d in lang.load_all("morphology").values() for s in d.get("keyword_merge_suffixes", [])}
    return tuple(sorted(suffixes, key=len, reverse=True))


def _word_key(token: Token) -> str:
    return _readings_key(token.readings)


@lru_cache(maxsize=WORD_CACHE)
def _readings_key(readings: tuple[str, ...]) -> str:
    stem = min(readings, key=len)
    for suffix in _merge_suffixes():
        if stem.endswith(suffix) and len(stem) > len(suffix) + 2:
            stem = stem[: -len(suffix)]
            break
    return key_form(stem)


def find_keywords(
    text: str,
    tokens: list[Token],
    language: str | None,
    tags: list[str],
    names: Iterable[tuple[int, int]] = (),
) -> list[str]:
    """``names``: where the article's entity mentions are; a phrase that stops inside one
    (``الأمير فيصل بن`` of ``فيصل بن فرحان``, ``Bank`` of ``Central Bank of Kenya``) is no
    phrase there, while a name's last words may be (``Mascort`` of ``David Mascort``)."""
    stop = stopwords(language or "ar")
    ends_inside = _ends_inside(tokens, names)
    keys = [_word_key(t) for t in tokens]
    usable = [t.form not in stop and not t.text[:1].isdigit() for t in tokens]
    joined = [
        i + 1 < len(tokens) and not between(text, tokens[i], tokens[i + 1]).strip()
        for i in range(len(tokens))
    ]
    counts: Counter[tuple[str, ...]] = Counter()
    # Where each phrase occurs (first and last token); surfaces are read for the chosen only.
    places: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
    for i in range(len(tokens)):
        for n in range(1, MAX_WORDS + 1):
            last = i + n - 1
            if last >= len(tokens) or not usable[i] or not usable[last] or (n > 1 and not joined[last - 1]):
                break
            if ends_inside[last]:
                continue
            key = tuple(keys[i : last + 1])
            counts[key] += 1
            places[key].append((i, last))
    repeated = [key for key, count in counts.items() if count >= 2]
    weight = {key: _weight(tokens, *places[key][0], language or "") for key in repeated}
    ranked = sorted(repeated, key=lambda k: (-counts[k] * weight[k], -len(k)))
    chosen: list[tuple[str, ...]] = []
    for key in ranked:
        if len(chosen) >= TOP:
            break
        if any(_inside(key, c) and counts[key] <= counts[c] for c in chosen):
            continue
        chosen.append(key)
    return merge_tags(tags, [_surface(text, tokens, places[k]) for k in chosen])


def _ends_inside(tokens: list[Token], names: Iterable[tuple[int, int]]) -> list[bool]:
    """Per token: does it end inside a name, before the name's last word."""
    inside = [False] * len(tokens)
    ends = [token.end for token in tokens]
    for start, end in names:
        for k in range(bisect_right(ends, start), bisect_left(ends, end)):
            inside[k] = True
    return inside


def _weight(tokens: list[Token], first: int, last: int, language: str) -> float:
    """How rare the phrase's words are: the sum of their ``-log10`` frequencies."""
    return sum(_rarity_of(token.text.lower(), language) for token in tokens[first : last + 1])


@lru_cache(maxsize=WORD_CACHE)
def _rarity_of(word: str, language: str) -> float:
    """How little the language uses the word, by its most common spelling with and without clitics."""
    zipf = max(word_zipf(form, language) for form in _spellings(word, language))
    return ZIPF_RARE - zipf if zipf > 0 else RARE_WEIGHT


def _spellings(word: str, language: str) -> set[str]:
    """The word, with a clitic that carries the article cut back to the article (والترويج ->
    الترويج) and with a suffix keywords merge cut (توازنه -> توازن)."""
    morphology = (lang.load(language, "morphology") if language.isalpha() else None) or {}
    forms = {word}
    for clitic, article in morphology.get("article_clitics", {}).items():
        if word.startswith(clitic) and len(word) > len(clitic) + 2:
            forms.add(article + word[len(clitic) :])
    for suffix in morphology.get("keyword_merge_suffixes", []):
        forms |= {f[: -len(suffix)] for f in list(forms) if f.endswith(suffix) and len(f) > len(suffix) + 2}
    return forms


def word_zipf(word: str, language: str) -> float:
    """The word's Zipf frequency in wordfreq's small list (0: unlisted, or no list for the language)."""
    if not _has_word_list(language):  # wordfreq would answer with its nearest language's list
        return 0.0
    return float(zipf_frequency(word, language, wordlist="small"))


@cache
def _has_word_list(language: str) -> bool:
    """Whether wordfreq lists the language and can split its text without a tokenizer it lacks
    (Chinese needs jieba, Japanese and Korean MeCab: they weigh every word alike)."""
    if language not in available_languages("small"):
        return False
    try:
        zipf_frequency("a", language, wordlist="small")
    except ImportError:
        return False
    return True


def _surface(text: str, tokens: list[Token], places: list[tuple[int, int]]) -> str:
    """The phrase's most frequent spelling (the first seen of equally frequent ones)."""
    spellings = Counter(text[tokens[first].start : tokens[last].end] for first, last in places)
    return spellings.most_common(1)[0][0]


def _inside(small: tuple[str, ...], big: tuple[str, ...]) -> bool:
    n = len(small)
    return n < len(big) and any(big[i : i + n] == small for i in range(len(big) - n + 1))


def merge_tags(tags: list[str], phrases: list[str]) -> list[str]:
    """The page's tags first, then phrases that are not a tag in another spelling."""
    seen: set[tuple[str, ...]] = set()
    merged = []
    for phrase in [*tags, *phrases]:
        key = tuple(_word_key(t) for t in tokenize(phrase))
        if key and key not in seen:
            seen.add(key)
            merged.append(phrase)
    return merged
