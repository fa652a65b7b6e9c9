"""Statistical name tagger: a CRF (python-crfsuite) per language, when a model ships.

The model file is ``lang/<xx>/ner.crfsuite``, trained by ``scripts/train_ner.py``
on NewsFANE Gold 2014 (Alotaibi & Lee, CC BY-SA 3.0). Training and tagging use
the same tokenizer and the same ``features`` function, so what the model saw is
what it gets. Loaded lazily, once per process; no model, no spans.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from streams import lang
from streams.pipeline.enrich.gazetteer import gazetteer
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.tokens import Token, between, key_form

MODEL_NAME = "ner.crfsuite"
# A span is kept when every label in it has at least this marginal probability:
# a precision/recall dial, measured with scripts/eval_enrich.py.
# Places are mostly known to the gazetteer, so the tagger's own places must be surer.
MIN_MARGINAL = {"person": 0.5, "org": 0.5, "place": 0.95}
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
    from streams.pipeline.enrich.tokens import phrase_forms

    data = lang.load(language, "titles") or {"titles": []}
    return frozenset(f for t in data["titles"] for f in phrase_forms(t))


def _shape(token: Token) -> str:
    if token.text[:1].isdigit():
        return "digit"
    if token.latin:
        return "Latin" if token.capitalised else "latin"
    return "word"


def features(text: str, tokens: list[Token], language: str) -> list[list[str]]:
    """One list of string features per token: the word, its affixes, its neighbours, list hits."""
    gaz = gazetteer()
    known: dict[int, str] = {}
    for match in gaz.find_all(tokens):
        for i in range(match.first, match.last + 1):
            known[i] = ("B-" if i == match.first else "I-") + match.entry.type
    titles = _title_words(language)
    given = _given_names(language)
    base = []
    for i, token in enumerate(tokens):
        stem = min(token.readings, key=len)
        base.append(
            {
                "w": key_form(token.form),
                "s": key_form(stem),
                "p1": token.form[:1],
                "p2": token.form[:2],
                "sp2": stem[:2],
                "x1": token.form[-1:],
                "x2": stem[-2:],
                "x3": stem[-3:],
                "len": str(min(len(stem), 8)),
                "shape": _shape(token),
                "gaz": known.get(i, "-"),
                "title": "1" if token.form in titles or stem in titles else "0",
                "given": "1" if token.form in given or stem in given else "0",
                "nisba": "1" if country_of(token) else "0",
                "punct": between(text, tokens[i - 1], token).strip()[:1] if i else "^",
            }
        )
    rows = []
    for i, own in enumerate(base):
        row = [f"{k}={v}" for k, v in own.items()]
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(base):
                other = base[j]
                keys = ("w", "s", "gaz", "title", "given", "nisba", "x2", "p2")
                row += [f"{offset}:{k}={other[k]}" for k in keys]
            else:
                row.append(f"{offset}:edge")
        if i:
            row.append(f"bi-1={base[i - 1]['s']}|{own['s']}")
        if i + 1 < len(base):
            row.append(f"bi+1={own['s']}|{base[i + 1]['s']}")
            row.append(f"+1:punct={base[i + 1]['punct']}")
        rows.append(row)
    return rows


@cache
def _given_names(language: str) -> frozenset[str]:
    from streams.pipeline.enrich.tokens import phrase_forms

    data = lang.load(language, "given_names") or {"names": []}
    return frozenset(f for n in data["names"] for f in phrase_forms(n)[:1])


# NewsFANE's 50 fine classes -> newsflow's three types (others are dropped).
FINE_TO_TYPE = {
    **dict.fromkeys(
        ["Politician", "Athlete", "Artist", "Other_PER", "Religious_PER", "Scientist",
         "Businessperson", "Lawyer", "Engineer", "Police"],
        "person",
    ),
    **dict.fromkeys(
        ["Nation", "Population-Center", "State-or-Province", "GPE-Cluster", "Continent",
         "County-or-District", "Water-Body", "Land-Region-Natural", "Celestial"],
        "place",
    ),
    **dict.fromkeys(
        ["Non-Governmental", "Government", "Media", "Sports", "Commercial", "Educational",
         "Medical-Science", "Entertainment", "Religious_ORG"],
        "org",
    ),
}


def spans_from_labels(labels: list[str]) -> list[tuple[int, int, str]]:
    """BIO labels (already coarse: B-person ...) -> ``(first, last, type)``."""
    spans: list[tuple[int, int, str]] = []
    start, kind = None, None
    for i, label in enumerate([*labels, "O"]):
        tag, _, typ = label.partition("-")
        if start is not None and (tag != "I" or typ != kind):
            spans.append((start, i - 1, kind or ""))
            start, kind = None, None
        if tag == "B" or (tag == "I" and start is None):
            start, kind = i, typ
    return spans


def tag(text: str, tokens: list[Token], language: str) -> list[tuple[int, int, str]]:
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
        span for span in spans
        if min(tagger.marginal(labels[i], i) for i in range(span[0], span[1] + 1))
        >= MIN_MARGINAL.get(span[2], 1.0)
    ]
