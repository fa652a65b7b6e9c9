"""The one runner: messages through the topology, for the workers and for ``newsflow process``.

A worker hands a ``Batch`` every message of a micro-batch of one agent;
``newsflow process`` hands it each round of messages. Either way the batch:

* runs each message through the steps of the agent that read its channel, and
  what they emit on through the steps that read it in memory (same agent, and
  stateless or keyed onto the partition being processed), in the order it
  was emitted, as Kafka Streams forwards a record within a task;
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
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from streams.pipeline.steps import (
    AGENTS,
    EXPIRY,
    LOG_ORDERED,
    PUBLIC_TOPICS,
    STEPS,
    TABLE_FLUSH,
    THROUGH,
    WHOLE_ON_REDELIVERY,
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
    """A changed table entry: ``value`` None deletes the key.

    ``before`` and ``state``: the entry decoded as it was read and as it is now,
    from which a changelog can take only what changed (``streams.changelog``).
    """

    table: str
    key: bytes
    partition: int
    value: bytes | None
    before: Any = None
    state: Any = None


class Readers(NamedTuple):
    """What the steps reading a channel in one agent do with state."""

    read_state: bool
    write_state: bool


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
    initial: Any = None  # the state as read (steps never change a state in place)
    origin: Message | None = None  # the last message that changed it, and its raw timestamp
    raw_ts_ms: int | None = None


@dataclass
class Batch:
    """One agent's messages, run together; see the module docstring."""

    agent: str
    ctx: StepContext
    consumers: dict[str, list[Step]]
    readers: dict[str, Readers]  # who may be passed each channel in memory
    read: ReadEntry
    partition_of: PartitionOf
    home: str  # a topic of the agent: partitioned as its state
    entries: dict[tuple[str, bytes], _Entry] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def feed(self, channel: str, message: Message, partition: int, raw_ts_ms: int | None = None) -> None:
        """Run ``message`` (read from ``channel`` on ``partition``) and everything it causes in memory."""
        work = deque([(channel, message)])
        stateful = channel in WHOLE_ON_REDELIVERY  # may stateful steps be passed messages in memory?
        while work:
            channel, message = work.popleft()
            for step in self.consumers.get(channel, ()):
                for emit in self._run(step, message, partition, raw_ts_ms):
                    self._route(emit, message, partition, raw_ts_ms, work, stateful)

    def reject(self, message: Message, partition: int, stage: str, reason: str, error: str) -> None:
        """A message no step can read becomes a dead letter, like any broken input."""
        self._route(dead_letter(message, stage, reason, error), message, partition, None, None, False)

    def _run(self, step: Step, message: Message, partition: int, raw_ts_ms: int | None) -> list[Emit]:
        started = time.perf_counter()
        if step.table is None:
            _, emits = step(None, message, self.ctx)
        else:
            entry = self._entry(step.table, message.key or b"", partition)
            state, emits = step(entry.state, message, self.ctx)
            if not step.read_only:
                entry.state, entry.origin, entry.raw_ts_ms = state, message, raw_ts_ms
        self.observations.append(
            Observation(step.name, emits, time.perf_counter() - started, message.timestamp_ms, raw_ts_ms)
        )
        return emits

    def _entry(self, table: str, key: bytes, partition: int) -> _Entry:
        entry = self.entries.get((table, key))
        if entry is None:
            stored = self.read(table, key)
            state = orjson.loads(stored) if stored is not None else None
            entry = self.entries[(table, key)] = _Entry(stored, state, partition, state)
        return entry

    def _route(
        self,
        emit: Emit,
        origin: Message,
        partition: int,
        raw_ts_ms: int | None,
        work: deque[tuple[str, Message]] | None,
        stateful: bool,
    ) -> None:
        """Publish, pass on in memory (onto ``work``), or send through a topic (``steps``)."""
        key = emit.key.encode() if emit.key is not None else None
        value = encode(emit.value)
        public = emit.topic in PUBLIC_TOPICS
        if public:
            self.outputs.append(Output(emit.topic, emit.topic, key, value, None, raw_ts_ms, origin, emit))
        readers = self.readers.get(emit.topic)
        through = THROUGH.get(emit.topic)
        here = readers is not None and (
            not readers.read_state
            or (stateful or not readers.write_state)
            and self.partition_of(through or self.home, key) == partition
        )
        if here and work is not None:
            decoded = None if isinstance(emit.value, bytes) else emit.value
            work.append((emit.topic, Message(key, value, origin.timestamp_ms, decoded)))
        elif through is not None:
            target = self.partition_of(through, key)
            self.outputs.append(Output(through, emit.topic, key, value, target, raw_ts_ms, origin, emit))
        elif readers is not None and not public:  # an in-memory channel keyed elsewhere: a topology bug
            problem = f"{emit.topic} emitted under key {emit.key!r}, read in memory under {origin.key!r}"
            letter = dead_letter(origin, self.agent, "internal_error", problem)
            self._route(letter, origin, partition, raw_ts_ms, None, False)

    def expire(
        self, table: str, partition: int, stored: Iterable[tuple[bytes, bytes]], now: datetime
    ) -> None:
        """Apply the table's expiry to the given entries of ``partition`` (stream time ``now``).

        Only the entries that lose something stay in the batch: a sweep passes
        every entry of a partition, and most of them keep all they have.
        """
        forget = EXPIRY[table]
        for key, value in stored:
            entry = self.entries.get((table, key))
            if entry is None:
                state = orjson.loads(value)
                kept = forget(state, now, self.ctx)
                if kept == state:
                    continue
                entry = self.entries[(table, key)] = _Entry(value, state, partition, state)
                entry.state, entry.origin = kept, Message(key, value, None)
            elif entry.state is not None:
                entry.state = forget(entry.state, now, self.ctx)

    def finish(self) -> list[Write]:
        """Publish what the changed entries of flushed tables say (``TABLE_FLUSH``); then
        each changed entry, once: its new encoding, or None to delete it."""
        for (table, key), entry in self.entries.items():
            if table in TABLE_FLUSH and entry.state is not entry.initial and entry.origin is not None:
                step, flush = TABLE_FLUSH[table]
                started = time.perf_counter()
                emits = flush(key.decode(), entry.initial, entry.state)
                for emit in emits:
                    self._route(emit, entry.origin, entry.partition, entry.raw_ts_ms, None, False)
                seconds = time.perf_counter() - started
                self.observations.append(
                    Observation(step, emits, seconds, entry.origin.timestamp_ms, entry.raw_ts_ms)
                )
        return self.writes()

    def writes(self) -> list[Write]:
        """Each changed entry, once: its new encoding, or None to delete it."""
        changed = []
        for (table, key), entry in self.entries.items():
            if entry.state is None:
                if entry.stored is not None:
                    changed.append(Write(table, key, entry.partition, None))
            elif (encoded := encode_state(entry.state)) != entry.stored:
                changed.append(Write(table, key, entry.partition, encoded, entry.initial, entry.state))
        return changed


