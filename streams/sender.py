"""What a worker sends after each batch: the outputs, then the table changelogs, each waited for once.

Outputs go first: a worker writes a batch's new table state, and lets Faust
acknowledge its input, only once the broker has every output the batch caused.
The other order loses messages on a crash: the worker that takes over restores
the new state, sees the input as already applied, and never sends what the dead
worker had only buffered. Changelog records go next, and the batch is
acknowledged only once the broker has them too, so a committed offset never
points past state the broker does not hold.

Both go through one producer that packs records into batches: public records
one by one (keyed, the producer's partitioner places them), through-topic items
as one record per destination partition (``streams.batches``), changelog
records on the partition of the input that changed them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError, ProducerClosed

from streams import batches, kafka_io, metrics
from streams.pipeline.runner import Output, Write
from streams.pipeline.steps import DEAD_LETTER, INTERNAL_TOPICS, Emit, dead_letter, encode
from streams.settings import Settings

# A through-topic record is cut at this many bytes.
MAX_BATCH_BYTES = 512 * 1024
RESEND_DELAY_S = 1.0

log = logging.getLogger("newsflow.sender")


class Sender:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None
        self.partitioner = kafka_io.Partitioner(settings)
        self.starting = asyncio.Lock()

    async def start(self) -> None:
        async with self.starting:
            if self.producer is None:
                producer = kafka_io.producer(self.settings, batched=True)
                await producer.start()
                await self.partitioner.learn(producer, INTERNAL_TOPICS)
                self.producer = producer

    async def stop(self, *args: Any, **kwargs: Any) -> None:
        if self.producer is not None:
            await self.producer.stop()  # sends what is buffered first
            self.producer = None

    async def deliver(self, agent: str, outputs: Sequence[Output]) -> None:
        """Send ``outputs`` until the broker has them all; a failed round is sent again whole.

        Raising would crash the agent and Faust would ack the input unprocessed.
        Sending twice is harmless: outputs are keyed and every table update is idempotent.
        """
        await self._until_sent(
            agent, lambda producer: self._send_outputs(agent, producer, outputs), len(outputs)
        )

    async def write_state(self, agent: str, tables: dict[str, Any], writes: Sequence[Write]) -> None:
        """Apply ``writes`` to the tables' stores and send their changelog records; wait for the broker."""
        for write in writes:
            kafka_io.write_entry(tables[write.table], write.partition, write.key, write.value)

        async def send(producer: AIOKafkaProducer) -> list[Awaitable[Any]]:
            return [
                await producer.send(
                    kafka_io.changelog_topic(tables[w.table]), w.value, key=w.key, partition=w.partition
                )
                for w in writes
            ]

        results = await self._until_sent(agent, send, len(writes))
        persisted: dict[tuple[str, str, int], int] = {}
        for write, metadata in zip(writes, results, strict=True):
            where = (write.table, metadata.topic, metadata.partition)
            persisted[where] = max(persisted.get(where, -1), metadata.offset)
        for (table, topic, partition), offset in persisted.items():
            kafka_io.set_persisted_offset(tables[table], topic, partition, offset)

    async def _until_sent(self, agent: str, send: Any, count: int) -> list[Any]:
        while True:
            producer = self.producer
            if producer is None:
                await self.start()
                continue
            try:
                return list(await asyncio.gather(*await send(producer)))
            except ProducerClosed:
                raise asyncio.CancelledError from None  # shutting down: the batch stays unacked
            except KafkaError as exc:
                log.warning("agent %s: the broker refused %d records (%r); sending again", agent, count, exc)
                await asyncio.sleep(RESEND_DELAY_S)

    async def _send_outputs(
        self, agent: str, producer: AIOKafkaProducer, outputs: Sequence[Output]
    ) -> list[Awaitable[Any]]:
        deliveries: list[Awaitable[Any]] = []
        grouped: dict[tuple[str, int], list[Output]] = defaultdict(list)
        for output in outputs:
            if output.partition is None:
                deliveries.append(await self._send_one(agent, producer, output.emit, output))
            else:
                grouped[(output.topic, output.partition)].append(output)
        for (topic, partition), entries in grouped.items():
            items = [batches.Item(o.channel, o.key, o.value, o.raw_ts_ms) for o in entries]
            start = 0  # runs are consecutive: each run's outputs are the next ones
            for run in batches.split(items, MAX_BATCH_BYTES):
                deliveries += await self._send_run(
                    agent, producer, topic, partition, entries[start : start + len(run)]
                )
                start += len(run)
        return deliveries

    async def _send_run(
        self, agent: str, producer: AIOKafkaProducer, topic: str, partition: int, run: list[Output]
    ) -> list[Awaitable[Any]]:
        items = [batches.Item(o.channel, o.key, o.value, o.raw_ts_ms) for o in run]
        try:
            return [await producer.send(self.settings.topic(topic), batches.pack(items), partition=partition)]
        except MessageSizeTooLargeError as exc:
            if len(run) > 1:  # one at a time, so only an item too large on its own is refused
                sent = []
                for output in run:
                    sent += await self._send_run(agent, producer, topic, partition, [output])
                return sent
            letter = dead_letter(run[0].origin, agent, "output_too_large", f"{run[0].channel}: {exc}")
            return [await self._send_one(agent, producer, letter, run[0])]

    async def _send_one(
        self, agent: str, producer: AIOKafkaProducer, emit: Emit, output: Output
    ) -> Awaitable[Any]:
        key = emit.key.encode() if emit.key is not None else None
        raw_ts_ms = output.raw_ts_ms
        headers = [(metrics.RAW_TS_HEADER, str(raw_ts_ms).encode())] if raw_ts_ms else None
        value = output.value if emit is output.emit else encode(emit.value)
        try:
            delivery = await producer.send(self.settings.topic(emit.topic), value, key=key, headers=headers)
        except MessageSizeTooLargeError as exc:
            # The producer refuses an output over its request size at send(): raised here
            # it would crash the agent, and Faust would ack the input, so it would be lost.
            # The input becomes a dead letter instead (it is at most max_message_bytes,
            # and the request size is twice that: app.py).
            emit = dead_letter(output.origin, agent, "output_too_large", f"{emit.topic}: {exc}", emit.key)
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
