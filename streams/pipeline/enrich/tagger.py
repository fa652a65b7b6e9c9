"""Statistical name tagger: a CRF (python-crfsuite) per language, when a model ships.

The model file is ``lang/<xx>/ner.crfsuite``, trained by ``scripts/train_ner.py``
on NewsFANE Gold 2014 (Alotaibi & Lee, CC BY-SA 3.0). Training and tagging use
the same tokenizer and the same ``features`` function, so what the model saw is
what it gets. Loaded lazily, once per process; no model, no spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast

from streams import lang
from streams.pipeline.enrich.gazetteer import tagger_gazetteer
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.tokens import Token, between, key_form, phrase_forms
from streams.records import EntityType

MODEL_NAME = "ner.crfsuite"
# A span is kept when every label in it has at least this marginal probability:
# a precision/recall dial, chosen on the dev blocks (scripts/eval_enrich.py --dev).
# Places are mostly known to the gazetteer, so the tagger's own places must be surer
# (0.5 scored the same on dev; 0.7 keeps fewer verbs read as towns).
MIN_MARGINAL = {"person": 0.5, "org": 0.5, "place": 0.7}
# The one language whose names come from a packaged spaCy model instead of a CRF.
ENGLISH_MODEL_LANGUAGE = "en"


def model_path(language: str) -> Path:
    return lang.LANG_DIR / language / MODEL_NAME


@cache
def _tagger(language: str) -> Any | None:
    path = model_path(language)
    if not path.exists():
        return None
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def available(language: str) -> bool:
    """A statistical model runs for this language (CRF file or the English spaCy model)."""
    return language == ENGLISH_MODEL_LANGUAGE or model_path(language).exists()


@cache
def _title_words(language: str) -> frozenset[str]:
    data = lang.load(language, "titles") or {"titles": []}
    return frozenset(f for t in data["titles"] for f in phrase_forms(t))


# Context-free features a word lends its neighbours (gaz and nisba are added per article).
_NEIGHBOUR_KEYS = ("w", "s", "title", "given", "x2", "p2", "head")
_OFFSETS = (-2, -1, 1, 2)


@cache
def _heads(language: str) -> dict[str, str]:
    """Words that open a name of a kind: وزارة، حزب، جامعة -> org; نهر، جزيرة -> place."""
    data = lang.load(language, "ner_heads") or {}
    return {
        f: kind for kind in ("org", "place", "person") for h in data.get(kind, []) for f in phrase_forms(h)
    }


@dataclass(frozen=True, slots=True)
class _Word:
    """The features of a word that do not depend on its context, built once per word."""

    stem: str
    own: tuple[str, ...]
    as_neighbour: dict[int, tuple[str, ...]]


@lru_cache(maxsize=200_000)
def _word(text: str, form: str, readings: tuple[str, ...], latin: bool, language: str) -> _Word:
    stem = min(readings, key=len)
    titles, given = _title_words(language), _given_names(language)
    if text[:1].isdigit():
        shape = "digit"
    else:
        shape = ("Latin" if text[:1].isupper() else "latin") if latin else "word"
    heads = _heads(language)
    values = {
        "w": key_form(form),
        "s": key_form(stem),
        "p1": form[:1],
        "p2": form[:2],
        "sp2": stem[:2],
        "x1": form[-1:],
        "x2": stem[-2:],
        "x3": stem[-3:],
        "len": str(min(len(stem), 8)),
        "shape": shape,
        "title": "1" if form in titles or stem in titles else "0",
        "given": "1" if form in given or stem in given else "0",
        # a word that opens a name of a kind (وزارة، حزب -> org; نهر -> place; اللاعب -> person)
        "head": next((heads[r] for r in readings if r in heads), "-"),
    }
    return _Word(
        stem=values["s"],
        own=tuple(f"{k}={v}" for k, v in values.items()),
        as_neighbour={o: tuple(f"{o}:{k}={values[k]}" for k in _NEIGHBOUR_KEYS) for o in _OFFSETS},
    )


def features(text: str, tokens: list[Token], language: str) -> list[list[str]]:
    """One list of string features per token: the word, its affixes, its neighbours, list hits.

    The context-free part of each word is cached across articles; only list
    hits (gazetteer, nisba) and punctuation are computed per article.
    """
    gaz = tagger_gazetteer()
    known: dict[int, str] = {}
    for match in gaz.find_all(tokens):
        if match.entry.word:
            continue  # a city whose name is also a word: the model judges the word itself
        for i in range(match.first, match.last + 1):
            known[i] = ("B-" if i == match.first else "I-") + match.entry.type
    words = [_word(t.text, t.form, t.readings, t.latin, language) for t in tokens]
    nisba = ["1" if country_of(t) else "0" for t in tokens]
    gaz_of = [known.get(i, "-") for i in range(len(tokens))]
    punct = ["^"] + [between(text, a, b).strip()[:1] for a, b in zip(tokens, tokens[1:], strict=False)]
    rows = []
    for i, word in enumerate(words):
        row = [*word.own, f"gaz={gaz_of[i]}", f"nisba={nisba[i]}", f"punct={punct[i]}"]
        for offset in _OFFSETS:
            j = i + offset
            if 0 <= j < len(words):
                row += words[j].as_neighbour[offset]
                row += (f"{offset}:gaz={gaz_of[j]}", f"{offset}:nisba={nisba[j]}")
            else:
                row.append(f"{offset}:edge")
        if i:
            row.append(f"bi-1={words[i - 1].stem}|{word.stem}")
        if i + 1 < len(words):
            row.append(f"bi+1={word.stem}|{words[i + 1].stem}")
            row.append(f"+1:punct={punct[i + 1]}")
        rows.append(row)
    return rows


@cache
def _given_names(language: str) -> frozenset[str]:
    data = lang.load(language, "given_names") or {"names": []}
    return frozenset(f for n in data["names"] for f in phrase_forms(n)[:1])


# NewsFANE's 50 fine classes -> newsflow's three types (others are dropped).
FINE_TO_TYPE = {
    **dict.fromkeys(
        [
            "Politician",
            "Athlete",
            "Artist",
            "Other_PER",
            "Religious_PER",
            "Scientist",
            "Businessperson",
            "Lawyer",
            "Engineer",
            "Police",
        ],
        "person",
    ),
    **dict.fromkeys(
        [
            "Nation",
            "Population-Center",
            "State-or-Province",
            "GPE-Cluster",
            "Continent",
            "County-or-District",
            "Water-Body",
            "Land-Region-Natural",
            "Celestial",
        ],
        "place",
    ),
    **dict.fromkeys(
        [
            "Non-Governmental",
            "Government",
            "Media",
            "Sports",
            "Commercial",
            "Educational",
            "Medical-Science",
            "Entertainment",
            "Religious_ORG",
        ],
        "org",
    ),
}


def spans_from_labels(labels: list[str]) -> list[tuple[int, int, EntityType]]:
    """BIO labels (already coarse: B-person ...) -> ``(first, last, type)``."""
    spans: list[tuple[int, int, EntityType]] = []
    start, kind = None, None
    for i, label in enumerate([*labels, "O"]):
        tag, _, typ = label.partition("-")
        if start is not None and (tag != "I" or typ != kind):
            # the model's types are the coarse ones scripts/train_ner.py trains on
            spans.append((start, i - 1, cast(EntityType, kind)))
            start, kind = None, None
        if tag == "B" or (tag == "I" and start is None):
            start, kind = i, typ
    return spans


def tag(text: str, tokens: list[Token], language: str) -> list[tuple[int, int, EntityType]]:
    """Spans the statistical model for ``language`` finds: CRF, or spaCy for English."""
    if language == ENGLISH_MODEL_LANGUAGE:
        from streams.pipeline.enrich.english import spacy_spans

        return spacy_spans(text, tokens)
    tagger = _tagger(language)
    if tagger is None or not tokens:
        return []
    labels = tagger.tag(features(text, tokens, language))
    spans = spans_from_labels(labels)
    return [
        span
        for span in spans
        if min(tagger.marginal(labels[i], i) for i in range(span[0], span[1] + 1))
        >= MIN_MARGINAL.get(span[2], 1.0)
    ]
