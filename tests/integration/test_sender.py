"""The workers' sender against a real broker: one batch per partition on a through-topic,
and an output too large for the producer becomes a dead letter of its input."""

from __future__ import annotations

import asyncio

import orjson
from aiokafka.partitioner import DefaultPartitioner

from streams import batches
from streams.kafka_io import ensure_topics, read_topics
from streams.pipeline.runner import Output
from streams.pipeline.steps import BUCKETS, BY_KEY, CLEAN, DEAD_LETTER, Emit, Message, encode
from streams.sender import Sender
from tests.integration.conftest import make_settings

ORIGIN = Message(b"origin-article", b'{"type":"admit"}', 1_700_000_000_000)


def _output(sender: Sender, emit: Emit, raw_ts_ms: int | None = None) -> Output:
    key = emit.key.encode()
    if emit.topic == CLEAN:
        return Output(CLEAN, CLEAN, key, encode(emit.value), None, raw_ts_ms, ORIGIN, emit)
    partition = sender.partitioner(BY_KEY, key)
    return Output(BY_KEY, emit.topic, key, encode(emit.value), partition, raw_ts_ms, ORIGIN, emit)


def _run(settings, emits):
    async def go():
        await ensure_topics(settings)
        sender = Sender(settings)
        await sender.start()
        await sender.deliver("key", [_output(sender, emit, raw_ts) for emit, raw_ts in emits])
        await sender.stop()
        return [r async for r in read_topics(settings, [BY_KEY, CLEAN, DEAD_LETTER], idle_timeout_s=2)]

    return asyncio.run(go())


def test_a_through_topic_gets_one_batch_per_partition_each_item_where_its_key_belongs(broker, tmp_path):
    settings = make_settings(broker, tmp_path)
    keys = [f"b3:{i:04x}" for i in range(40)]
    records = _run(
        settings, [(Emit(BUCKETS, key, {"n": i}), 1_700_000_000_000 + i) for i, key in enumerate(keys)]
    )
    assert len(records) <= settings.partitions
    partitioner = DefaultPartitioner()
    seen = []
    for record in records:
        for item in batches.unpack(record.value):
            wanted = partitioner(item.key, list(range(settings.partitions)), list(range(settings.partitions)))
            assert record.partition == wanted, item.key
            assert item.channel == BUCKETS
            seen.append((item.key.decode(), orjson.loads(item.value)["n"], item.raw_ts_ms))
    # every item once, and each partition's items in the order they were emitted
    assert sorted(seen) == sorted((k, i, 1_700_000_000_000 + i) for i, k in enumerate(keys))
    for record in records:
        numbers = [orjson.loads(item.value)["n"] for item in batches.unpack(record.value)]
        assert numbers == sorted(numbers)


def test_an_output_too_large_to_send_becomes_a_dead_letter_and_the_rest_goes_out(broker, tmp_path):
    settings = make_settings(broker, tmp_path, max_message_bytes=100_000)  # requests up to 1 MiB
    huge = "x" * 2_000_000
    records = _run(
        settings,
        [
            (Emit(BUCKETS, "b1:big", {"pad": huge}), None),
            (Emit(BUCKETS, "b1:small", {"n": 1}), None),
            (Emit(CLEAN, "article-1", {"text": huge}), None),
        ],
    )
    dead = [orjson.loads(r.value) for r in records if r.topic == settings.topic(DEAD_LETTER)]
    assert len(dead) == 2
    assert {d["reason"] for d in dead} == {"output_too_large"} and {d["stage"] for d in dead} == {"key"}
    assert all(d["original"] == ORIGIN.value.decode() for d in dead)
    assert sorted(d["error"].split(":")[0] for d in dead) == ["articles.clean", "dedup.buckets"]
    items = [i for r in records if r.topic == settings.topic(BY_KEY) for i in batches.unpack(r.value)]
    assert [i.key for i in items] == [b"b1:small"]
    assert not [r for r in records if r.topic == settings.topic(CLEAN)]
