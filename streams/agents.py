"""One Faust agent per agent of the topology: take a micro-batch, run it, send, write, acknowledge.

An agent reads its topics (``streams.pipeline.steps.AGENTS``) in micro-batches
of up to ``batch_max_records`` records or ``batch_max_wait_ms``. The runner
(``streams.pipeline.runner``) takes every record of the batch, with what it
causes in memory, and keeps each table entry decoded while it lasts; then the
``Sender`` hands every output to the producer and waits for the broker once,
writes each changed entry once (store and changelog, on the input's
partition), and only then does Faust acknowledge the batch. Between records
the agent yields the event loop once it has worked ``YIELD_EVERY_S`` since it
last did, so HTTP requests and heartbeats are served while a batch is worked
through; and outputs leave every ``batch_flush_ms`` of
processing, so a batch of pages needing seconds of NLP does not hold back the
first ones.

Expiry runs inside the stream too: at most every ``expiry_interval_s``, a
partition's table entries go through their table's ``EXPIRY`` function within
a batch of that partition, so deletions go to the right changelog partition.
Time is stream time: the newest ``articles.raw`` timestamp the partition has
seen (carried downstream in a header or a batch item), so a replay of last
year's archive expires by last year's clock, not today's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import TableT

from streams import batches, faust_internals, metrics
from streams.pipeline.runner import Batch, Runner
from streams.pipeline.steps import AGENTS, INTERNAL_TOPICS, RAW, Agent, Message, StepContext
from streams.sender import Sender
from streams.settings import Settings

# A batch whose outputs wait longer than this for the broker says so in the log.
SLOW_SEND_WARNING_S = 10
# An agent hands the event loop over between inputs once it has worked this long since it
# last did. An input costs microseconds (a bucket, an edge) to tens of milliseconds (a page):
# yielding after every one (about 120 per article) cost a loop turn each, 3% of a worker.
YIELD_EVERY_S = 0.002

log = logging.getLogger("newsflow.agents")


def register_agents(app: faust.App, tables: dict[str, TableT], ctx: StepContext, settings: Settings) -> None:
    runner = Runner(ctx)
    sender = Sender(settings)
    app.on_before_shutdown.connect(sender.stop)
    for agent in AGENTS:
        channel = app.topic(
            *(settings.topic(name) for name in agent.sources),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )
        own = {name: tables[name] for name in runner.tables_of(agent.name)}
        worker = AgentWorker(agent, runner, sender, own, settings)
        app.agent(channel, name=agent.name)(worker.consume)


class AgentWorker:
    """The body of one agent: everything between Faust handing over records and acknowledging them."""

    def __init__(
        self, agent: Agent, runner: Runner, sender: Sender, tables: dict[str, Any], settings: Settings
    ):
        self.agent, self.runner, self.sender, self.tables, self.settings = (
            agent,
            runner,
            sender,
            tables,
            settings,
        )
        self.sweeper = Sweeper(tables, settings.expiry_interval_s)

    async def consume(self, stream: faust.StreamT) -> None:
        # Faust hands an agent a ``faust.Stream``: its protocol ``StreamT`` lacks ``noack_take``.
        assert isinstance(stream, faust.Stream)
        max_wait_s = self.settings.batch_max_wait_ms / 1000
        # ``noack_take``: the batch is acknowledged here, once processed, and only then.
        # (``take_events`` acknowledges a batch even when processing it raised, or was
        # cancelled by a shutdown: its outputs would be lost.)
        async for events in stream.noack_take(self.settings.batch_max_records, max_wait_s):
            await self.process(events)
            for event in events:
                await stream.ack(event)

    async def process(self, events: Any) -> None:
        flush_s = self.settings.batch_flush_ms / 1000
        batch = self._new_batch()
        started = time.perf_counter()
        pacer = Pacer(YIELD_EVERY_S)
        for event in events:
            record = event.message
            for channel, message, raw_ts_ms in self._inputs(record, batch):
                batch.feed(channel, message, record.partition, raw_ts_ms)
                self.sweeper.observe(record.partition, raw_ts_ms)
                await pacer.pause()  # HTTP, heartbeats and other agents between records
            if time.perf_counter() - started > flush_s:
                await self._flush(batch)
                batch, started = self._new_batch(), time.perf_counter()
        self.sweeper.sweep_due(batch)
        await self._flush(batch)

    def _new_batch(self) -> Batch:
        return self.runner.batch(self.agent.name, self._read, self.sender.partitioner)

    def _read(self, table: str, key: bytes) -> bytes | None:
        return faust_internals.read_entry(self.tables[table], key)

    def _inputs(self, record: Any, batch: Batch) -> Iterator[tuple[str, Message, int | None]]:
        """The channel, message and raw timestamp of each input a Kafka record holds."""
        topic = record.topic[len(self.settings.topic_prefix) :]
        timestamp_ms = int(record.timestamp * 1000) if record.timestamp else None
        value = record.value or b""
        if topic not in INTERNAL_TOPICS:  # public topics carry one record per message, whatever its bytes
            raw_ts_ms = timestamp_ms if topic == RAW else metrics.raw_timestamp_ms(record.headers)
            yield topic, Message(record.key, value, timestamp_ms), raw_ts_ms
            return
        try:
            items = batches.unpack(value)
        except batches.BatchError as exc:
            batch.reject(
                Message(record.key, value, timestamp_ms), record.partition, topic, "invalid_batch", str(exc)
            )
            return
        for item in items:
            yield item.channel, Message(item.key, item.value, timestamp_ms), item.raw_ts_ms

    async def _flush(self, batch: Batch) -> None:
        slow = asyncio.get_running_loop().call_later(
            SLOW_SEND_WARNING_S,
            log.warning,
            "agent %s: the broker has not taken its %d outputs in %d s",
            self.agent.name,
            len(batch.outputs),
            SLOW_SEND_WARNING_S,
        )
        writes = batch.finish()
        try:
            if batch.outputs:
                await self.sender.deliver(self.agent.name, batch.outputs)
            if writes:
                await self.sender.write_state(self.agent.name, self.tables, writes)
        finally:
            slow.cancel()
        metrics.record_batch(batch.observations)


class Pacer:
    """Yields the event loop when called at least ``every_s`` after it last did (or was made)."""

    def __init__(self, every_s: float, clock: Callable[[], float] = time.perf_counter):
        self.every_s, self.clock = every_s, clock
        self.last = clock()
        self.yields = 0

    async def pause(self) -> None:
        if self.clock() - self.last >= self.every_s:
            await asyncio.sleep(0)
            self.yields += 1
            self.last = self.clock()


class Sweeper:
    """Expires an agent's table entries of a partition, from within that partition's batches.

    A partition is swept at most every ``interval_s``, a slice of at most
    ``SLICE`` entries per batch, so a worker holding a week of articles neither
    stalls a batch nor holds a whole partition decoded at once.
    """

    SLICE = 2000

    def __init__(self, tables: dict[str, Any], interval_s: float):
        self.tables, self.interval_s = tables, interval_s
        self.last_sweep: dict[int, float] = {}
        self.stream_time_ms: dict[int, int] = {}
        # partition -> (stream time of the sweep, the entries still to look at)
        self.sweeping: dict[int, tuple[datetime, list[tuple[str, bytes]]]] = {}

    def observe(self, partition: int, raw_ts_ms: int | None) -> None:
        if raw_ts_ms and raw_ts_ms > self.stream_time_ms.get(partition, 0):
            self.stream_time_ms[partition] = raw_ts_ms

    def sweep_due(self, batch: Batch) -> None:
        """Start the sweeps that are due; sweep, within ``batch``, the next slice of each."""
        now = time.monotonic()
        for partition, stream_ms in self.stream_time_ms.items():
            last = self.last_sweep.get(partition)
            if partition in self.sweeping or (last is not None and now - last < self.interval_s):
                continue
            self.last_sweep[partition] = now
            keys = [
                (name, key)
                for name, table in self.tables.items()
                for key, _ in faust_internals.entries_of_partition(table, partition)
            ]
            self.sweeping[partition] = (datetime.fromtimestamp(stream_ms / 1000, UTC), keys)
        for partition, (stream_now, keys) in list(self.sweeping.items()):
            chunk, rest = keys[: self.SLICE], keys[self.SLICE :]
            for name in {name for name, _ in chunk}:
                table = self.tables[name]
                entries = [
                    (key, value)
                    for n, key in chunk
                    if n == name and (value := faust_internals.read_entry(table, key))
                ]
                batch.expire(name, partition, entries, stream_now)
            if rest:
                self.sweeping[partition] = (stream_now, rest)
            else:
                del self.sweeping[partition]
