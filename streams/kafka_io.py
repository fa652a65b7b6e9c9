"""Every Kafka client newsflow creates: producers, consumers, admin clients, and partitioning.

The workers consume through Faust (agents, tables, recovery); everything else
reaches Kafka here: the workers' sender (``streams.sender``) sends their outputs
and table changelogs through ``producer``, table recovery on the embedded
broker reads changelog ends with ``true_end_offsets``, and the commands
(``ingest``, ``tail``, ``run``'s topic checks and summary), the bench and the
tests use the plain clients. The private Faust and aiokafka internals newsflow
touches are in ``streams.faust_internals``. Checked against aiokafka 0.14.0.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import murmur2
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.errors import EXIT_UNREACHABLE, EXIT_USAGE, NewsflowError
from streams.pipeline.steps import INTERNAL_TOPICS, PUBLIC_TOPICS
from streams.security import client_options
from streams.settings import Settings
from streams.topics import COMPACTED


class BrokerUnreachable(NewsflowError, RuntimeError):
    """No broker answered at the configured address."""

    exit_code = EXIT_UNREACHABLE
    http_status = 503


def _servers(settings: Settings) -> list[str]:
    return settings.broker.split(",")


@contextlib.asynccontextmanager
async def _admin(settings: Settings) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=_servers(settings), request_timeout_ms=10_000, **client_options(settings)
    )
    try:
        await admin.start()
    except Exception as exc:
        raise BrokerUnreachable(f"no Kafka broker at {settings.broker}: {exc}") from exc
    try:
        yield admin
    finally:
        await admin.close()


async def ensure_topics(settings: Settings) -> None:
    """Create every newsflow topic that is missing, with the configured partitions."""
    async with _admin(settings) as admin:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                settings.topic(name),
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={"cleanup.policy": "compact"} if name in COMPACTED else {},
            )
            for name in PUBLIC_TOPICS + INTERNAL_TOPICS
            if settings.topic(name) not in existing
        ]
        if missing:
            # another process may create them meanwhile
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)


async def check_copartitioned(settings: Settings) -> None:
    """Every topic newsflow reads must have as many partitions as the others.

    A worker passes an article from its raw page to its catalog and dedup node in
    memory when its id hashes to the partition the page came in on, and each table
    keeps its entries on the partitions of its inputs: both need one partition count.
    """
    async with _admin(settings) as admin:
        names = [settings.topic(name) for name in PUBLIC_TOPICS + INTERNAL_TOPICS]
        described = await admin.describe_topics(names)
    counts = {d["topic"]: len(d["partitions"]) for d in described if d.get("partitions")}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{topic} {count}" for topic, count in sorted(counts.items()))
        raise TopicMismatch(
            f"newsflow's topics must all have the same number of partitions ({listed}); "
            "create them with NEWSFLOW_PARTITIONS, or add partitions to the smaller ones"
        )


class TopicMismatch(NewsflowError, RuntimeError):
    """Topics newsflow reads are partitioned differently."""

    exit_code = EXIT_USAGE


def max_request_bytes(settings: Settings) -> int:
    """What one produce request may carry: room for any output of a page that passed the door."""
    return max(2 * settings.max_message_bytes, 1_048_576)


def producer(settings: Settings, *, batched: bool | None = None) -> AIOKafkaProducer:
    """A producer for newsflow's topics and, in the workers, the tables' changelogs.

    Tansu answers ListOffsets wrongly for multi-record batches (DESIGN.md), so by
    default a producer sends one record per batch there. The workers' producer
    takes ``batched=True``: a consumer's fetch high watermark stays right, table
    recovery finds a changelog's end by fetching
    (``faust_internals.recover_tables_exactly``), and
    batches are what lets a producer send more than one record per partition per
    round trip.
    """
    batched = not settings.tansu_compat if batched is None else batched
    return AIOKafkaProducer(
        bootstrap_servers=_servers(settings),
        acks="all",
        max_request_size=max_request_bytes(settings),
        # Under Kafka's default message.max.bytes (1 MiB), which bounds a record batch.
        max_batch_size=1_000_000 if batched else 1,
        **client_options(settings),
    )


async def publish(
    settings: Settings,
    topic: str,
    messages: Iterable[tuple[bytes | None, bytes]],
    on_sent: Callable[[int], None] | None = None,
    timestamp_ms: int | None = None,
) -> int:
    """Send ``(key, value)`` pairs to ``topic`` (name without prefix); returns the count.

    ``timestamp_ms`` stamps every message (default: the time of sending); it is
    the ``fetched_at`` of pages that do not say when they were fetched.
    """
    client = producer(settings)
    try:
        await client.start()
    except Exception as exc:
        raise BrokerUnreachable(f"no Kafka broker at {settings.broker}: {exc}") from exc
    sent = 0
    try:
        pending = []
        for key, value in messages:
            pending.append(
                await client.send(settings.topic(topic), value=value, key=key, timestamp_ms=timestamp_ms)
            )
            sent += 1
            if len(pending) >= 256:
                await asyncio.gather(*pending)
                pending.clear()
            if on_sent:
                on_sent(len(value))
        await asyncio.gather(*pending)
    finally:
        await client.stop()
    return sent


async def read_topics(
    settings: Settings,
    topics: Iterable[str],
    *,
    idle_timeout_s: float | None = 3.0,
    from_beginning: bool = True,
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Yield records of ``topics`` (names without prefix) until none came for ``idle_timeout_s``.

    No consumer group: reading never moves anybody's committed offsets.
    """
    consumer = AIOKafkaConsumer(
        *[settings.topic(t) for t in topics],
        bootstrap_servers=_servers(settings),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        group_id=None,
        max_partition_fetch_bytes=max(2 * settings.max_message_bytes, 1_048_576),
        fetch_max_bytes=max(4 * settings.max_message_bytes, 52_428_800),
        **client_options(settings),
    )
    try:
        await consumer.start()
    except Exception as exc:
        raise BrokerUnreachable(f"no Kafka broker at {settings.broker}: {exc}") from exc
    try:
        while True:
            timeout_ms = int(idle_timeout_s * 1000) if idle_timeout_s is not None else 1000
            batch = await consumer.getmany(timeout_ms=timeout_ms)
            if not batch:
                if idle_timeout_s is not None:
                    return
                continue
            for records in batch.values():
                for record in records:
                    yield record
    finally:
        await consumer.stop()


