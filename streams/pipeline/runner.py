"""The one runner: messages through the topology, for the workers and for ``newsflow process``.

A worker hands a ``Batch`` every message of a micro-batch of one agent;
``newsflow process`` hands it each round of messages. Either way the batch:

* runs each message through the steps of the agent that read its channel, and
  what they emit on through the steps that read it in memory (same agent, and
  stateless or keyed alike), depth first, as Kafka Streams forwards a record
  within a task;
* reads each table entry at most once and keeps it decoded while the batch
  lasts, so an entry that many messages change is decoded, and written, once;
* collects the outputs: records for the public topics, and items for the
  through-topics with the partition their key lives on;
* gives, at the end, each changed entry once, encoded, with the partition of
  the changelog record that must hold it (the partition of the input that
  touched it: the key's own).

Nothing here knows Kafka: the caller says how a key maps to a partition and
where stored entries come from.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from streams.pipeline.steps import (
    AGENTS,
    EXPIRY,
    PUBLIC_TOPICS,
    STEPS,
    THROUGH,
    Emit,
    Message,
    Step,
    StepContext,
    dead_letter,
    encode,
    encode_state,
)

# (through-topic, key) -> partition
PartitionOf = Callable[[str, bytes | None], int]
# (table, key) -> the stored entry, or None
ReadEntry = Callable[[str, bytes], bytes | None]

_READ_BY_SOME_AGENT = frozenset(topic for agent in AGENTS for topic in agent.sources)


class Output(NamedTuple):
    """A record to send: on a public topic (``partition`` None: the producer's partitioner
    places it by key) or an item for a through-topic (its key's partition)."""

    topic: str
    channel: str
    key: bytes | None
    value: bytes
    partition: int | None
    raw_ts_ms: int | None
    origin: Message
    emit: Emit


class Write(NamedTuple):
    """A changed table entry: ``value`` None deletes the key."""

    table: str
    key: bytes
    partition: int
    value: bytes | None


class Observation(NamedTuple):
    """One step run on one message, for the metrics."""

    step: str
    emits: list[Emit]
    seconds: float
    input_timestamp_ms: int | None
    raw_ts_ms: int | None


@dataclass
class _Entry:
    stored: bytes | None
    state: Any
    partition: int


@dataclass
class Batch:
    """One agent's messages, run together; see the module docstring."""

    agent: str
    ctx: StepContext
    consumers: dict[str, list[Step]]
    read: ReadEntry
    partition_of: PartitionOf
    entries: dict[tuple[str, bytes], _Entry] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def feed(self, channel: str, message: Message, partition: int, raw_ts_ms: int | None = None) -> None:
        """Run ``message`` (read from ``channel`` on ``partition``) and everything it causes in memory."""
        for step in self.consumers.get(channel, ()):
            emits = self._run(step, message, partition, raw_ts_ms)
            for emit in emits:
                self._route(emit, message, partition, raw_ts_ms)

    def reject(self, message: Message, partition: int, stage: str, reason: str, error: str) -> None:
        """A message no step can read becomes a dead letter, like any broken input."""
        self._route(dead_letter(message, stage, reason, error), message, partition, None)

    def _run(self, step: Step, message: Message, partition: int, raw_ts_ms: int | None) -> list[Emit]:
        started = time.perf_counter()
        if step.table is None:
            _, emits = step(None, message, self.ctx)
        else:
            entry = self._entry(step.table, message.key or b"", partition)
            entry.state, emits = step(entry.state, message, self.ctx)
        self.observations.append(
            Observation(step.name, emits, time.perf_counter() - started, message.timestamp_ms, raw_ts_ms)
        )
        return emits

    def _entry(self, table: str, key: bytes, partition: int) -> _Entry:
        entry = self.entries.get((table, key))
        if entry is None:
            stored = self.read(table, key)
            entry = _Entry(stored, orjson.loads(stored) if stored is not None else None, partition)
            self.entries[(table, key)] = entry
        return entry

    def _route(self, emit: Emit, origin: Message, partition: int, raw_ts_ms: int | None) -> None:
        """Publish, pass on in memory, or send through a topic: see ``streams.pipeline.steps``."""
        key = emit.key.encode() if emit.key is not None else None
        value = encode(emit.value)
        public = emit.topic in PUBLIC_TOPICS
        if public:
            self.outputs.append(Output(emit.topic, emit.topic, key, value, None, raw_ts_ms, origin, emit))
            if emit.topic in _READ_BY_SOME_AGENT:
                return  # its readers take it from the topic
        consumers = self.consumers.get(emit.topic, ())
        if consumers and (key == origin.key or all(step.table is None for step in consumers)):
            decoded = None if isinstance(emit.value, bytes) else emit.value
            self.feed(emit.topic, Message(key, value, origin.timestamp_ms, decoded), partition, raw_ts_ms)
        elif (topic := THROUGH.get(emit.topic)) is not None:
            target = self.partition_of(topic, key)
            self.outputs.append(Output(topic, emit.topic, key, value, target, raw_ts_ms, origin, emit))
        elif consumers and not public:  # an in-memory channel keyed elsewhere: the topology is wrong
            problem = f"{emit.topic} emitted under key {emit.key!r}, read in memory under {origin.key!r}"
            letter = dead_letter(origin, self.agent, "internal_error", problem)
            self._route(letter, origin, partition, raw_ts_ms)

    def expire(
        self, table: str, partition: int, stored: Iterable[tuple[bytes, bytes]], now: datetime
    ) -> None:
        """Apply the table's expiry to the given entries of ``partition`` (stream time ``now``)."""
        forget = EXPIRY[table]
        for key, value in stored:
            entry = self.entries.get((table, key))
            if entry is None:
                entry = self.entries[(table, key)] = _Entry(value, orjson.loads(value), partition)
            if entry.state is not None:
                entry.state = forget(entry.state, now, self.ctx)

    def writes(self) -> list[Write]:
        """Each changed entry, once: its new encoding, or None to delete it."""
        changed = []
        for (table, key), entry in self.entries.items():
            if entry.state is None:
                if entry.stored is not None:
                    changed.append(Write(table, key, entry.partition, None))
            elif (encoded := encode_state(entry.state)) != entry.stored:
                changed.append(Write(table, key, entry.partition, encoded))
        return changed


class Runner:
    """The topology, ready to run batches of any of its agents."""

    def __init__(self, ctx: StepContext, steps: Iterable[Step] = STEPS):
        self.ctx = ctx
        self.steps = tuple(steps)
        self.consumers: dict[str, dict[str, list[Step]]] = defaultdict(lambda: defaultdict(list))
        for step in self.steps:
            self.consumers[step.agent][step.source].append(step)
        self.tables = tuple(dict.fromkeys(step.table for step in self.steps if step.table))

    def batch(self, agent: str, read: ReadEntry, partition_of: PartitionOf) -> Batch:
        return Batch(agent, self.ctx, self.consumers[agent], read, partition_of)

    def agent_reading(self, channel: str) -> str | None:
        """The agent that takes ``channel`` from a topic (its own, or the through-topic carrying it)."""
        topic = THROUGH.get(channel, channel)
        return next((a.name for a in AGENTS if topic in a.sources and a.name in self.consumers), None)

    def tables_of(self, agent: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.table for s in self.steps if s.agent == agent and s.table))
