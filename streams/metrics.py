"""Prometheus metrics of one worker (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter(
    "newsflow_messages_in_total", "Messages a step consumed.", ["step"], registry=REGISTRY
)
MESSAGES_OUT = Counter(
    "newsflow_messages_out_total", "Messages a step emitted, by topic.", ["step", "topic"],
    registry=REGISTRY,
)  # fmt: skip
DEAD_LETTERS = Counter(
    "newsflow_dead_letters_total", "Messages sent to the dead-letter topic.", ["stage", "reason"],
    registry=REGISTRY,
)  # fmt: skip
STEP_SECONDS = Histogram(
    "newsflow_step_seconds", "Time a step spends on one message.", ["step"], registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)  # fmt: skip
TABLE_KEYS = Gauge(
    "newsflow_table_keys", "Keys held in a table on this worker.", ["table"], registry=REGISTRY
)
ASSIGNED_PARTITIONS = Gauge(
    "newsflow_assigned_partitions", "Partitions assigned to this worker.", registry=REGISTRY
)
