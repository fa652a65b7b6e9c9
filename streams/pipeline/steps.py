"""The topology: which step reads which topic, what it keeps, what it emits.

Each ``Step`` is a pure function of one message (and, for stateful steps, the
table entry under the message key). The Faust agents (``streams/agents.py``)
and the in-process runner (``streams/pipeline/process.py``) both run exactly
these steps, with the same wrapper that turns failures into dead letters, so a
file replayed either way gives the same records.

    articles.raw ─clean─▶ articles.clean ─enrich─▶ articles.enriched ─link─▶ graph.by-key
                                               │                      │        graph.by-title
                                               ▼                      ▼             │ link-index,
                                 dedup.nodes ◀──▶ dedup.buckets   graph.links ◀─────┘ link-title
                                   │ dedup                            │ graph
                                   ▼                                  ▼
             articles.verdicts, articles.duplicates, articles.unique  table related_graph, graph.edges

    catalog ─▶ graph.by-story ─link-story─▶ graph.by-key (index entry ``story:<id>``)
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson

from streams.pipeline import dedup, link, stories
from streams.pipeline.clean import clean_page
from streams.pipeline.enrich import enrich
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import Limits, parse_raw
from streams.records import CleanArticle, DeadLetter, Edge, EnrichedArticle, from_dict
from streams.settings import Settings

RAW = "articles.raw"
CLEAN = "articles.clean"
ENRICHED = "articles.enriched"
BY_INDEX_KEY = "graph.by-key"
BY_TITLE = "graph.by-title"
BY_STORY = "graph.by-story"
VERDICTS = "articles.verdicts"
DUPLICATES = "articles.duplicates"
UNIQUE = "articles.unique"
EDGES = "graph.edges"
LINKS = "graph.links"
DEAD_LETTER = "articles.dead-letter"

# Topics a user reads; the rest are through-topics that repartition state.
PUBLIC_TOPICS = (RAW, CLEAN, ENRICHED, UNIQUE, DUPLICATES, VERDICTS, EDGES, DEAD_LETTER)
# The workers send them in batches (``streams.batches``).
INTERNAL_TOPICS = (dedup.NODES_TOPIC, dedup.BUCKETS_TOPIC, BY_INDEX_KEY, BY_TITLE, BY_STORY, LINKS)


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
    dedup: dedup.DedupConfig = dedup.DEFAULT_CONFIG

    @classmethod
    def from_settings(cls, settings: Settings) -> StepContext:
        return cls(
            limits=Limits(
                max_message_bytes=settings.max_message_bytes, max_text_chars=settings.max_text_chars
            ),
            graph_top_k=settings.graph_top_k,
            dedup=dedup.DedupConfig(
                shingle_size=settings.dedup_shingle_size,
                bands=settings.dedup_bands,
                rows=settings.dedup_rows,
                near_threshold=settings.dedup_near_threshold,
                sketch_size=settings.dedup_sketch_size,
                window_days=settings.window_days,
                max_candidates=settings.dedup_max_candidates,
            ),
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


def dead_letter(message: Message, stage: str, reason: str, error: str, article_id: str | None = None) -> Emit:
    try:
        original, encoding = message.value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        original, encoding = base64.b64encode(message.value).decode("ascii"), "base64"
    key = article_id or (message.key.decode("utf-8", "replace") if message.key else None)
    record = DeadLetter(
        reason=reason,
        stage=stage,
        error=error[:2000],
        article_id=article_id,
        original=original,
        original_encoding=encoding,
        original_bytes=len(message.value),
    )
    return Emit(DEAD_LETTER, key, record)


def _clean(message: Message, ctx: StepContext) -> list[Emit]:
    page = parse_raw(message.value, key=message.key, timestamp_ms=message.timestamp_ms, limits=ctx.limits)
    return [Emit(CLEAN, article.article_id, article) for article in clean_page(page)]


def _enrich(message: Message, ctx: StepContext) -> list[Emit]:
    article = enrich(from_dict(CleanArticle, orjson.loads(message.value)))
    if ctx.dedup != dedup.DEFAULT_CONFIG:  # the signature must match the configured banding
        article.fingerprints = dedup.fingerprints(article.text, ctx.dedup)
    admit = dedup.admit(article, ctx.dedup)
    return [Emit(ENRICHED, article.article_id, article), Emit(admit.topic, admit.key, admit.value)]


def _dedup_node(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """One article's node: its candidates, verified links and story (see ``dedup``)."""
    result = dedup.on_node_message(state, orjson.loads(message.value), ctx.dedup)
    emits = [Emit(send.topic, send.key, send.value) for send in result.sends]
    for verdict in result.verdicts:
        emits.append(Emit(VERDICTS, verdict.article_id, verdict))
        if verdict.status == "duplicate":
            emits.append(Emit(DUPLICATES, verdict.article_id, verdict))
    emits += [Emit(UNIQUE, record["article_id"], record) for record in result.first_of_story]
    return result.state, emits


