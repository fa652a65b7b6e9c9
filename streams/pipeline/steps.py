"""The topology: which step reads which topic, what it keeps, what it emits.

Each ``Step`` is a pure function of one message (and, for stateful steps, the
table entry under the message key). The Faust agents (``streams/agents.py``)
and the in-process runner (``streams/pipeline/process.py``) both run exactly
these steps, with the same wrapper that turns failures into dead letters, so a
file replayed either way gives the same records.

    articles.raw ─clean─▶ articles.clean ─enrich─▶ articles.enriched ──▶ dedup.by-exact
                                                     │ link, catalog          │ dedup
                                                     ▼                        ▼
                          related_graph ◀─graph─ graph.edges ◀─link─ articles.verdicts,
                                                                     articles.duplicates,
                                                                     articles.unique
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from streams.pipeline import dedup, link
from streams.pipeline.clean import clean_page
from streams.pipeline.enrich import enrich
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import Limits, parse_raw
from streams.records import CleanArticle, DeadLetter, Edge, EnrichedArticle, Verdict, from_dict
from streams.settings import Settings

RAW = "articles.raw"
CLEAN = "articles.clean"
ENRICHED = "articles.enriched"
BY_EXACT = "dedup.by-exact"
VERDICTS = "articles.verdicts"
DUPLICATES = "articles.duplicates"
UNIQUE = "articles.unique"
EDGES = "graph.edges"
DEAD_LETTER = "articles.dead-letter"

# Topics a user reads; the rest are through-topics that repartition state.
PUBLIC_TOPICS = (RAW, CLEAN, ENRICHED, UNIQUE, DUPLICATES, VERDICTS, EDGES, DEAD_LETTER)
INTERNAL_TOPICS = (BY_EXACT,)


class Emit(NamedTuple):
    """One output message: ``value`` is a record, a dict or already-encoded bytes."""

    topic: str
    key: str | None
    value: Any


class Message(NamedTuple):
    key: bytes | None
    value: bytes
    timestamp_ms: int | None


@dataclass(frozen=True, slots=True)
class StepContext:
    """What steps need to know of the settings."""

    limits: Limits
    graph_top_k: int

    @classmethod
    def from_settings(cls, settings: Settings) -> StepContext:
        return cls(
            limits=Limits(
                max_message_bytes=settings.max_message_bytes, max_text_chars=settings.max_text_chars
            ),
            graph_top_k=settings.graph_top_k,
        )


State = Any
StatelessFn = Callable[[Message, StepContext], list[Emit]]
StatefulFn = Callable[[State, Message, StepContext], tuple[State, list[Emit]]]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    source: str
    run: Callable[..., Any]
    # Stateful steps keep one table entry per message key.
    table: str | None = None

    def __call__(self, state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
        """Run the step; never raises. Failures become dead letters that keep the original."""
        try:
            if self.table is None:
                return state, self.run(message, ctx)
            return self.run(state, message, ctx)
        except PipelineError as exc:
            return state, [dead_letter(message, exc.stage, exc.reason, exc.message, exc.article_id)]
        except Exception as exc:  # a bug: keep the message and say where it failed
            detail = "".join(traceback.format_exception_only(exc)).strip()
            return state, [dead_letter(message, self.name, "internal_error", detail)]


def dead_letter(
    message: Message, stage: str, reason: str, error: str, article_id: str | None = None
) -> Emit:
    try:
        original, encoding = message.value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        original, encoding = base64.b64encode(message.value).decode("ascii"), "base64"
    key = article_id or (message.key.decode("utf-8", "replace") if message.key else None)
    record = DeadLetter(
        reason=reason, stage=stage, error=error[:2000], article_id=article_id,
        original=original, original_encoding=encoding, original_bytes=len(message.value),
    )  # fmt: skip
    return Emit(DEAD_LETTER, key, record)


def _clean(message: Message, ctx: StepContext) -> list[Emit]:
    page = parse_raw(
        message.value, key=message.key, timestamp_ms=message.timestamp_ms, limits=ctx.limits
    )
    return [Emit(CLEAN, article.article_id, article) for article in clean_page(page)]


def _enrich(message: Message, ctx: StepContext) -> list[Emit]:
    article = enrich(from_dict(CleanArticle, orjson.loads(message.value)))
    return [
        Emit(ENRICHED, article.article_id, article),
        Emit(BY_EXACT, article.fingerprints.exact, article),
    ]


def _dedup_exact(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    article = from_dict(EnrichedArticle, orjson.loads(message.value))
    new_state, verdicts = dedup.decide_exact(state, article)
    emits: list[Emit] = []
    for verdict in verdicts:
        emits.append(Emit(VERDICTS, verdict.article_id, verdict))
        if verdict.status == "duplicate":
            emits.append(Emit(DUPLICATES, verdict.article_id, verdict))
        elif verdict.article_id == article.article_id:
            emits.append(Emit(UNIQUE, article.article_id, message.value))
    return new_state, emits


def _link_article(message: Message, ctx: StepContext) -> list[Emit]:
    article = from_dict(EnrichedArticle, orjson.loads(message.value))
    return [Emit(EDGES, edge.src, edge) for edge in link.edges_for_article(article)]


def _link_verdict(message: Message, ctx: StepContext) -> list[Emit]:
    verdict = from_dict(Verdict, orjson.loads(message.value))
    return [Emit(EDGES, edge.src, edge) for edge in link.edges_for_verdict(verdict)]


def _graph(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    edge = from_dict(Edge, orjson.loads(message.value))
    return link.apply_edge(state, edge, top_k=ctx.graph_top_k), []


def _keep(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Catalog steps: the latest value per key, served over HTTP."""
    return orjson.loads(message.value), []


STEPS: tuple[Step, ...] = (
    Step("clean", RAW, _clean),
    Step("enrich", CLEAN, _enrich),
    Step("dedup", BY_EXACT, _dedup_exact, table="dedup_exact"),
    Step("link", ENRICHED, _link_article),
    Step("link-story", VERDICTS, _link_verdict),
    Step("graph", EDGES, _graph, table="related_graph"),
    Step("catalog", ENRICHED, _keep, table="articles"),
    Step("catalog-verdict", VERDICTS, _keep, table="verdicts"),
)

TABLES: tuple[str, ...] = tuple(step.table for step in STEPS if step.table)


def encode(value: Any) -> bytes:
    return value if isinstance(value, bytes) else orjson.dumps(value)
