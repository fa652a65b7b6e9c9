"""The in-stream expiry of a partition's table entries (``streams.agents._Sweeper``)."""

from __future__ import annotations

import types
from collections import Counter

import orjson

from streams.agents import _Sweeper
from streams.pipeline.steps import StepContext
from streams.settings import Settings

OLD, NEW = "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"
STREAM_NOW_S = 1_709_300_000  # 2024-03-01T13:33Z: a 7-day window keeps NEW only


def _titles(at: str) -> bytes:
    return orjson.dumps({"titled": [{"id": "a", "at": at}], "linked_from": []})


def test_a_sweep_expires_its_own_partition_and_hashes_each_key_once_while_it_lives():
    hashed: Counter[bytes] = Counter()

    def key_partition(topic, key):
        hashed[key] += 1
        return types.SimpleNamespace(partition=int(key.decode()[-1]) % 2)

    app = types.SimpleNamespace(producer=types.SimpleNamespace(key_partition=key_partition))
    table = {b"old0": _titles(OLD), b"old1": _titles(OLD), b"new0": _titles(NEW), b"new1": _titles(NEW)}
    sweeper = _Sweeper(app, table, "graph_titles", StepContext.from_settings(Settings()), interval_s=0.0)

    sweeper.maybe_sweep("graph.by-title", 0, STREAM_NOW_S)
    assert set(table) == {b"old1", b"new0", b"new1"}  # partition 1's old entry waits for its own stream
    sweeper.maybe_sweep("graph.by-title", 1, STREAM_NOW_S)
    sweeper.maybe_sweep("graph.by-title", 0, STREAM_NOW_S)
    assert set(table) == {b"new0", b"new1"}
    assert set(hashed.values()) == {1} and set(sweeper.partition_of) == {b"new0", b"new1"}
    del table[b"new1"]  # its step forgot it: the next sweep forgets its partition too
    sweeper.maybe_sweep("graph.by-title", 0, STREAM_NOW_S)
    assert set(sweeper.partition_of) == {b"new0"} and set(hashed.values()) == {1}
