"""Plain aiokafka clients for the CLI: create topics, publish, read.

The workers talk to Kafka through Faust; everything else (``ingest``,
``tail``, ``run``'s summary, tests) goes through these few functions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import ConsumerRecord

from streams.pipeline.steps import INTERNAL_TOPICS, PUBLIC_TOPICS
from streams.security import client_options
from streams.settings import Settings
from streams.topics import COMPACTED


class BrokerUnreachable(RuntimeError):
    """No broker answered at the configured address."""


def _servers(settings: Settings) -> list[str]:
    return settings.broker.split(",")


async def ensure_topics(settings: Settings) -> None:
    """Create every newsflow topic that is missing, with the configured partitions."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=_servers(settings), request_timeout_ms=10_000, **client_options(settings)
    )
    try:
        await admin.start()
    except Exception as exc:
        raise BrokerUnreachable(f"no Kafka broker at {settings.broker}: {exc}") from exc
    try:
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
    finally:
        await admin.close()


def producer(settings: Settings, *, batched: bool | None = None) -> AIOKafkaProducer:
    """A producer for newsflow's topics (not for table changelogs: those are Faust's).

    Tansu answers ListOffsets wrongly for multi-record batches (DESIGN.md), so by
    default a producer sends one record per batch there. Topics nobody asks for
    their end offset may take ``batched=True``: a consumer's fetch high watermark
    stays right, and batches are what lets a producer send more than one record
    per partition per round trip.
    """
    batched = not settings.tansu_compat if batched is None else batched
    return AIOKafkaProducer(
        bootstrap_servers=_servers(settings),
        acks="all",
        max_request_size=max(2 * settings.max_message_bytes, 1_048_576),
        max_batch_size=65_536 if batched else 1,
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