def _dedup_bucket(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Articles that share an exact hash, a URL or an LSH band meet here."""
    new_state, sends = dedup.observe_bucket(state, orjson.loads(message.value), ctx.dedup)
    return new_state, [Emit(send.topic, send.key, send.value) for send in sends]


def _link_article(message: Message, ctx: StepContext) -> list[Emit]:
    """Embedded edges now; entity, keyword and title relations where their keys meet."""
    article = from_dict(EnrichedArticle, orjson.loads(message.value))
    ref = link.member_ref(article)
    return (
        [Emit(LINKS, edge.src, edge) for edge in link.edges_for_article(article)]
        + [Emit(BY_INDEX_KEY, key, ref) for key in link.index_keys(article)]
        + [Emit(BY_TITLE, key, title_ref) for key, title_ref in link.title_refs(article)]
    )


def _link_index(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    key = (message.key or b"").decode()
    new_state, edges = link.observe_index(state, orjson.loads(message.value), key)
    return new_state, [Emit(LINKS, edge.src, edge) for edge in edges]


def _link_title(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    new_state, edges = link.observe_title(state, orjson.loads(message.value))
    return new_state, [Emit(LINKS, edge.src, edge) for edge in edges]


def _link_story(message: Message, ctx: StepContext) -> list[Emit]:
    """Story members meet in the index entry of their story, which knows when each was seen."""
    story_id = (message.key or b"").decode()
    refs = link.story_refs(story_id, orjson.loads(message.value))
    return [Emit(BY_INDEX_KEY, key, ref) for key, ref in refs]


def _graph(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Fold an edge into its source's entry and publish it; tell the neighbours it drops from its top-k."""
    edge = from_dict(Edge, orjson.loads(message.value))
    new_state, forgets = link.fold_edge(state, edge, top_k=ctx.graph_top_k)
    return new_state, [Emit(EDGES, edge.src, message.value), *(Emit(LINKS, f.src, f) for f in forgets)]


def _catalog_article(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    new_state, announcements = stories.catalog_article(state, orjson.loads(message.value))
    return new_state, [Emit(BY_STORY, story_id, value) for story_id, value in announcements]


def _catalog_verdict(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    new_state, announcements = stories.catalog_verdict(state, orjson.loads(message.value))
    return new_state, [Emit(BY_STORY, story_id, value) for story_id, value in announcements]


def _story(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    return stories.observe_story(state, orjson.loads(message.value)), []


STEPS: tuple[Step, ...] = (
    Step("clean", RAW, _clean),
    Step("enrich", CLEAN, _enrich),
    Step("dedup", dedup.NODES_TOPIC, _dedup_node, table="dedup_nodes"),
    Step("dedup-bucket", dedup.BUCKETS_TOPIC, _dedup_bucket, table="dedup_buckets"),
    Step("link", ENRICHED, _link_article),
    Step("link-index", BY_INDEX_KEY, _link_index, table="graph_index"),
    Step("link-title", BY_TITLE, _link_title, table="graph_titles"),
    Step("link-story", BY_STORY, _link_story),
    Step("graph", LINKS, _graph, table="related_graph"),
    # One catalog entry per article, fed by two copartitioned topics.
    Step("catalog", ENRICHED, _catalog_article, table="articles"),
    Step("catalog-verdict", VERDICTS, _catalog_verdict, table="articles"),
    Step("story", BY_STORY, _story, table="stories"),
)

TABLES: tuple[str, ...] = tuple(dict.fromkeys(step.table for step in STEPS if step.table))


def _cutoff(now: datetime, ctx: StepContext) -> str:
    return (now - timedelta(days=ctx.dedup.window_days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expire_catalog(state: State, now: datetime, ctx: StepContext) -> State | None:
    article = state.get("article") or {}
    seen = article.get("fetched_at") or article.get("published_at")
    return None if seen and seen < _cutoff(now, ctx) else state


# How each table forgets what is older than the window (``None``: delete the key).
# The Faust layer sweeps a partition's keys when a tick message reaches it.
EXPIRY: dict[str, Callable[[State, datetime, StepContext], State | None]] = {
    "dedup_nodes": lambda state, now, ctx: dedup.expire_node(state, now, ctx.dedup),
    "dedup_buckets": lambda state, now, ctx: dedup.expire_bucket(state, now, ctx.dedup),
    "graph_index": lambda state, now, ctx: link.expire_index(state, _cutoff(now, ctx)),
    "graph_titles": lambda state, now, ctx: link.expire_titles(state, _cutoff(now, ctx)),
    "related_graph": lambda state, now, ctx: link.expire_node(state, _cutoff(now, ctx)),
    "articles": _expire_catalog,
}


def warm_up() -> None:
    """Load what the steps load lazily (language data, the tagger, the English model).

    A worker calls it before it joins the group, so its first article is not
    seconds late and ``/readyz`` means ready.
    """
    samples = (
        "قال وزير الخارجية في القاهرة أمس إن المحادثات ستستمر.",
        "The minister said in London on Monday that talks would go on.",
    )
    for text in samples:
        enrich(
            CleanArticle(
                article_id="warm-up",
                parent_id=None,
                url=None,
                source=None,
                published_at=None,
                fetched_at=None,
                language=None,
                title=None,
                paragraphs=[text],
                text=text,
            )
        )


def encode(value: Any) -> bytes:
    return value if isinstance(value, bytes) else orjson.dumps(value)


def encode_state(state: Any) -> bytes:
    """A table entry's JSON, in bytes of exactly its length.

    orjson (3.12 and later) returns bytes that keep its whole output buffer: at
    least 4 KB, about ten times the length for a large value. A message is
    copied into the producer's batch at once, but a table entry lives as long
    as the window, so it gets a trimmed copy.
    """
    return bytes(memoryview(orjson.dumps(state)))
