"""The topology: which step reads which channel, what it keeps, what it emits, and where it runs.

Each ``Step`` is a pure function of one message (and, for stateful steps, the
table entry under the message key). Steps are grouped into two agents, cut
where the key space changes, as Kafka Streams cuts a topology into
sub-topologies and Flink chains operators:

    article  (key: article id; a raw page's own key until it is cleaned)
        articles.raw ─clean─▶ articles.clean ─enrich─▶ articles.enriched ─article, catalog, link
                                                  └──▶ dedup.nodes (admit)
        dedup.nodes ─dedup─▶ articles.verdicts ─catalog-verdict
                         └──▶ dedup.first-of-story ─unique─▶ articles.unique
        graph.links ─graph─▶ table related_graph ─(once per batch)─▶ graph.edges
    key      (key: bucket, entity, keyword, title or story)
        dedup.buckets ─dedup-bucket─▶ dedup.nodes (candidates)
        graph.by-key ─link-index─▶ graph.links
        graph.by-title ─link-title─▶ graph.links
        graph.by-story ─story─▶ table stories, graph.links

A step's output on a *channel* is passed on in memory, with no topic between,
when the steps that read it run in the same agent and either keep no state, or
find their state on this partition and only read it (``Step.read_only``), or
find it on this partition while it is a raw page that is being processed
(``WHOLE_ON_REDELIVERY``): an article whose id lands on the partition
its page came in on goes from ``articles.raw`` to its catalog, its dedup node
and its links in one batch. Otherwise it crosses the broker in one of two
through-topics, one per key space (``through.by-article``, ``through.by-key``),
as batches (``streams.batches``). Public channels are published as well,
whatever else happens to them. ``streams.pipeline.runner`` runs this table
for the workers and for ``newsflow process`` alike.

One module, read whole: it is the table of the topology, and a reader should see
every step, channel and table in one place.
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

import orjson

from streams.pipeline import dedup, graph, link, stories
from streams.pipeline.clean import clean_page
from streams.pipeline.enrich import enrich
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import Limits, parse_raw
from streams.records import CleanArticle, DeadLetter, Edge, EnrichedArticle, R, from_dict
from streams.settings import Settings

# Public topics: what users read (and ``articles.raw``, what they write).
RAW = "articles.raw"
CLEAN = "articles.clean"
ENRICHED = "articles.enriched"
VERDICTS = "articles.verdicts"
DUPLICATES = "articles.duplicates"
UNIQUE = "articles.unique"
EDGES = "graph.edges"
DEAD_LETTER = "articles.dead-letter"
PUBLIC_TOPICS = (RAW, CLEAN, ENRICHED, UNIQUE, DUPLICATES, VERDICTS, EDGES, DEAD_LETTER)

# Internal channels, each keyed by what brings related messages together.
NODES = dedup.NODES_TOPIC  # article id
BUCKETS = dedup.BUCKETS_TOPIC  # exact hash, URL or LSH band
BY_INDEX_KEY = "graph.by-key"  # entity or keyword
BY_TITLE = "graph.by-title"  # a title's matching form
BY_STORY = "graph.by-story"  # story id
LINKS = "graph.links"  # an edge's src
FIRST_OF_STORY = "dedup.first-of-story"  # article id; in memory only, from its node to its catalog

# The through-topics, and the internal channels each carries.
BY_ARTICLE = "through.by-article"
BY_KEY = "through.by-key"
THROUGH: dict[str, str] = {
    ENRICHED: BY_ARTICLE,
    VERDICTS: BY_ARTICLE,
    FIRST_OF_STORY: BY_ARTICLE,
    NODES: BY_ARTICLE,
    LINKS: BY_ARTICLE,
    BUCKETS: BY_KEY,
    BY_INDEX_KEY: BY_KEY,
    BY_TITLE: BY_KEY,
    BY_STORY: BY_KEY,
}
INTERNAL_TOPICS = (BY_ARTICLE, BY_KEY)

# A stateful step is passed a message in memory only within what a raw page causes:
# on a re-delivery the page goes through every step again and each says again what it
# said, so nothing is lost if the worker died between writing one table entry and
# another. What other messages cause waits on a through-topic, where it is durable
# before the state that caused it is written.
WHOLE_ON_REDELIVERY = frozenset({RAW})
# Never passed in memory: a relation's edges and the ``forget`` that may follow them
# must reach an entry in the order they were sent, as a topic keeps them.
LOG_ORDERED = frozenset({LINKS})


class Emit(NamedTuple):
    """One output: ``value`` is a record, a dict or already-encoded bytes; ``topic`` its channel."""

    topic: str
    key: str | None
    value: Any


class Message(NamedTuple):
    """A step's input. ``decoded``: the value as the emitting step made it, when passed in memory."""

    key: bytes | None
    value: bytes
    timestamp_ms: int | None
    decoded: Any = None


def payload(message: Message) -> Any:
    """The message's JSON value: the emitter's own dict when passed in memory, else decoded."""
    return message.decoded if isinstance(message.decoded, dict) else orjson.loads(message.value)