def strip_prefix(settings: Settings, topic: str) -> str:
    return topic[len(settings.topic_prefix) :] if topic.startswith(settings.topic_prefix) else topic


# --- partitions --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _key_hash(key: bytes) -> int:
    """Kafka's default partitioner hash (murmur2, as Faust and every Kafka client use it).

    Pure Python and a few microseconds a key; entity and keyword keys come back
    again and again, so they are cached.
    """
    return murmur2(key) & 0x7FFFFFFF


class Partitioner:
    """The partition of a key on a topic, as the producer's default partitioner puts it there."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.counts: dict[str, int] = {}

    async def learn(self, producer: AIOKafkaProducer, topics: Iterable[str]) -> None:
        for topic in topics:
            self.counts[topic] = len(await producer.partitions_for(self.settings.topic(topic)))

    def count(self, topic: str) -> int:
        return self.counts.get(topic, self.settings.partitions)

    def __call__(self, topic: str, key: bytes | None) -> int:
        return _key_hash(key or b"") % self.count(topic)


# --- exact table recovery on the embedded broker ---------------------------------------------------


async def true_end_offsets(settings: Settings, listed: Mapping[Any, int]) -> dict[Any, int]:
    """The end offset of each partition, found by fetching from what ListOffsets said.

    Tansu answers ListOffsets with the newest record batch's first offset + 1, so a
    changelog whose last batch holds several records looks shorter than it is, and
    Faust's recovery would stop early and lose updates. Fetching from that offset
    returns the whole last batch, and each fetch response carries the real high
    watermark.
    """
    wanted = {TopicPartition(tp.topic, tp.partition): end for tp, end in listed.items() if end > 0}
    if not wanted:
        return dict(listed)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=_servers(settings),
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=max(2 * settings.max_message_bytes, 1_048_576),
        **client_options(settings),
    )
    await consumer.start()
    try:
        consumer.assign(list(wanted))
        ends = dict(wanted)
        for tp, end in wanted.items():
            consumer.seek(tp, end - 1)
        pending = set(wanted)
        for _ in range(100):  # each round reads on from where the last stopped
            if not pending:
                break
            fetched = await consumer.getmany(*pending, timeout_ms=500)
            for tp in list(pending):
                for record in fetched.get(tp, ()):
                    ends[tp] = max(ends[tp], record.offset + 1)
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    ends[tp] = max(ends[tp], highwater)
                if highwater is not None and await consumer.position(tp) >= highwater:
                    pending.discard(tp)
        return {tp: ends.get(TopicPartition(tp.topic, tp.partition), end) for tp, end in listed.items()}
    finally:
        await consumer.stop()


async def first_record_from(settings: Settings, topic: str, partition: int, offset: int) -> int | None:
    """The offset of the first record at or after ``offset`` in ``topic`` (its full name), None if none yet.

    Offsets a partition has no record at (a transaction's control records,
    records compacted or expired) are skipped by a fetch: asking tells them
    apart from a record a consumer skipped.
    """
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=_servers(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=max(2 * settings.max_message_bytes, 1_048_576),
        **client_options(settings),
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, offset)
        for _ in range(20):
            records = (await consumer.getmany(tp, timeout_ms=250, max_records=1)).get(tp)
            if records:
                return int(records[0].offset)
            highwater = consumer.highwater(tp)
            if highwater is not None and await consumer.position(tp) >= highwater:
                return None
        return None
    finally:
        await consumer.stop()
