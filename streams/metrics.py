"""What one worker did: Prometheus metrics (``/metrics``) and the ring buffers behind ``/stats``.

Agents call ``record_step`` once per input message with the step's outputs;
the web layer calls ``record_consumer`` every few seconds with the consumer's
positions. Both feed the Prometheus registry (durable: scraped) and an
``Observatory`` (in memory: the last minutes, for the dashboard and
``newsflow stats``). Nothing here imports Faust: the Faust layer hands in
plain values, so all of it is unit-tested without a loop or a broker.

Timing, and what each latency means:

* ``newsflow_step_duration_seconds``: the time a step spends on one message.
* ``newsflow_step_input_age_seconds``: now minus the input message's Kafka
  timestamp when the step picks it up. For ``clean`` that is the time since the
  scraper published to ``articles.raw``; for later steps the time since the
  previous step sent it (queueing + transport per hop).
* ``newsflow_end_to_end_latency_seconds``: now minus the ``articles.raw``
  timestamp, for every message sent to an output topic. The raw timestamp
  travels with the data in the Kafka header ``newsflow-raw-ts`` (milliseconds),
  which the agents copy from input to output (see ``RAW_TS_HEADER``).
"""

from __future__ import annotations

import os
import time
import typing
from collections import Counter as Tally
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from streams.pipeline.runner import Observation
from streams.pipeline.steps import (
    CLEAN,
    DEAD_LETTER,
    DUPLICATES,
    ENRICHED,
    INTERNAL_TOPICS,
    PUBLIC_TOPICS,
    RAW,
    STEPS,
    TABLES,
    VERDICTS,
    Emit,
    source_topic,
)
from streams.records import DEAD_LETTER_REASONS, STEP_FAILURE_REASONS, Verdict

RAW_TS_HEADER = "newsflow-raw-ts"

REGISTRY = CollectorRegistry(auto_describe=True)
LATENCY_SAMPLES = 4096  # per output topic, for the dashboard's p50 / p99 over the window

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)

