"""The agents' sender against a real broker: one batch per partition on a through-topic,
and an output too large for the producer becomes a dead letter of its input."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
from aiokafka.partitioner import DefaultPartitioner

from streams import batches
from streams.agents import Sender
from streams.kafka_io import ensure_topics, read_topics
from streams.pipeline.dedup import BUCKETS_TOPIC
from streams.pipeline.steps import CLEAN, DEAD_LETTER, STEPS, Emit, Message
from tests.integration.conftest import make_settings

DEDUP = next(step for step in STEPS if step.name == "dedup")
ORIGIN = Message(b"origin-article", b'{"type":"admit"}', 1_700_000_000_000)


def _run(settings, outputs):
    async def go():
        await ensure_topics(settings)
        sender = Sender(SimpleNamespace(on_before_shutdown=SimpleNamespace(connect=lambda f: None)), settings)
        await sender.deliver(DEDUP, outputs)
        await sender._stop()
        return [r async for r in read_topics(settings, [BUCKETS_TOPIC, CLEAN, DEAD_LETTER], idle_timeout_s=2)]

    return asyncio.run(go())


def test_a_through_topic_gets_one_batch_per_partition_each_item_where_its_key_belongs(broker, tmp_path):
    settings = make_settings(broker, tmp_path)
    keys = [f"b3:{i:04x}" for i in range(40)]
    outputs = [
        (Emit(BUCKETS_TOPIC, key, {"n": i}), 1_700_000_000_000 + i, ORIGIN) for i, key in enumerate(keys)
    ]
    records = _run(settings, outputs)
    assert len(records) <= settings.partitions
    partitioner = DefaultPartitioner()
    seen = []
    for record in records:
        for item in batches.unpack(record.value):
            wanted = partitioner(item.key, list(range(settings.partitions)), list(range(settings.partitions)))
            assert record.partition == wanted, item.key
            seen.append((item.key.decode(), orjson.loads(item.value)["n"], item.raw_ts_ms))
    # every item once, and each partition's items in the order they were emitted
    assert sorted(seen) == sorted((k, i, 1_700_000_000_000 + i) for i, k in enumerate(keys))
    for record in records:
        numbers = [orjson.loads(item.value)["n"] for item in batches.unpack(record.value)]
        assert numbers == sorted(numbers)


def test_an_output_too_large_to_send_becomes_a_dead_letter_and_the_rest_goes_out(broker, tmp_path):
    settings = make_settings(broker, tmp_path, max_message_bytes=100_000)  # requests up to 1 MiB
    huge = "x" * 2_000_000
    outputs = [
        (Emit(BUCKETS_TOPIC, "b1:big", {"pad": huge}), None, ORIGIN),
        (Emit(BUCKETS_TOPIC, "b1:small", {"n": 1}), None, ORIGIN),
        (Emit(CLEAN, "article-1", {"text": huge}), None, ORIGIN),
    ]
    records = _run(settings, outputs)
    dead = [orjson.loads(r.value) for r in records if r.topic == settings.topic(DEAD_LETTER)]
    assert len(dead) == 2
    assert {d["reason"] for d in dead} == {"output_too_large"} and {d["stage"] for d in dead} == {"dedup"}
    assert all(d["original"] == ORIGIN.value.decode() for d in dead)
    assert sorted(d["error"].split(":")[0] for d in dead) == ["articles.clean", "dedup.buckets"]
    items = [i for r in records if r.topic == settings.topic(BUCKETS_TOPIC) for i in batches.unpack(r.value)]
    assert [i.key for i in items] == [b"b1:small"]
    assert not [r for r in records if r.topic == settings.topic(CLEAN)]
