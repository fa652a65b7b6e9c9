"""Where newsflow meets Kafka outside Faust's own streams: clients, partitions, table internals.

The workers consume through Faust (agents, tables, recovery); they send their
outputs and their table changelogs through a producer made here, and reach a
few Faust internals, each named below with the reason. Everything else
(``ingest``, ``tail``, ``run``'s summary, tests) uses the plain clients here.
Checked against faust-streaming 0.15.3 and aiokafka 0.14.0.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import weakref
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
    recovery finds a changelog's end by fetching (``recover_tables_exactly``), and
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


# --- table internals ---------------------------------------------------------------------------


class _OnPartition:
    """What Faust's RocksDB store reads of the current event to pick a partition's database."""

    def __init__(self, partition: int):
        self.message = self
        self.partition = partition


def write_entry(table: Any, partition: int, key: bytes, value: bytes | None) -> None:
    """Put (or delete) ``key`` in the table's store for ``partition``, without a changelog record.

    The worker sends the changelog records itself, batched, after the outputs
    (``streams.sender``). Faust's RocksDB store takes the partition from the
    current event (a context variable of ``faust.streams``); the memory store
    remembers it so that it drops the key when the partition is revoked.
    """
    from faust.streams import _current_event

    store = table.data
    holder = _OnPartition(partition)
    token = _current_event.set(weakref.ref(holder))  # type: ignore[arg-type]
    try:
        if value is None:
            with contextlib.suppress(KeyError):
                del store[key]
        else:
            store[key] = value
    finally:
        _current_event.reset(token)
    key_partition = getattr(store, "_key_partition", None)
    if key_partition is not None:
        if value is None:
            key_partition.pop(key, None)
        else:
            key_partition[key] = partition


def entries_of_partition(
    table: Any, partition: int, partition_of: Callable[[bytes], int]
) -> list[tuple[bytes, bytes]]:
    """The table's entries that live on ``partition``.

    The memory store knows each key's partition (``write_entry`` and Faust's
    recovery record it), so no key is hashed; other stores hash each key.
    """
    store = table.data
    key_partition = getattr(store, "_key_partition", None)
    if key_partition is not None:
        data = store.data
        return [(k, data[k]) for k, p in key_partition.items() if p == partition and k in data]
    return [(k, v) for k, v in store.items() if partition_of(k) == partition]


def read_entry(table: Any, key: bytes) -> bytes | None:
    return table.data.get(key)


def changelog_topic(table: Any) -> str:
    return str(table.changelog_topic.get_topic_name())


def set_persisted_offset(table: Any, topic: str, partition: int, offset: int) -> None:
    """What Faust does when its own changelog send completes: RocksDB remembers how far it has the data."""
    from faust.types import TP

    table.data.set_persisted_offset(TP(topic, partition), offset)


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


def recover_tables_exactly(app: Any, settings: Settings) -> None:
    """Make Faust's table recovery read every changelog to its real end on Tansu.

    Faust learns where a changelog ends from ListOffsets
    (``Recovery._build_highwaters``); this wraps it so each answer is checked by
    ``true_end_offsets``. Installed once per process, for apps that ask for it.
    """
    from faust.tables.recovery import Recovery

    app.newsflow_exact_recovery = settings  # read by the wrapper below
    if getattr(Recovery, "_newsflow_wraps", None) is not None:
        return
    original = Recovery._build_highwaters

    async def build_highwaters(self: Any, consumer: Any, tps: Any, destination: Any, title: str) -> None:
        await original(self, consumer, tps, destination, title)
        exact = getattr(self.app, "newsflow_exact_recovery", None)
        if exact is None:
            return
        # Faust keeps "end offset - 1" (the last offset), -1 for an empty partition.
        listed = {tp: destination[tp] + 1 for tp in tps if destination.get(tp, -1) >= 0}
        for tp, end in (await true_end_offsets(exact, listed)).items():
            destination[tp] = end - 1

    Recovery._build_highwaters = build_highwaters  # type: ignore[method-assign]
    Recovery._newsflow_wraps = original  # type: ignore[attr-defined]
