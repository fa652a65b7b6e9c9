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


def test_a_sweep_expires_only_its_own_partition_without_hashing_a_key():
    hashed: Counter[bytes] = Counter()

    def partition_of(topic, key):
        hashed[key] += 1
        return 0

    store = _Store({b"old0": (0, _titles(OLD)), b"old1": (1, _titles(OLD)), b"new0": (0, _titles(NEW))})
    table = SimpleNamespace(data=store)
    runner = Runner(StepContext.from_settings(Settings()))
    sweeper = Sweeper({"graph_titles": table}, partition_of, "through.by-key", interval_s=0.0)
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
    sweeper = Sweeper({"graph_titles": SimpleNamespace(data=store)}, lambda t, k: 0, "through.by-key", 3600)
    runner = Runner(StepContext.from_settings(Settings()))
    sweeper.observe(0, STREAM_NOW_MS)
    first, second = (runner.batch("key", lambda table, key: None, lambda t, k: 0) for _ in range(2))
    sweeper.sweep_due(first)
    sweeper.sweep_due(second)
    assert len(first.writes()) == 1 and second.writes() == []
