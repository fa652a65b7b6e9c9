"""What one worker did, for Prometheus (``/metrics``), and the recorders that count it.

Agents call ``record_batch`` once per batch with each step run's outputs; the
web layer calls ``record_consumer`` every few seconds with the consumer's
positions, the broker probe ``record_broker``. Each feeds the Prometheus
registry (durable: scraped) and the ``Observatory`` of ``streams.stats`` (in
memory: the last minutes, for ``/stats``). Nothing here imports Faust: the
Faust layer hands in plain values, so all of it is unit-tested without a loop
or a broker.

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

import time
import typing
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from streams.pipeline.runner import Observation
from streams.pipeline.steps import DEAD_LETTER, INTERNAL_TOPICS, STEPS, TABLES, VERDICTS, Emit
from streams.records import DEAD_LETTER_REASONS, STEP_FAILURE_REASONS, Verdict
from streams.stats import (
    DUPLICATE_KINDS,
    OBSERVATORY,
    OUTPUT_TOPICS,
    Observatory,
    PartitionPosition,
    field_of,
)

RAW_TS_HEADER = "newsflow-raw-ts"

REGISTRY = CollectorRegistry(auto_describe=True)

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
VERDICT_STATUSES: tuple[str, ...] = get_args(typing.get_type_hints(Verdict)["status"])
NO_KIND = "none"  # the kind label of a unique article's verdict
# Every topic a step sends to: the public outputs (``streams.stats.OUTPUT_TOPICS``) and the internal ones.
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


declare_known_labels()


# --- the recorders the Faust layer calls ---------------------------------------------------------


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
    durations: dict[str, list[float]] = defaultdict(list)
    ages: dict[str, list[float]] = defaultdict(list)
    latencies: dict[str, list[float]] = defaultdict(list)
    for seen in observations:
        ins[seen.step] += 1
        durations[seen.step].append(seen.seconds)
        if seen.input_timestamp_ms:
            ages[seen.step].append(max(now - seen.input_timestamp_ms / 1000, 0.0))
        for emit in seen.emits:
            outs[(seen.step, emit.topic)] += 1
            if seen.raw_ts_ms and (emit.topic, emit.key, seen.raw_ts_ms) not in delivered:
                delivered.add((emit.topic, emit.key, seen.raw_ts_ms))
                latencies[emit.topic].append(max(now - seen.raw_ts_ms / 1000, 0.0))
            if emit.topic == DEAD_LETTER:
                DEAD_LETTERS.labels(field_of(emit.value, "stage"), field_of(emit.value, "reason")).inc()
            elif emit.topic == VERDICTS:
                VERDICTS_TOTAL.labels(
                    field_of(emit.value, "status"), field_of(emit.value, "kind") or NO_KIND
                ).inc()
        latency = max(now - seen.raw_ts_ms / 1000, 0.0) if seen.raw_ts_ms else None
        target.record(seen.step, seen.emits, now, latency_s=latency)
    from streams.faust_internals import observe_all  # the worker's layer of library internals

    for histogram, by_label in ((STEP_SECONDS, durations), (INPUT_AGE, ages), (END_TO_END, latencies)):
        for label, amounts in by_label.items():
            observe_all(_child(histogram, label), amounts)
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
        broker.update({"up": True, "last_answer": now, "down_since": None})
    else:
        broker.update({"up": False, "down_since": broker["down_since"] or now})


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
