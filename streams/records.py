"""The message types: one dataclass per topic value.

These are the contract. ``schemas/*.schema.json`` is generated from them
(``newsflow schemas``) and a test fails when the two drift apart. Records are
plain dataclasses, so the pipeline core needs neither Faust nor Kafka;
orjson serialises them natively.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SCHEMA_VERSION = 1

# Any record type: ``from_dict(Edge, ...)`` is an ``Edge``.
R = TypeVar("R", bound="DataclassInstance")

EntityType = Literal["person", "place", "org"]


@dataclass(slots=True, kw_only=True)
class Mention:
    """One place an entity is named: offsets into the article's ``text``."""

    start: int
    end: int
    text: str


@dataclass(slots=True, kw_only=True)
class Entity:
    """A person, place or organisation; ``key`` is the same however it is spelled."""

    type: EntityType
    name: str
    key: str
    mentions: list[Mention] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class DateMention:
    """A date the article mentions, resolved to its real precision.

    ``end``: the last day, month or year of a period (``from March to May``,
    ``last week``, ``in the past two weeks``), else None.
    """

    text: str
    value: str
    relative: bool
    end: str | None = None


@dataclass(slots=True, kw_only=True)
class Quantity:
    """A number with its unit, as written in the article.

    ``unit``: the unit of measure (``USD``, ``percent``, ``basis point``,
    ``percentage point``, ``km``), or the counted noun when there is none
    (``300 troops`` -> ``troops``). ``counts``: the counted noun beside a unit
    (``$180 million disbursement`` -> unit ``USD``, counts ``disbursement``).
    ``upper``: the top of a range (``10-15%``); ``approximate``: about, nearly, نحو.
    """

    text: str
    value: float
    unit: str
    counts: str | None = None
    upper: float | None = None
    approximate: bool = False


@dataclass(slots=True, kw_only=True)
class Quote:
    """A quoted span and who said it."""

    text: str
    speaker: str | None
    speaker_key: str | None


@dataclass(slots=True, kw_only=True)
class LanguageSpan:
    """A run of text in another script or language than the article's (a Latin name in Arabic)."""

    start: int
    end: int
    language: str


@dataclass(slots=True, kw_only=True)
class Fingerprints:
    """``exact``: hash of the body's matching form; ``near``: the near-duplicate signature."""

    exact: str
    near: list[int]


@dataclass(slots=True, kw_only=True)
class CleanArticle:
    """An article as it really is on the page: boilerplate out, embedded articles split off."""

    article_id: str
    parent_id: str | None
    url: str | None
    source: str | None
    published_at: str | None
    fetched_at: str | None
    language: str | None
    title: str | None
    author: str | None = None
    paragraphs: list[str]
    text: str
    attributions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    related_headlines: list[str] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION


@dataclass(slots=True, kw_only=True)
class EnrichedArticle(CleanArticle):
    """A clean article plus who, where, when, how many, quotes, keywords and fingerprints."""

    entities: list[Entity] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    # How sure the language identification is (0..1), and the spans in another language.
    language_confidence: float | None = None
    language_spans: list[LanguageSpan] = field(default_factory=list)
    fingerprints: Fingerprints
    # What the article is about, for related articles in any language: the SimHash
    # (base64, 1,024 bits) of its sentence embedding. Absent from older producers.
    content_signature: str | None = None


@dataclass(slots=True, kw_only=True)
class Verdict:
    """What dedup decided about an article; the latest per ``article_id`` is the one that holds."""

    article_id: str
    status: Literal["unique", "duplicate"]
    duplicate_of: str | None
    # ``containment``: one keeps most of the other's text (a paragraph dropped, cut short, extended).
    kind: Literal["exact", "near", "revision", "containment"] | None
    similarity: float | None
    story_id: str
    rule: str
    published_at: str | None
    schema_version: int = SCHEMA_VERSION


# Version 2: a ``graph.edges`` record is the whole relation as it stands (every
# reason, the combined score), published once per batch that changes it; score 0
# with no reason says the relation is gone. Version 1 published one record per reason.
EDGE_SCHEMA_VERSION = 2


@dataclass(slots=True, kw_only=True)
class Edge:
    """A relation between two articles, with the reasons that make it."""

    src: str
    dst: str
    score: float
    reasons: list[str]
    # When each end was first seen (fetched_at, else published_at): the graph forgets
    # an article, in its own entry and in its neighbours', once it leaves the window.
    src_at: str | None = None
    dst_at: str | None = None
    schema_version: int = EDGE_SCHEMA_VERSION


@dataclass(slots=True, kw_only=True)
class DeadLetter:
    """A message newsflow could not use, kept whole with the reason and the stage."""

    reason: str
    stage: str
    error: str
    article_id: str | None
    original: str
    original_encoding: Literal["utf-8", "base64"]
    original_bytes: int
    schema_version: int = SCHEMA_VERSION


# Why a message becomes a dead letter (``DeadLetter.reason``), by the stage that finds it
# (``DeadLetter.stage``). Metrics export every pair at 0 from start; a unit test fails
# when the pipeline raises a reason that is not declared here.
DEAD_LETTER_REASONS: dict[str, tuple[str, ...]] = {
    "parse": (
        "empty",
        "too_large",
        "undecodable",
        "invalid_json",
        "invalid_envelope",
        "unsupported_schema_version",
    ),
    "clean": ("no_content",),
    "dedup": ("fingerprint_mismatch",),
}
# What any step can answer, with the step's name as the stage: a bug in it
# (``internal_error``), or an output the broker refused (``output_too_large``).
STEP_FAILURE_REASONS: tuple[str, ...] = ("internal_error", "output_too_large")


def from_dict(cls: type[R], data: dict[str, Any]) -> R:
    """Build a record (and its nested records) from decoded JSON.

    Unknown keys are ignored so that a newer producer does not break an older
    consumer; missing required keys raise ``TypeError`` naming the field.
    """
    kwargs: dict[str, Any] = {}
    for name, nested in _field_plan(cls):
        if name not in data:
            continue
        value = data[name]
        if nested is not None and value is not None:
            value = (
                [from_dict(nested, v) for v in value] if isinstance(value, list) else from_dict(nested, value)
            )
        kwargs[name] = value
    return cls(**kwargs)


@functools.cache
def _field_plan(cls: type[DataclassInstance]) -> tuple[tuple[str, type[Any] | None], ...]:
    """Each field's name and nested record type: ``dataclasses.fields`` is slow on the hot path."""
    return tuple((f.name, _NESTED.get((cls.__name__, f.name))) for f in fields(cls))


_NESTED: dict[tuple[str, str], type[Any]] = {
    ("EnrichedArticle", "entities"): Entity,
    ("Entity", "mentions"): Mention,
    ("EnrichedArticle", "dates"): DateMention,
    ("EnrichedArticle", "quantities"): Quantity,
    ("EnrichedArticle", "quotes"): Quote,
    ("EnrichedArticle", "fingerprints"): Fingerprints,
    ("EnrichedArticle", "language_spans"): LanguageSpan,
}

# topic name (without prefix) -> record type of its values
TOPIC_RECORDS: dict[str, type[Any]] = {
    "articles.clean": CleanArticle,
    "articles.enriched": EnrichedArticle,
    "articles.unique": EnrichedArticle,
    "articles.verdicts": Verdict,
    "articles.duplicates": Verdict,
    "articles.dead-letter": DeadLetter,
    "graph.edges": Edge,
}