MESSAGES_IN = Counter("newsflow_messages_in_total", "Messages a step consumed.", ["step"], registry=REGISTRY)
MESSAGES_OUT = Counter(
    "newsflow_messages_out_total",
    "Messages a step emitted, by topic.",
    ["step", "topic"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "newsflow_dead_letters_total",
    "Messages sent to the dead-letter topic, by the stage that failed and why.",
    ["stage", "reason"],
    registry=REGISTRY,
)
STEP_SECONDS = Histogram(
    "newsflow_step_duration_seconds",
    "Time a step spends on one message.",
    ["step"],
    registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
INPUT_AGE = Histogram(
    "newsflow_step_input_age_seconds",
    "Age of a step's input message (now minus its Kafka timestamp) when the step picks it up.",
    ["step"],
    registry=REGISTRY,
    buckets=_LATENCY_BUCKETS,
)
END_TO_END = Histogram(
    "newsflow_end_to_end_latency_seconds",
    "From the articles.raw message timestamp to a message sent on an output topic.",
    ["topic"],
    registry=REGISTRY,
    buckets=_LATENCY_BUCKETS,
)
VERDICTS_TOTAL = Counter(
    "newsflow_verdicts_total",
    "Dedup verdicts emitted (a verdict is re-emitted when it changes), by status and duplicate kind.",
    ["status", "kind"],
    registry=REGISTRY,
)
DUPLICATE_RATIO = Gauge(
    "newsflow_duplicate_ratio",
    "Share of this worker's verdicts that are duplicates of this kind, since start.",
    ["kind"],
    registry=REGISTRY,
)
TABLE_KEYS = Gauge(
    "newsflow_table_keys", "Keys held in a table on this worker.", ["table"], registry=REGISTRY
)
GRAPH_NODES = Gauge(
    "newsflow_graph_nodes",
    "Articles with related articles in this worker's graph table.",
    registry=REGISTRY,
)
GRAPH_EDGES = Gauge("newsflow_graph_edges", "Directed edges in this worker's graph table.", registry=REGISTRY)
CONSUMER_LAG = Gauge(
    "newsflow_consumer_lag_messages",
    "Messages not yet processed: the consumer's highwater minus the next offset to process.",
    ["topic", "partition"],
    registry=REGISTRY,
)
CONSUMER_HIGHWATER = Gauge(
    "newsflow_consumer_highwater_offset",
    "The partition's highwater as the consumer last saw it.",
    ["topic", "partition"],
    registry=REGISTRY,
)
PARTITION_ASSIGNED = Gauge(
    "newsflow_partition_assigned",
    "1 for each topic-partition assigned to this worker.",
    ["topic", "partition"],
    registry=REGISTRY,
)
ASSIGNED_PARTITIONS = Gauge(
    "newsflow_assigned_partitions", "Partitions assigned to this worker.", registry=REGISTRY
)
BROKER_UP = Gauge(
    "newsflow_broker_up",
    "1 when the broker answered this worker's last probe (every few seconds), else 0.",
    registry=REGISTRY,
)
BROKER_LAST_SEEN = Gauge(
    "newsflow_broker_last_answer_timestamp_seconds",
    "When the broker last answered this worker's probe (Unix time).",
    registry=REGISTRY,
)
WORKER_INFO = Gauge(
    "newsflow_worker_info",
    "Always 1; labels say which worker this is.",
    ["worker", "app_id", "pid"],
    registry=REGISTRY,
)

# process_resident_memory_bytes, process_cpu_seconds_total, open fds, start time (Linux)
ProcessCollector(registry=REGISTRY)

# Label values, from the code's own declarations (the records, STEPS, the topic lists).
_VERDICT_HINTS = typing.get_type_hints(Verdict)
VERDICT_STATUSES: tuple[str, ...] = get_args(_VERDICT_HINTS["status"])
DUPLICATE_KINDS: tuple[str, ...] = tuple(
    kind for option in get_args(_VERDICT_HINTS["kind"]) for kind in get_args(option)
)
NO_KIND = "none"  # the kind label of a unique article's verdict
# Every topic a step sends to; the dashboard's latency panel shows the public ones.
OUTPUT_TOPICS: tuple[str, ...] = tuple(t for t in PUBLIC_TOPICS if t != RAW)
SENT_TO: tuple[str, ...] = OUTPUT_TOPICS + INTERNAL_TOPICS


def declare_known_labels(tables: Iterable[str] = TABLES) -> None:
    """Export every label value the code declares at 0, before any message has passed.

    Prometheus's instrumentation guidance: a series that appears only once
    something happened reads as "no data" on a fresh deployment's dashboards and
    alerts, and ``rate()`` misses its first increase.
    """
    for step in STEPS:
        MESSAGES_IN.labels(step.name)
        STEP_SECONDS.labels(step.name)
        INPUT_AGE.labels(step.name)
        MESSAGES_OUT.labels(step.name, DEAD_LETTER)  # any step can dead-letter
        for reason in STEP_FAILURE_REASONS:
            DEAD_LETTERS.labels(step.name, reason)
    for stage, reasons in DEAD_LETTER_REASONS.items():
        for reason in reasons:
            DEAD_LETTERS.labels(stage, reason)
    for topic in SENT_TO:
        END_TO_END.labels(topic)
    for status in VERDICT_STATUSES:
        for kind in DUPLICATE_KINDS if status == "duplicate" else (NO_KIND,):
            VERDICTS_TOTAL.labels(status, kind)
    for kind in DUPLICATE_KINDS:
        DUPLICATE_RATIO.labels(kind)
    for table in tables:
        TABLE_KEYS.labels(table)


def resident_memory_bytes() -> int | None:
    """This process's resident memory now (Linux), else its peak; None if neither is known."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except Exception:
        return None


def metric_names(registry: CollectorRegistry = REGISTRY) -> set[str]:
    """Every sample name the registry exports, whether or not a labelled child exists yet."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "gauge": ("",),
        "info": ("_info",),
        "summary": ("_sum", "_count", "_created"),
    }
    return {
        family.name + suffix for family in registry.collect() for suffix in suffixes.get(family.type, ("",))
    }


# --- ring buffers for /stats ------------------------------------------------------------------


def _field(value: Any, name: str) -> Any:
    """A field of an emitted value: a record (attribute), a dict (key) or encoded bytes (None)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


@dataclass(frozen=True, slots=True)
class PartitionPosition:
    """What the consumer knows of one assigned partition."""

    topic: str
    partition: int
    highwater: int | None
    next_offset: int | None
    # False for partitions the agents do not read (table changelogs kept for standby/recovery).
    consumed: bool = True

    @property
    def lag(self) -> int | None:
        if self.highwater is None or not self.consumed:
            return None
        return max(self.highwater - (self.next_offset or 0), 0)


class Observatory:
    """The last ``window_s`` seconds of one worker, in bounded memory.

    Per step: messages in and out per ``bucket_s`` bucket and the lag of its
    source topic; dead letters by reason with the latest examples; the latest
    duplicates; articles per story and per entity over the window.
    """

    def __init__(
        self,
        *,
        window_s: float = 600.0,
        bucket_s: float = 5.0,
        examples: int = 20,
        max_window_items: int = 20_000,
        clock: Callable[[], float] = time.time,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.window_s = window_s
        self.bucket_s = bucket_s
        self.clock = clock
        self.started_at = clock()
        self.sources = dict(sources if sources is not None else {s.name: source_topic(s) for s in STEPS})
        self.worker: dict[str, Any] = {"pid": os.getpid()}
        self.totals_in: Tally[str] = Tally()
        self.totals_out: Tally[str] = Tally()
        self.topics_out: Tally[str] = Tally()
        self.dead_by_reason: Tally[tuple[str, str]] = Tally()
        self.verdicts: Tally[tuple[str, str]] = Tally()
        self._in: dict[str, dict[int, int]] = defaultdict(dict)
        self._out: dict[str, dict[int, int]] = defaultdict(dict)
        self._lag: dict[str, dict[int, int]] = defaultdict(dict)
        self.dead_letters: deque[dict[str, Any]] = deque(maxlen=examples)
        self.duplicates: deque[dict[str, Any]] = deque(maxlen=examples)
        self._entities: deque[tuple[float, str, tuple[tuple[str, str, str], ...]]] = deque(
            maxlen=max_window_items
        )
        self._stories: deque[tuple[float, str, str]] = deque(maxlen=max_window_items)
        self._titles: OrderedDict[str, str] = OrderedDict()
        self._max_titles = 5_000
        self.partitions: list[PartitionPosition] = []
        self.tables: dict[str, int] = {}
        self.graph: dict[str, int] = {"nodes": 0, "edges": 0}
        self.broker: dict[str, Any] = {"up": None, "last_answer": None, "down_since": None}
        # (when, seconds since articles.raw) per output topic, for p50/p99 over the window
        self._latency: dict[str, deque[tuple[float, float]]] = defaultdict(
            lambda: deque(maxlen=LATENCY_SAMPLES)
        )

    # -- feeding -------------------------------------------------------------------------------

    def record(
        self, step: str, emits: Iterable[Emit], now: float | None = None, latency_s: float | None = None
    ) -> None:
        """One input of ``step`` and what it sent; ``latency_s``: how long ago it reached articles.raw."""
        now = self.clock() if now is None else now
        bucket = self._bucket(now)
        self.totals_in[step] += 1
        _bump(self._in[step], bucket)
        for emit in emits:
            self.totals_out[step] += 1
            self.topics_out[emit.topic] += 1
            _bump(self._out[step], bucket)
            self._record_emit(emit, now)
            if latency_s is not None and emit.topic in OUTPUT_TOPICS:
                self._latency[emit.topic].append((now, latency_s))

    def _record_emit(self, emit: Emit, now: float) -> None:
        value = emit.value
        if emit.topic in (CLEAN, ENRICHED):
            article_id, title = _field(value, "article_id"), _field(value, "title")
            if article_id and title:
                self._remember_title(article_id, title)
            if emit.topic == ENRICHED and article_id:
                entities = tuple(
                    (str(_field(e, "key")), str(_field(e, "name")), str(_field(e, "type")))
                    for e in (_field(value, "entities") or [])
                )
                self._entities.append((now, article_id, entities))
        elif emit.topic == DEAD_LETTER:
            stage, reason = str(_field(value, "stage")), str(_field(value, "reason"))
            self.dead_by_reason[(stage, reason)] += 1
            original = _field(value, "original") or ""
            self.dead_letters.appendleft(
                {
                    "at": now,
                    "stage": stage,
                    "reason": reason,
                    "article_id": _field(value, "article_id") or emit.key,
                    "error": str(_field(value, "error") or "")[:300],
                    "excerpt": original[:160] if _field(value, "original_encoding") == "utf-8" else "",
                    "bytes": _field(value, "original_bytes"),
                }
            )
        elif emit.topic == VERDICTS:
            status, kind = str(_field(value, "status")), _field(value, "kind") or "none"
            self.verdicts[(status, kind)] += 1
            story, article_id = _field(value, "story_id"), _field(value, "article_id")
            if story and article_id:
                self._stories.append((now, str(story), str(article_id)))
        elif emit.topic == DUPLICATES:
            article_id, original = _field(value, "article_id"), _field(value, "duplicate_of")
            self.duplicates.appendleft(
                {
                    "at": now,
                    "article_id": article_id,
                    "title": self._titles.get(article_id or ""),
                    "duplicate_of": original,
                    "matched_title": self._titles.get(original or ""),
                    "kind": _field(value, "kind"),
                    "similarity": _field(value, "similarity"),
                    "rule": _field(value, "rule"),
                    "story_id": _field(value, "story_id"),
                }
            )

    def _remember_title(self, article_id: str, title: str) -> None:
        self._titles[article_id] = title[:300]
        self._titles.move_to_end(article_id)
        while len(self._titles) > self._max_titles:
            self._titles.popitem(last=False)

    def record_positions(self, positions: list[PartitionPosition], now: float | None = None) -> None:
        now = self.clock() if now is None else now
        self.partitions = sorted(positions, key=lambda p: (p.topic, p.partition))
        by_topic: Tally[str] = Tally()
        for position in positions:
            by_topic[position.topic] += position.lag or 0
        bucket = self._bucket(now)
        for topic in set(self.sources.values()) | set(by_topic):
            self._lag[topic][bucket] = by_topic.get(topic, 0)

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self, now: float | None = None, top: int = 10) -> dict[str, Any]:
        now = self.clock() if now is None else now
        last = self._bucket(now)
        count = int(self.window_s // self.bucket_s)
        buckets = [last - (count - 1 - i) for i in range(count)]
        self._prune(buckets[0], now)
        lag_now: Tally[str] = Tally()
        for p in self.partitions:
            lag_now[p.topic] += p.lag or 0
        steps = []
        for step, source in self.sources.items():
            ins, outs, lags = self._in.get(step, {}), self._out.get(step, {}), self._lag.get(source, {})
            recent = sum(ins.get(b, 0) for b in buckets[-max(int(60 // self.bucket_s), 1) :])
            steps.append(
                {
                    "step": step,
                    "source": source,
                    "in": self.totals_in[step],
                    "out": self.totals_out[step],
                    "rate_per_s": round(recent / 60.0, 3),
                    "lag": lag_now.get(source, 0),
                    "series_in": [ins.get(b, 0) for b in buckets],
                    "series_out": [outs.get(b, 0) for b in buckets],
                    "series_lag": [lags.get(b) for b in buckets],
                }
            )
        total_verdicts = sum(self.verdicts.values())
        by_kind = {
            k: sum(n for (s, kk), n in self.verdicts.items() if s == "duplicate" and kk == k)
            for k in DUPLICATE_KINDS
        }
        return {
            "worker": {**self.worker, "uptime_s": round(now - self.started_at, 1)},
            "now": now,
            "window_s": self.window_s,
            "bucket_s": self.bucket_s,
            "series_start": buckets[0] * self.bucket_s,
            "steps": steps,
            "topics": dict(sorted(self.topics_out.items())),
            "partitions": [
                {
                    "topic": p.topic,
                    "partition": p.partition,
                    "highwater": p.highwater,
                    "next_offset": p.next_offset,
                    "lag": p.lag,
                }
                for p in self.partitions
            ],
            "dead_letters": {
                "by_reason": [
                    {"stage": stage, "reason": reason, "count": n}
                    for (stage, reason), n in self.dead_by_reason.most_common()
                ],
                "latest": list(self.dead_letters),
            },
            "duplicates": {
                "verdicts": total_verdicts,
                "by_kind": by_kind,
                "ratio": {k: (n / total_verdicts if total_verdicts else 0.0) for k, n in by_kind.items()},
                "latest": [self._with_titles(d) for d in self.duplicates],
            },
            "latency": self._latency_summary(now),
            "lag": self._lag_summary(),
            "top_stories": self._top_stories(top),
            "latest_stories": self._latest_stories(top),
            "top_entities": self._top_entities(top),
            "tables": dict(self.tables),
            "graph": dict(self.graph),
            "broker": dict(self.broker),
        }

    def _with_titles(self, duplicate: dict[str, Any]) -> dict[str, Any]:
        """Titles learnt after the duplicate was recorded fill in the gaps."""
        return {
            **duplicate,
            "title": duplicate["title"] or self._titles.get(duplicate["article_id"] or ""),
            "matched_title": duplicate["matched_title"] or self._titles.get(duplicate["duplicate_of"] or ""),
        }

    def _latency_summary(self, now: float) -> dict[str, dict[str, Any]]:
        """p50 / p99 of articles.raw → output topic over the window, every output topic (None: no message)."""
        summary = {}
        for topic in OUTPUT_TOPICS:
            recent = sorted(s for at, s in self._latency.get(topic, ()) if at >= now - self.window_s)
            summary[topic] = {
                "count": len(recent),
                "p50_ms": _quantile_ms(recent, 0.5),
                "p99_ms": _quantile_ms(recent, 0.99),
            }
        return summary

    def _lag_summary(self) -> list[dict[str, Any]]:
        """Lag per consumed topic: total, the worst partition, how many partitions lag."""
        by_topic: dict[str, list[PartitionPosition]] = defaultdict(list)
        for p in self.partitions:
            if p.consumed:
                by_topic[p.topic].append(p)
        summary = []
        for topic, positions in sorted(by_topic.items()):
            lags = [p.lag or 0 for p in positions]
            summary.append(
                {
                    "topic": topic,
                    "partitions": len(positions),
                    "lagging": sum(1 for lag in lags if lag),
                    "total": sum(lags),
                    "max": max(lags, default=0),
                }
            )
        return sorted(summary, key=lambda row: (-row["total"], row["topic"]))

    def _latest_stories(self, count: int) -> list[dict[str, Any]]:
        """The stories this worker heard of most recently, newest first, with a title and their size."""
        members: dict[str, set[str]] = defaultdict(set)
        latest_story: dict[str, str] = {}
        last_at: dict[str, float] = {}
        for at, story, article_id in self._stories:
            latest_story[article_id] = story
            last_at[story] = at
        for article_id, story in latest_story.items():
            members[story].add(article_id)
        newest = sorted((s for s in members), key=lambda s: (-last_at[s], s))[:count]
        return [
            {
                "story_id": story,
                "articles": len(members[story]),
                "at": last_at[story],
                "title": self._titles.get(story)
                or next((self._titles[i] for i in sorted(members[story]) if i in self._titles), None),
            }
            for story in newest
        ]

    def _top_stories(self, top: int) -> list[dict[str, Any]]:
        members: dict[str, set[str]] = defaultdict(set)
        latest_story: dict[str, str] = {}
        for _, story, article_id in self._stories:
            latest_story[article_id] = story  # a verdict can move an article to another story
        for article_id, story in latest_story.items():
            members[story].add(article_id)
        ranked = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
        return [
            {
                "story_id": story,
                "articles": len(ids),
                "title": self._titles.get(story)
                or next((self._titles[i] for i in sorted(ids) if i in self._titles), None),
            }
            for story, ids in ranked
        ]

    def _top_entities(self, top: int) -> list[dict[str, Any]]:
        latest: dict[str, tuple[tuple[str, str, str], ...]] = {}
        for _, article_id, entities in self._entities:
            latest[article_id] = entities  # a re-delivered article counts once
        counts: Tally[str] = Tally()
        names: dict[str, tuple[str, str]] = {}
        for entities in latest.values():
            for key, name, kind in set(entities):
                counts[key] += 1
                names.setdefault(key, (name, kind))
        return [
            {"key": key, "name": names[key][0], "type": names[key][1], "articles": n}
            for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
        ]

    def _bucket(self, now: float) -> int:
        return int(now // self.bucket_s)

    def _prune(self, first_bucket: int, now: float) -> None:
        for series in (*self._in.values(), *self._out.values(), *self._lag.values()):
            for old in [b for b in series if b < first_bucket]:
                del series[old]
        horizon = now - self.window_s
        while self._entities and self._entities[0][0] < horizon:
            self._entities.popleft()
        while self._stories and self._stories[0][0] < horizon:
            self._stories.popleft()


def _bump(series: dict[int, int], bucket: int) -> None:
    series[bucket] = series.get(bucket, 0) + 1


def _quantile_ms(ordered: list[float], q: float) -> float | None:
    """The ``q`` quantile of sorted seconds, in ms (nearest rank); None for no sample."""
    if not ordered:
        return None
    rank = min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))
    return round(ordered[rank] * 1000, 1)


OBSERVATORY = Observatory()
declare_known_labels()


# --- the two entry points of the Faust layer -----------------------------------------------------


def record_step(
    step: str,
    emits: list[Emit],
    *,
    seconds: float,
    input_timestamp_s: float | None,
    raw_timestamp_s: float | None,
    now: float | None = None,
    observatory: Observatory | None = None,
) -> None:
    """Count one input message of ``step`` and what it emitted."""
    seen = Observation(
        step,
        emits,
        seconds,
        int(input_timestamp_s * 1000) if input_timestamp_s else None,
        int(raw_timestamp_s * 1000) if raw_timestamp_s else None,
    )
    record_batch([seen], now=now, observatory=observatory)


def record_batch(
    observations: Iterable[Observation], *, now: float | None = None, observatory: Observatory | None = None
) -> None:
    """Count every step run of a batch and what it emitted: each counter moved once per batch.

    The end-to-end latency is observed once per output topic and key of each
    raw article in the batch (not for each of the edges an article causes),
    when the batch's outputs are on the broker.
    """
    now = time.time() if now is None else now
    target = observatory or OBSERVATORY
    ins: Tally[str] = Tally()
    outs: Tally[tuple[str, str]] = Tally()
    delivered: set[tuple[str, str | None, int]] = set()
    for seen in observations:
        ins[seen.step] += 1
        _child(STEP_SECONDS, seen.step).observe(seen.seconds)
        if seen.input_timestamp_ms:
            _child(INPUT_AGE, seen.step).observe(max(now - seen.input_timestamp_ms / 1000, 0.0))
        for emit in seen.emits:
            outs[(seen.step, emit.topic)] += 1
            if seen.raw_ts_ms and (emit.topic, emit.key, seen.raw_ts_ms) not in delivered:
                delivered.add((emit.topic, emit.key, seen.raw_ts_ms))
                _child(END_TO_END, emit.topic).observe(max(now - seen.raw_ts_ms / 1000, 0.0))
            if emit.topic == DEAD_LETTER:
                DEAD_LETTERS.labels(_field(emit.value, "stage"), _field(emit.value, "reason")).inc()
            elif emit.topic == VERDICTS:
                VERDICTS_TOTAL.labels(
                    _field(emit.value, "status"), _field(emit.value, "kind") or NO_KIND
                ).inc()
        latency = max(now - seen.raw_ts_ms / 1000, 0.0) if seen.raw_ts_ms else None
        target.record(seen.step, seen.emits, now, latency_s=latency)
    for step, count in ins.items():
        _child(MESSAGES_IN, step).inc(count)
    for (step, topic), count in outs.items():
        _child(MESSAGES_OUT, step, topic).inc(count)
    _update_duplicate_ratio(target)


_CHILDREN: dict[tuple[Any, tuple[str, ...]], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """``metric.labels(*labels)``, looked up once: the lookup costs more than the update."""
    child = _CHILDREN.get((metric, labels))
    if child is None:
        child = _CHILDREN[(metric, labels)] = metric.labels(*labels)
    return child


def _update_duplicate_ratio(observatory: Observatory) -> None:
    total = sum(observatory.verdicts.values())
    for kind in DUPLICATE_KINDS:
        n = observatory.verdicts.get(("duplicate", kind), 0)
        DUPLICATE_RATIO.labels(kind).set(n / total if total else 0.0)


def record_consumer(
    positions: list[PartitionPosition],
    tables: Mapping[str, int],
    graph: tuple[int, int] | None,
    observatory: Observatory | None = None,
) -> None:
    """Lag, assignment, table and graph sizes, as the Faust layer reads them off the worker."""
    CONSUMER_LAG.clear()
    CONSUMER_HIGHWATER.clear()
    PARTITION_ASSIGNED.clear()
    for p in positions:
        labels = (p.topic, str(p.partition))
        PARTITION_ASSIGNED.labels(*labels).set(1)
        if p.highwater is not None:
            CONSUMER_HIGHWATER.labels(*labels).set(p.highwater)
        if p.lag is not None:
            CONSUMER_LAG.labels(*labels).set(p.lag)
    ASSIGNED_PARTITIONS.set(len(positions))
    for name, keys in tables.items():
        TABLE_KEYS.labels(name).set(keys)
    target = observatory or OBSERVATORY
    target.tables = dict(tables)
    if graph is not None:
        GRAPH_NODES.set(graph[0])
        GRAPH_EDGES.set(graph[1])
        target.graph = {"nodes": graph[0], "edges": graph[1]}
    target.record_positions(positions)


def record_broker(up: bool, now: float | None = None, observatory: Observatory | None = None) -> None:
    """The outcome of one broker probe: ``/metrics`` and the dashboard show a stall as it happens."""
    now = time.time() if now is None else now
    broker = (observatory or OBSERVATORY).broker
    BROKER_UP.set(1 if up else 0)
    if up:
        BROKER_LAST_SEEN.set(now)
        broker.update(up=True, last_answer=now, down_since=None)
    else:
        broker.update(up=False, down_since=broker["down_since"] or now)


def raw_timestamp_ms(headers: Any) -> int | None:
    """The ``newsflow-raw-ts`` header of a message (Faust gives a list of pairs or a dict)."""
    if not headers:
        return None
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in pairs:
        if name == RAW_TS_HEADER:
            try:
                return int(value.decode() if isinstance(value, bytes) else value)
            except (TypeError, ValueError):
                return None
    return None
