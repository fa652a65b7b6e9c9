"""One Faust agent per pipeline step: read, call the step, send.

Agents hold no logic. ``Step.__call__`` never raises (failures come back as
dead letters), so no message is acked without an output: Faust acks a message
whose agent raised and never processes it again.

What one input causes on a through-topic goes out as one batch per destination
partition (``streams.batches``); the agent that owns the partition applies the
items in order, keeps each key's state in memory meanwhile and writes every
changed key once. A stateful agent writes its table only after the broker has
everything the input caused: the other order loses messages on a crash, as the
worker that takes over restores the new state, sees the input as already
applied, and never sends what the dead worker had only buffered.

Expiry runs inside the stream too: at most every ``expiry_interval_s``, the
message of a partition also sweeps that partition's table entries through the
table's ``EXPIRY`` function, so deletions go to the right changelog partition.
Time is stream time: the newest ``articles.raw`` timestamp the partition has
seen (carried downstream in a header or a batch item), so a replay of last
year's archive expires by last year's clock, not today's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError, ProducerClosed

from streams import batches, kafka_io, metrics
from streams.pipeline.steps import (
    DEAD_LETTER,
    EXPIRY,
    INTERNAL_TOPICS,
    RAW,
    STEPS,
    Emit,
    Message,
    Step,
    StepContext,
    dead_letter,
    encode,
    encode_state,
)
from streams.settings import Settings

# A batch is cut at this many bytes (values are small: ids, refs, shingle sketches).
MAX_BATCH_BYTES = 512 * 1024
# An input whose outputs wait longer than this for the broker says so in the log.
SLOW_SEND_WARNING_S = 10
RESEND_DELAY_S = 1.0

log = logging.getLogger("newsflow.agents")


def register_agents(
    app: faust.App,
    topics: dict[str, faust.TopicT],
    tables: dict[str, faust.Table],
    ctx: StepContext,
    settings: Settings,
) -> None:
    sender = Sender(app, settings)
    for step in STEPS:
        table = tables[step.table] if step.table else None
        sweeper = (
            _Sweeper(app, table, step.table, ctx, settings.expiry_interval_s)
            if table is not None and step.table in EXPIRY
            else None
        )
        app.agent(topics[step.source], name=step.name)(_agent_for(step, sender, table, ctx, sweeper))


def _agent_for(
    step: Step,
    sender: Sender,
    table: faust.Table | None,
    ctx: StepContext,
    sweeper: _Sweeper | None,
) -> Any:
    async def agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message = event.message
            raw_ts_ms = _raw_timestamp_ms(step, message)
            if step.source in INTERNAL_TOPICS:
                items = batches.unpack(message.value or b"", message.key, raw_ts_ms)
            else:  # public topics carry one record per message, whatever its bytes
                items = [batches.Item(message.key, message.value or b"", raw_ts_ms)]
            if sweeper is not None:
                newest = max((item.raw_ts_ms or 0 for item in items), default=0)
                sweeper.maybe_sweep(message.topic, message.partition, newest / 1000)
            stored: dict[bytes, bytes | None] = {}  # each key's entry before this message
            states: dict[bytes, Any] = {}  # and after each item so far
            outputs: list[tuple[Emit, int | None, Message]] = []
            for item in items:
                started = time.perf_counter()
                key = item.key if item.key is not None else b""
                if table is not None and key not in states:
                    stored[key] = table.get(key)
                    states[key] = _decode_state(stored[key])
                input_message = Message(item.key, item.value, int(message.timestamp * 1000))
                new_state, emits = step(states.get(key), input_message, ctx)
                if table is not None:
                    states[key] = new_state
                outputs += [(emit, item.raw_ts_ms, input_message) for emit in emits]
                metrics.observe_step(
                    step.name,
                    emits,
                    seconds=time.perf_counter() - started,
                    input_timestamp_s=message.timestamp,
                    raw_timestamp_s=item.raw_ts_ms / 1000 if item.raw_ts_ms else None,
                )
            slow = asyncio.get_running_loop().call_later(
                SLOW_SEND_WARNING_S,
                log.warning,
                "step %s: the broker has not taken its %d outputs in %d s",
                step.name,
                len(outputs),
                SLOW_SEND_WARNING_S,
            )
            # Faust acks the input once this body returns: its outputs must be on the broker by then.
            await sender.deliver(step, outputs)
            if table is not None:
                for key, new_state in states.items():
                    _write_state(table, key, stored[key], new_state)
            slow.cancel()

    agent.__name__ = agent.__qualname__ = f"{step.name.replace('-', '_')}_agent"
    return agent


class Sender:
    """Sends a step's outputs: one by one on public topics, batched by partition on through-topics.

    Outputs go through a producer of their own that packs records into batches:
    Faust's producer, which writes the table changelogs, sends one record per
    batch on Tansu (see ``faust_config``), and then a second record to the same
    partition waits a round trip for the first.
    """

    def __init__(self, app: faust.App, settings: Settings):
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None
        self.starting = asyncio.Lock()
        self.known: set[str] = set()  # topics whose partitions the producer knows
        app.on_before_shutdown.connect(self._stop)

    async def deliver(self, step: Step, outputs: list[tuple[Emit, int | None, Message]]) -> None:
        """Send ``outputs`` until the broker has them all; a failed round is sent again whole.

        Raising would crash the agent and Faust would ack the input unprocessed. Sending
        twice is harmless: outputs are keyed and every table update is idempotent.
        """
        while True:
            try:
                await asyncio.gather(*await self.send(step, outputs))
                return
            except ProducerClosed:
                raise asyncio.CancelledError from None  # shutting down: the input stays unacked
            except KafkaError as exc:
                log.warning(
                    "step %s: the broker refused %d outputs (%r); sending again", step.name, len(outputs), exc
                )
                await asyncio.sleep(RESEND_DELAY_S)

    async def send(self, step: Step, outputs: list[tuple[Emit, int | None, Message]]) -> list[Awaitable[Any]]:
        """Hand every output to the producer; the futures resolve once the broker has them."""
        producer = self.producer or await self._start()
        deliveries: list[Awaitable[Any]] = []
        grouped: dict[tuple[str, int], list[tuple[batches.Item, Message]]] = defaultdict(list)
        for emit, raw_ts_ms, origin in outputs:
            key = emit.key.encode() if emit.key is not None else None
            if emit.topic in INTERNAL_TOPICS:
                partition = await self._partition(producer, emit.topic, key)
                item = batches.Item(key, encode(emit.value), raw_ts_ms)
                grouped[(emit.topic, partition)].append((item, origin))
                continue
            deliveries.append(await self._send_one(producer, step, emit, key, raw_ts_ms, origin))
        for (topic, partition), entries in grouped.items():
            start = 0  # runs are consecutive: each run's origins are the next ones
            for run in batches.split([item for item, _ in entries], MAX_BATCH_BYTES):
                origins = [origin for _, origin in entries[start : start + len(run)]]
                start += len(run)
                deliveries += await self._send_run(producer, step, topic, partition, run, origins)
        return deliveries

    async def _send_run(
        self,
        producer: AIOKafkaProducer,
        step: Step,
        topic: str,
        partition: int,
        run: list[batches.Item],
        origins: list[Message],
    ) -> list[Awaitable[Any]]:
        try:
            return [await producer.send(self.settings.topic(topic), batches.pack(run), partition=partition)]
        except MessageSizeTooLargeError as exc:
            if len(run) > 1:  # one at a time, so only an item too large on its own is refused
                sent = []
                for item, origin in zip(run, origins, strict=True):
                    sent += await self._send_run(producer, step, topic, partition, [item], [origin])
                return sent
            origin = origins[0]
            emit = dead_letter(origin, step.name, "output_too_large", f"{topic}: {exc}")
            key = emit.key.encode() if emit.key is not None else None
            return [await self._send_one(producer, step, emit, key, run[0].raw_ts_ms, origin)]

    async def _send_one(
        self,
        producer: AIOKafkaProducer,
        step: Step,
        emit: Emit,
        key: bytes | None,
        raw_ts_ms: int | None,
        origin: Message,
    ) -> Awaitable[Any]:
        headers = [(metrics.RAW_TS_HEADER, str(raw_ts_ms).encode())] if raw_ts_ms else None
        try:
            delivery = await producer.send(
                self.settings.topic(emit.topic), encode(emit.value), key=key, headers=headers
            )
        except MessageSizeTooLargeError as exc:
            # The producer refuses an output over its request size at send(): raised
            # here it would crash the agent, and Faust acks the input, so it would be
            # lost. The input becomes a dead letter instead (it is at most
            # max_message_bytes, and the request size is twice that: app.py).
            emit = dead_letter(origin, step.name, "output_too_large", f"{emit.topic}: {exc}", emit.key)
            key = emit.key.encode() if emit.key is not None else None
            delivery = await producer.send(
                self.settings.topic(DEAD_LETTER), encode(emit.value), key=key, headers=headers
            )
        if emit.topic == DEAD_LETTER:
            log.warning(
                "dead letter: stage=%s reason=%s article_id=%s key=%s",
                emit.value.stage,
                emit.value.reason,
                emit.value.article_id,
                emit.key,
                extra={
                    "stage": emit.value.stage,
                    "reason": emit.value.reason,
                    "article_id": emit.value.article_id,
                    "key": emit.key,
                },
            )
        return delivery

    async def _partition(self, producer: AIOKafkaProducer, topic: str, key: bytes | None) -> int:
        """The partition Faust and the tables use for ``key`` (both hash it with murmur2)."""
        name = self.settings.topic(topic)
        if name not in self.known:
            await producer.client._wait_on_metadata(name)
            self.known.add(name)
        return producer._partition(name, None, None, None, key or b"", None)

    async def _start(self) -> AIOKafkaProducer:
        async with self.starting:
            if self.producer is None:
                producer = kafka_io.producer(self.settings, batched=True)
                await producer.start()
                self.producer = producer
        return self.producer

    async def _stop(self, *args: Any, **kwargs: Any) -> None:
        if self.producer is not None:
            await self.producer.stop()  # sends what is buffered first
            self.producer = None


def _raw_timestamp_ms(step: Step, message: Any) -> int | None:
    """When the article reached ``articles.raw``: its own timestamp there, a header after."""
    if step.source == RAW:
        return int(message.timestamp * 1000) if message.timestamp else None
    return metrics.raw_timestamp_ms(message.headers)


def _write_state(table: faust.Table, key: bytes, stored: bytes | None, new_state: Any) -> None:
    if new_state is None:  # a stateful step returns None to forget the key
        if stored is not None:
            del table[key]
    elif (encoded := encode_state(new_state)) != stored:
        table[key] = encoded


def _decode_state(stored: bytes | None) -> Any:
    return orjson.loads(stored) if stored is not None else None


class _Sweeper:
    """Expires one table's entries of a partition, from within that partition's stream."""

    def __init__(self, app: faust.App, table: faust.Table, name: str, ctx: StepContext, interval_s: float):
        self.app, self.table, self.ctx, self.interval_s = app, table, ctx, interval_s
        self.expire = EXPIRY[name]
        self.last_sweep: dict[int, float] = {}
        self.stream_time: dict[int, float] = {}
        # Each key's partition, hashed once: the hash is pure Python and a sweep of
        # each partition walks every key the worker holds.
        self.partition_of: dict[bytes, int] = {}

    def maybe_sweep(self, topic: str, partition: int, timestamp_s: float) -> None:
        self.stream_time[partition] = max(self.stream_time.get(partition, 0.0), timestamp_s or 0.0)
        now = time.monotonic()
        if now - self.last_sweep.get(partition, 0.0) < self.interval_s or not self.stream_time[partition]:
            return
        self.last_sweep[partition] = now
        stream_now = datetime.fromtimestamp(self.stream_time[partition], UTC)
        known, self.partition_of = self.partition_of, {}  # keys deleted since are dropped
        for key, stored in list(self.table.items()):
            if (owner := known.get(key)) is None:
                owner = self.app.producer.key_partition(topic, key).partition
            if owner == partition:  # another partition's entries are swept by its own stream
                kept = self.expire(orjson.loads(stored), stream_now, self.ctx)
                _write_state(self.table, key, stored, kept)
                if kept is None:
                    continue
            self.partition_of[key] = owner