class Runner:
    """The topology, ready to run batches of any of its agents."""

    def __init__(self, ctx: StepContext, steps: Iterable[Step] = STEPS):
        self.ctx = ctx
        self.steps = tuple(steps)
        self.consumers: dict[str, dict[str, list[Step]]] = defaultdict(lambda: defaultdict(list))
        for step in self.steps:
            self.consumers[step.agent][step.source].append(step)
        self.readers = {
            agent: {
                channel: Readers(
                    read_state=any(step.table for step in steps),
                    write_state=any(step.table and not step.read_only for step in steps),
                )
                for channel, steps in by_channel.items()
                if channel not in LOG_ORDERED
            }
            for agent, by_channel in self.consumers.items()
        }
        self.tables = tuple(dict.fromkeys(step.table for step in self.steps if step.table))
        self.read_topics = frozenset(topic for agent in AGENTS for topic in agent.sources)

    def batch(self, agent: str, read: ReadEntry, partition_of: PartitionOf) -> Batch:
        home = next(a for a in AGENTS if a.name == agent).sources[-1]
        return Batch(
            agent, self.ctx, self.consumers[agent], self.readers.get(agent, {}), read, partition_of, home
        )

    def agent_reading(self, channel: str) -> str | None:
        """The agent that takes ``channel`` from a topic (its own, or the through-topic carrying it)."""
        topic = THROUGH.get(channel, channel)
        return next((a.name for a in AGENTS if topic in a.sources and a.name in self.consumers), None)

    def tables_of(self, agent: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.table for s in self.steps if s.agent == agent and s.table))
