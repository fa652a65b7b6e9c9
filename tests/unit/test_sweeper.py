"""The in-stream expiry of a partition's table entries (``streams.agents.Sweeper``)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import orjson

from streams.agents import Sweeper
from streams.pipeline.runner import Runner
from streams.pipeline.steps import StepContext
from streams.settings import Settings

OLD, NEW = "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"
STREAM_NOW_MS = 1_709_300_000_000  # 2024-03-01T13:33Z: a 7-day window keeps NEW only


def _titles(at: str) -> bytes:
    return orjson.dumps({"titled": [{"id": "a", "at": at}], "linked_from": []})


class _Store:
    """A memory store as Faust keeps it: the entries and each key's partition."""

    def __init__(self, entries: dict[bytes, tuple[int, bytes]]):
        self.data = {k: v for k, (_, v) in entries.items()}
        self._key_partition = {k: p for k, (p, _) in entries.items()}

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)


def test_a_sweep_expires_only_its_own_partition_without_hashing_a_key():
    hashed: Counter[bytes] = Counter()

    def partition_of(topic, key):
        hashed[key] += 1
        return 0

    store = _Store({b"old0": (0, _titles(OLD)), b"old1": (1, _titles(OLD)), b"new0": (0, _titles(NEW))})
    table = SimpleNamespace(data=store)
    runner = Runner(StepContext.from_settings(Settings()))
    sweeper = Sweeper({"graph_titles": table}, interval_s=0.0)
    sweeper.observe(0, STREAM_NOW_MS)
    batch = runner.batch("key", lambda table, key: store.data.get(key), partition_of)
    sweeper.sweep_due(batch)
    # partition 1's old entry waits for its own stream; the memory store knows every key's partition
    assert [(w.table, w.key, w.partition, w.value) for w in batch.writes()] == [
        ("graph_titles", b"old0", 0, None)
    ]
    assert not hashed


def test_a_partition_is_swept_at_most_once_an_interval():
    store = _Store({b"old0": (0, _titles(OLD))})
    sweeper = Sweeper({"graph_titles": SimpleNamespace(data=store)}, 3600)
    runner = Runner(StepContext.from_settings(Settings()))
    sweeper.observe(0, STREAM_NOW_MS)
    first, second = (runner.batch("key", lambda table, key: None, lambda t, k: 0) for _ in range(2))
    sweeper.sweep_due(first)
    sweeper.sweep_due(second)
    assert len(first.writes()) == 1 and second.writes() == []


def test_a_big_partition_is_swept_a_slice_a_batch_and_only_what_expires_is_written():
    entries = {f"k{i:04d}".encode(): (0, _titles(OLD if i % 10 == 0 else NEW)) for i in range(50)}
    store = _Store(entries)
    sweeper = Sweeper({"graph_titles": SimpleNamespace(data=store)}, 3600)
    sweeper.SLICE = 20
    runner = Runner(StepContext.from_settings(Settings()))
    sweeper.observe(0, STREAM_NOW_MS)
    deleted = []
    for _ in range(4):
        batch = runner.batch("key", lambda table, key: store.data.get(key), lambda t, k: 0)
        sweeper.sweep_due(batch)
        writes = batch.writes()
        assert all(w.value is None for w in writes) and len(batch.entries) == len(writes)
        deleted.append(len(writes))
    assert deleted == [2, 2, 1, 0]  # 50 entries in slices of 20; the 5 old ones go, nothing else is kept