def record_of(message: Message, cls: type[R]) -> R:
    """The message as a ``cls`` record, without decoding it again when it came in memory."""
    return message.decoded if isinstance(message.decoded, cls) else from_dict(cls, payload(message))


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
    source: str  # the channel it reads
    run: Callable[..., Any]
    agent: str
    # Stateful steps keep one table entry per message key.
    table: str | None = None
    # A step that only reads its entry never changes state: what it is passed in
    # memory can never be half-applied, so it is passed like to a stateless step.
    read_only: bool = False

    def __call__(self, state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
        """Run the step; never raises. Failures become dead letters that keep the original."""
        try:
            if self.table is None:
                return state, self.run(message, ctx)
            result: tuple[State, list[Emit]] = self.run(state, message, ctx)
            return result
        except PipelineError as exc:
            return state, [dead_letter(message, exc.stage, exc.reason, exc.message, exc.article_id)]
        except Exception as exc:  # a bug: keep the message and say where it failed
            detail = "".join(traceback.format_exception_only(exc)).strip()
            return state, [dead_letter(message, self.name, "internal_error", detail)]


@dataclass(frozen=True, slots=True)
class Agent:
    """A sub-topology: the steps that run together on the topics ``sources``, keyed alike."""

    name: str
    sources: tuple[str, ...]


def dead_letter(message: Message, stage: str, reason: str, error: str, article_id: str | None = None) -> Emit:
    encoding: Literal["utf-8", "base64"]
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


# --- article: keyed by article id (a raw page by whatever its producer chose) --------------------


def _clean(message: Message, ctx: StepContext) -> list[Emit]:
    page = parse_raw(message.value, key=message.key, timestamp_ms=message.timestamp_ms, limits=ctx.limits)
    return [Emit(CLEAN, article.article_id, article) for article in clean_page(page)]


def _enrich(message: Message, ctx: StepContext) -> list[Emit]:
    """Enrich, and admit to dedup with the summary of the same pass over the tokens."""
    clean = record_of(message, CleanArticle)
    signature = dedup.analyse(clean.text, ctx.dedup)
    article = enrich(clean, fingerprints=signature.fingerprints)
    admit = dedup.admit(article, ctx.dedup, dedup.summarize(article, ctx.dedup, signature))
    return [Emit(ENRICHED, article.article_id, article), Emit(admit.topic, admit.key, admit.value)]


def _keep_article(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """The enriched article, for ``/articles/{id}`` and ``articles.unique``: written once."""
    return {"article": payload(message)}, []


def _first_of_story(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Its node says the article leads its story: publish it.

    The article is always here by then: it reaches its partition before its
    admission to dedup does (in memory, or first in the same through-topic record).
    """
    return state, [Emit(UNIQUE, state["article"]["article_id"], state["article"])] if state else []


def _catalog_article(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    new_state, announcements = stories.catalog_article(state, payload(message))
    return new_state, [Emit(BY_STORY, story_id, value) for story_id, value in announcements]


def _catalog_verdict(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    new_state, announcements = stories.catalog_verdict(state, payload(message))
    return new_state, [Emit(BY_STORY, story_id, value) for story_id, value in announcements]


def _link_article(message: Message, ctx: StepContext) -> list[Emit]:
    """Embedded edges now; entity, keyword and title relations where their keys meet."""
    article = record_of(message, EnrichedArticle)
    ref = link.member_ref(article)
    return (
        [Emit(LINKS, edge.src, edge) for edge in link.edges_for_article(article)]
        + [Emit(BY_INDEX_KEY, key, ref) for key in link.index_keys(article)]
        + [Emit(BY_TITLE, key, title_ref) for key, title_ref in link.title_refs(article)]
    )


def _dedup_node(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """One article's node: its candidates, verified links and story (see ``dedup``)."""
    result = dedup.on_node_message(state, payload(message), ctx.dedup)
    emits = [Emit(send.topic, send.key, send.value) for send in result.sends]
    for verdict in result.verdicts:
        emits.append(Emit(VERDICTS, verdict.article_id, verdict))
        if verdict.status == "duplicate":
            emits.append(Emit(DUPLICATES, verdict.article_id, verdict))
    if result.first_of_story:
        emits.append(Emit(FIRST_OF_STORY, (message.key or b"").decode(), {}))
    return result.state, emits


def _graph(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Fold an edge into its source's entry; tell the neighbours it drops from its top-k.

    What changed is published once per batch (``TABLE_FLUSH``), not per edge.
    """
    edge = record_of(message, Edge)
    new_state, forgets = graph.fold_edge(state, edge, top_k=ctx.graph_top_k)
    return new_state, [Emit(LINKS, f.src, f) for f in forgets]


def _graph_changes(key: str, before: State, after: State) -> list[Emit]:
    return [Emit(EDGES, key, edge) for edge in graph.changed_edges(key, before, after)]


# --- key: keyed by bucket, entity, keyword, title or story --------------------------------------


def _dedup_bucket(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Articles that share an exact hash, a URL or an LSH band meet here."""
    new_state, sends = dedup.observe_bucket(state, payload(message), ctx.dedup)
    return new_state, [Emit(send.topic, send.key, send.value) for send in sends]


def _link_index(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    key = (message.key or b"").decode()
    new_state, edges = link.observe_index(state, payload(message), key)
    return new_state, [Emit(LINKS, edge.src, edge) for edge in edges]


def _link_title(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    new_state, edges = link.observe_title(state, payload(message))
    return new_state, [Emit(LINKS, edge.src, edge) for edge in edges]


def _story(state: State, message: Message, ctx: StepContext) -> tuple[State, list[Emit]]:
    """Members of a story join and leave here, and each new one is related to the recent ones."""
    new_state, edges = stories.observe_story(state, payload(message))
    return new_state, [Emit(LINKS, edge.src, edge) for edge in edges]


AGENTS: tuple[Agent, ...] = (
    Agent("article", (RAW, BY_ARTICLE)),
    Agent("key", (BY_KEY,)),
)

STEPS: tuple[Step, ...] = (
    Step("clean", RAW, _clean, "article"),
    Step("enrich", CLEAN, _enrich, "article"),
    Step("article", ENRICHED, _keep_article, "article", table="articles"),
    Step("catalog", ENRICHED, _catalog_article, "article", table="catalog"),
    Step("link", ENRICHED, _link_article, "article"),
    Step("dedup", NODES, _dedup_node, "article", table="dedup_nodes"),
    Step("catalog-verdict", VERDICTS, _catalog_verdict, "article", table="catalog"),
    Step("unique", FIRST_OF_STORY, _first_of_story, "article", table="articles", read_only=True),
    Step("graph", LINKS, _graph, "article", table="related_graph"),
    Step("dedup-bucket", BUCKETS, _dedup_bucket, "key", table="dedup_buckets"),
    Step("link-index", BY_INDEX_KEY, _link_index, "key", table="graph_index"),
    Step("link-title", BY_TITLE, _link_title, "key", table="graph_titles"),
    Step("story", BY_STORY, _story, "key", table="stories"),
)

TABLES: tuple[str, ...] = tuple(dict.fromkeys(step.table for step in STEPS if step.table))


AGENT_OF: dict[str, Agent] = {agent.name: agent for agent in AGENTS}


def source_topic(step: Step) -> str:
    """The topic a step's input arrives on (its agent's first topic when it only comes in memory)."""
    agent = AGENT_OF[step.agent]
    topic = THROUGH.get(step.source, step.source)
    return topic if topic in agent.sources else agent.sources[0]


def _check_topology() -> None:
    """A step reads a topic of its own agent, or a channel that only ever travels in memory."""
    read_from_topics = {topic for agent in AGENTS for topic in agent.sources}
    for step in STEPS:
        topic = THROUGH.get(step.source, step.source)
        if topic in read_from_topics and topic not in AGENT_OF[step.agent].sources:
            raise AssertionError(
                f"step {step.name} reads {step.source}, which agent {step.agent} never reads"
            )


_check_topology()


def _cutoff(now: datetime, ctx: StepContext) -> str:
    return (now - timedelta(days=ctx.dedup.window_days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expire_article(state: State, now: datetime, ctx: StepContext) -> State | None:
    article = state.get("article") or {}
    seen = article.get("fetched_at") or article.get("published_at")
    return None if seen and seen < _cutoff(now, ctx) else state


def _expire_catalog(state: State, now: datetime, ctx: StepContext) -> State | None:
    member = state.get("member") or {}
    seen = member.get("fetched_at") or member.get("published_at")
    return None if seen and seen < _cutoff(now, ctx) else state


# How each table forgets what is older than the window (``None``: delete the key).
EXPIRY: dict[str, Callable[[State, datetime, StepContext], State | None]] = {
    "dedup_nodes": lambda state, now, ctx: dedup.expire_node(state, now, ctx.dedup),
    "dedup_buckets": lambda state, now, ctx: dedup.expire_bucket(state, now, ctx.dedup),
    "graph_index": lambda state, now, ctx: link.expire_index(state, _cutoff(now, ctx)),
    "graph_titles": lambda state, now, ctx: link.expire_titles(state, _cutoff(now, ctx)),
    "related_graph": lambda state, now, ctx: graph.expire_node(state, _cutoff(now, ctx)),
    "stories": lambda state, now, ctx: stories.expire_story(state, _cutoff(now, ctx)),
    "articles": _expire_article,
    "catalog": _expire_catalog,
}


# What a table's changed entries publish once per batch, after every message of it
# (``(key, entry before, entry after) -> emits``), as Kafka Streams forwards a
# cached table's latest value per key on flush: ``graph.edges`` gets each changed
# relation once, however many edges were folded into it.
TABLE_FLUSH: dict[str, tuple[str, Callable[[str, State, State], list[Emit]]]] = {
    "related_graph": ("graph", _graph_changes),
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
