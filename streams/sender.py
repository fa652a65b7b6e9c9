"""What a worker sends after each batch: the outputs, then the table changelogs, each waited for once.

Outputs go first: a worker writes a batch's new table state, and lets Faust
acknowledge its input, only once the broker has every output the batch caused.
The other order loses messages on a crash: the worker that takes over restores
the new state, sees the input as already applied, and never sends what the dead
worker had only buffered. Changelog records go next, and the batch is
acknowledged only once the broker has them too, so a committed offset never
points past state the broker does not hold.

Records are appended to one record batch per topic partition and each batch is
handed to the producer whole (``create_batch`` / ``send_batch``): appending a
record costs under a microsecond, where ``send`` costs tens, with a future and a
partitioner call each. Public records are placed by key as the producer's own
partitioner would place them; through-topic items go as one record per
destination partition (``streams.batches``); changelog records on the partition
of the input that changed them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, ProducerClosed

from streams import batches, faust_internals, kafka_io, metrics
from streams.pipeline.runner import Output, Write
from streams.pipeline.steps import (
    DEAD_LETTER,
    INTERNAL_TOPICS,
    PUBLIC_TOPICS,
    Emit,
    dead_letter,
    encode,
)
from streams.settings import Settings

# A through-topic record is cut at this many bytes.
MAX_BATCH_BYTES = 512 * 1024
RESEND_DELAY_S = 1.0
# What a record costs in a request beyond its key and value (headers included).
RECORD_OVERHEAD = 128

log = logging.getLogger("newsflow.sender")


@dataclass
class _Record:
    topic: str  # without the prefix
    partition: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class Sender:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None
        self.partitioner = kafka_io.Partitioner(settings)
        self.max_record_bytes = kafka_io.max_request_bytes(settings) - RECORD_OVERHEAD
        self.starting = asyncio.Lock()

    async def start(self) -> None:
        async with self.starting:
            if self.producer is None:
                producer = kafka_io.producer(self.settings, batched=True)
                await producer.start()
                await self.partitioner.learn(producer, PUBLIC_TOPICS + INTERNAL_TOPICS)
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
        await self._until_sent(agent, self._output_records(agent, outputs), prefixed=False)

    async def write_state(self, agent: str, tables: dict[str, Any], writes: Sequence[Write]) -> None:
        """Apply ``writes`` to the tables' stores, send their changelog records; wait for the broker.

        What a flush changed in one table partition goes as one batch record, or
        a checkpoint of the partition (``streams.changelog``).
        """
        by_partition: dict[tuple[str, int], list[Write]] = defaultdict(list)
        for write in writes:
            faust_internals.write_entry(tables[write.table], write.partition, write.key, write.value)
            by_partition[(write.table, write.partition)].append(write)
        records, table_of = [], {}
        for (name, partition), group in by_partition.items():
            table = tables[name]
            topic = faust_internals.changelog_topic(table)
            table_of[topic] = table
            entries = partial(faust_internals.entries_of_partition, table, partition)
            made = faust_internals.table_log(table).records(partition, group, entries, self.max_record_bytes)
            records += [_Record(topic, partition, key, value) for key, value in made]
        last: dict[tuple[str, int], int] = {}
        for sent in await self._until_sent(agent, records, prefixed=True):
            last[(sent.topic, sent.partition)] = max(last.get((sent.topic, sent.partition), -1), sent.offset)
        for (topic, partition), offset in last.items():
            faust_internals.set_persisted_offset(table_of[topic], topic, partition, offset)

    async def _until_sent(self, agent: str, records: list[_Record], *, prefixed: bool) -> list[_Sent]:
        """Every record on the broker: where each record batch's last record landed."""
        while True:
            if self.producer is None:
                await self.start()
                continue
            try:
                return await self._send(self.producer, records, prefixed)
            except ProducerClosed:
                raise asyncio.CancelledError from None  # shutting down: the batch stays unacked
            except KafkaError as exc:
                log.warning(
                    "agent %s: the broker refused %d records (%r); sending again", agent, len(records), exc
                )
                await asyncio.sleep(RESEND_DELAY_S)

    async def _send(self, producer: AIOKafkaProducer, records: list[_Record], prefixed: bool) -> list[_Sent]:
        """One record batch per topic partition (more when one fills up), each handed over whole."""
        by_partition: dict[tuple[str, int], list[_Record]] = defaultdict(list)
        for record in records:
            by_partition[(record.topic, record.partition)].append(record)
        deliveries = []
        for (topic, partition), group in by_partition.items():
            name = topic if prefixed else self.settings.topic(topic)
            builder = producer.create_batch()
            for record in group:
                if builder.append(timestamp=None, key=record.key, value=record.value, headers=record.headers):
                    continue
                deliveries.append(await self._submit(producer, builder, name, partition))
                builder = producer.create_batch()  # the first record always fits an empty batch
                builder.append(timestamp=None, key=record.key, value=record.value, headers=record.headers)
            deliveries.append(await self._submit(producer, builder, name, partition))
        done = await asyncio.gather(*(future for future, _ in deliveries))
        return [
            _Sent(metadata.topic, metadata.partition, metadata.offset + count - 1)
            for metadata, (_, count) in zip(done, deliveries, strict=True)
        ]

    @staticmethod
    async def _submit(
        producer: AIOKafkaProducer, builder: Any, topic: str, partition: int
    ) -> tuple[Any, int]:
        count = builder.record_count()
        return await producer.send_batch(builder, topic, partition=partition), count

    def _output_records(self, agent: str, outputs: Sequence[Output]) -> list[_Record]:
        records: list[_Record] = []
        grouped: dict[tuple[str, int], list[Output]] = defaultdict(list)
        for output in outputs:
            if output.partition is None:
                records.append(self._public(agent, output.emit, output))
            else:
                grouped[(output.topic, output.partition)].append(output)
        for (topic, partition), entries in grouped.items():
            items = [batches.Item(o.channel, o.key, o.value, o.raw_ts_ms) for o in entries]
            start = 0  # runs are consecutive: each run's outputs are the next ones
            for run in batches.split(items, MAX_BATCH_BYTES):
                records += self._through(agent, topic, partition, entries[start : start + len(run)])
                start += len(run)
        return records

    def _through(self, agent: str, topic: str, partition: int, run: list[Output]) -> list[_Record]:
        items = [batches.Item(o.channel, o.key, o.value, o.raw_ts_ms) for o in run]
        packed = batches.pack(items)
        if len(packed) <= self.max_record_bytes:
            return [_Record(topic, partition, None, packed)]
        if len(run) > 1:  # one at a time, so only an item too large on its own is refused
            return [record for output in run for record in self._through(agent, topic, partition, [output])]
        letter = dead_letter(
            run[0].origin, agent, "output_too_large", f"{run[0].channel}: {len(packed)} bytes"
        )
        return [self._public(agent, letter, run[0])]

    def _public(self, agent: str, emit: Emit, output: Output) -> _Record:
        """A public record, or its input as a dead letter when the producer could not send it."""
        value = output.value if emit is output.emit else encode(emit.value)
        key = emit.key.encode() if emit.key is not None else None
        if len(value) + len(key or b"") > self.max_record_bytes:
            # An output over the request size would be refused whatever happens: the
            # input becomes a dead letter instead (it is at most max_message_bytes,
            # and the request size is twice that: kafka_io.max_request_bytes).
            size = len(value) + len(key or b"")
            emit = dead_letter(
                output.origin, agent, "output_too_large", f"{emit.topic}: {size} bytes", emit.key
            )
            value, key = encode(emit.value), emit.key.encode() if emit.key is not None else None
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
        headers = [(metrics.RAW_TS_HEADER, str(output.raw_ts_ms).encode())] if output.raw_ts_ms else []
        partition = (
            self.partitioner(emit.topic, key)
            if key is not None
            else random.randrange(self.partitioner.count(emit.topic))
        )
        return _Record(emit.topic, partition, key, value, headers)


@dataclass(frozen=True)
class _Sent:
    topic: str
    partition: int
    offset: int  # of the batch's last record
