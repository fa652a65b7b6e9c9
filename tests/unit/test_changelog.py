"""Table changelogs: one record per table partition per flush, checkpoints, and recovery reading them back.

The writes come from the real pipeline run over the sample pages and the dedup
variants; a recovery must rebuild every table exactly, from the log as written
and from the log as Kafka's compaction leaves it, even with a checkpoint cut
short by a crash.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from functools import cache

import orjson
import pytest

from streams import batches, changelog
from streams.changelog import BATCH, CHUNK, MARKER, TableLog, entry_keys
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.rows import GRAPH_ROWS, INDEX_ROWS, ROWS
from streams.pipeline.runner import Write
from streams.pipeline.steps import StepContext
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES

VARIANTS = SAMPLES.parent / "tests" / "data" / "dedup" / "variants.jsonl"
PARTITIONS = 3
MAX_RECORD_BYTES = 1 << 20

Log = dict[tuple[str, int], list[tuple[bytes, bytes]]]


def partition_of(key: bytes) -> int:
    return zlib.crc32(key) % PARTITIONS


class Logged(InProcessPipeline):
    """The pipeline, writing each flush's changes to a changelog per table partition as a worker does."""

    def __init__(self) -> None:
        super().__init__(StepContext.from_settings(Settings()))
        self.logs = {name: TableLog(name) for name in self.tables}
        self.records: Log = defaultdict(list)
        self.flushes: list[dict[tuple[str, int], list[bytes]]] = []  # record keys per table partition
        self.whole_bytes: dict[str, int] = defaultdict(int)  # what whole-entry records would have cost

    def _write(self, writes: list[Write]) -> None:
        super()._write(writes)
        grouped: dict[tuple[str, int], list[Write]] = defaultdict(list)
        for write in writes:
            grouped[(write.table, partition_of(write.key))].append(write)
            self.whole_bytes[write.table] += len(write.key) + len(write.value or b"")
        counts = {}
        for (table, partition), group in grouped.items():
            made = self.logs[table].records(
                partition,
                group,
                lambda t=table, p=partition: self.entries(t, p),
                MAX_RECORD_BYTES,
            )
            self.records[(table, partition)] += made
            counts[(table, partition)] = [key for key, _ in made]
        self.flushes.append(counts)

    def entries(self, table: str, partition: int) -> list[tuple[bytes, bytes]]:
        return [
            (k.encode(), v) for k, v in self.tables[table].items() if partition_of(k.encode()) == partition
        ]

    def expected(self, table: str) -> dict[bytes, bytes]:
        return {k.encode(): v for k, v in self.tables[table].items()}


def run(pipeline: Logged) -> Logged:
    for key, value in iter_messages([str(SAMPLES), str(VARIANTS)]):
        for _ in pipeline.feed(value, key):
            pass
    return pipeline


@cache
def _default_run() -> Logged:
    return run(Logged())


@pytest.fixture
def often(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints every few kilobytes, in several chunks: every path of the format is taken."""
    monkeypatch.setattr(changelog, "MIN_CHECKPOINT_BYTES", 4000)
    monkeypatch.setattr(changelog, "CHUNK_BYTES", 3000)


def recover(name: str, records: Log, *, read_size: int = 7) -> dict[bytes, bytes]:
    """What a worker's recovery puts in a fresh store, reading the log ``read_size`` records at a time."""
    log = TableLog(name)
    store: dict[bytes, tuple[bytes, int]] = {}
    for (table, partition), made in records.items():
        if table != name:
            continue
        for start in range(0, len(made), read_size):
            read = [(k, v, partition, None) for k, v in made[start : start + read_size]]
            replayed = log.replay(
                read,
                lambda key: store[key][0] if key in store else None,
                lambda p: [k for k, (_, at) in store.items() if at == p],
            )
            for key, value, at, _ in replayed:
                if value is None:
                    store.pop(key, None)
                else:
                    store[key] = (value, at)
    return {key: value for key, (value, _) in store.items()}


def compacted(records: Log) -> Log:
    """What Kafka's log compaction may leave: the last record of each key, in log order."""
    out: Log = {}
    for where, made in records.items():
        last = {key: i for i, (key, _) in enumerate(made)}
        out[where] = [record for i, record in enumerate(made) if last[record[0]] == i]
    return out


def decoded(entries: dict[bytes, bytes]) -> dict[bytes, object]:
    return {k: orjson.loads(v) for k, v in entries.items()}


def test_a_flush_writes_one_record_per_table_partition():
    pipeline = _default_run()
    written = [keys for flush in pipeline.flushes for keys in flush.values()]
    batch = [len(keys) for keys in written if keys[0].startswith(BATCH)]
    checkpoints = [keys for keys in written if keys[-1] == MARKER]
    assert len(batch) > 100 and set(batch) == {1}
    assert checkpoints and all(len(keys) <= 2 for keys in checkpoints)  # its chunk and its marker
    assert len(batch) + len(checkpoints) == len(written)


def test_recovery_rebuilds_every_table_exactly():
    pipeline = _default_run()
    for name in pipeline.tables:
        assert decoded(recover(name, pipeline.records)) == decoded(pipeline.expected(name)), name


def test_recovery_with_frequent_checkpoints_in_chunks_and_after_compaction(often):
    pipeline = run(Logged())
    kinds = {key[:2] for made in pipeline.records.values() for key, _ in made}
    assert {BATCH, CHUNK, MARKER} <= kinds
    assert max(len([k for k, _ in made if k.startswith(MARKER)]) for made in pipeline.records.values()) > 2
    for name in pipeline.tables:
        expected = decoded(pipeline.expected(name))
        assert decoded(recover(name, pipeline.records, read_size=1)) == expected, name
        assert decoded(recover(name, compacted(pipeline.records))) == expected, name


def test_a_checkpoint_cut_short_by_a_crash_loses_nothing_after_compaction(often):
    pipeline = run(Logged())
    for (name, partition), made in list(pipeline.records.items()):
        # The next worker began a checkpoint (a generation later) and died before its marker.
        log = TableLog(name)
        log.generations = dict(pipeline.logs[name].generations)
        entries = pipeline.entries(name, partition)
        partial = log.records(partition, [], lambda entries=entries: entries, 2000)
        assert partial[-1][0] == MARKER
        pipeline.records[(name, partition)] = made + partial[:-1][:1]
    for name in pipeline.tables:
        expected = decoded(pipeline.expected(name))
        assert decoded(recover(name, compacted(pipeline.records))) == expected, name


def test_a_graph_entry_that_gains_a_neighbour_writes_that_neighbour_only():
    pipeline = _default_run()
    graph_bytes = sum(
        len(v) for (t, _), made in pipeline.records.items() if t == "related_graph" for _, v in made
    )
    assert graph_bytes < 0.5 * pipeline.whole_bytes["related_graph"]
    kinds = {
        item.channel
        for (t, _), made in pipeline.records.items()
        if t == "related_graph"
        for key, value in made
        if key.startswith(BATCH)
        for item in changelog.items_of(value)
    }
    assert "r" in kinds


def test_records_are_compressed_and_a_flush_costs_a_fraction_of_its_whole_entries():
    pipeline = _default_run()
    written = sum(len(k) + len(v) for made in pipeline.records.values() for k, v in made)
    assert any(v.startswith(changelog.COMPRESSED) for made in pipeline.records.values() for _, v in made)
    assert written < 0.3 * sum(pipeline.whole_bytes.values())


@pytest.mark.parametrize("codec", [GRAPH_ROWS, INDEX_ROWS])
def test_rows_join_back_into_the_entry_and_a_patch_gives_the_new_entry(codec):
    pipeline = _default_run()
    name = next(n for n, c in ROWS.items() if c is codec)
    states = [orjson.loads(v) for v in pipeline.tables[name].values()]
    assert len(states) > 5
    for before, after in zip(states, states[1:], strict=False):
        assert codec.join(codec.split(after)) == after
        changed, gone = codec.diff(before, after)
        assert codec.patch(before, changed, gone) == after


def test_a_record_of_an_older_epoch_that_fails_to_apply_is_skipped_not_fatal():
    log = TableLog("related_graph")
    bad = batches.pack([batches.Item("r", b"a1", b'[{"x": 1}, 5]', None)])
    assert log.replay([(BATCH + b"\x00\x01", bad, 0, None)], lambda key: None, lambda p: []) == []


def test_entry_keys_names_what_a_record_writes():
    pipeline = _default_run()
    for name in pipeline.tables:
        written = {
            key
            for (table, _), made in pipeline.records.items()
            if table == name
            for r in made
            for key in entry_keys(*r)
        }
        assert written >= set(pipeline.expected(name)), name
    assert entry_keys(MARKER, b"{}") == []
    assert entry_keys(b"a-plain-key", b"{}") == [b"a-plain-key"]


def test_a_changelog_written_entry_by_entry_before_is_read_and_carried_on():
    """An upgrade: whole-entry records (one per key, as Faust writes them) come first."""
    pipeline = _default_run()
    name, partition = "catalog", 0
    legacy = pipeline.entries(name, partition)
    assert legacy
    log = TableLog(name)
    replayed = log.replay([(k, v, partition, None) for k, v in legacy], lambda key: None, lambda p: [])
    assert {k: v for k, v, _, _ in replayed} == dict(legacy)
    # The first write after the upgrade starts an epoch: a checkpoint of what the store holds.
    made = log.records(partition, [], lambda: legacy, MAX_RECORD_BYTES)
    assert made[-1][0] == MARKER and all(k.startswith(CHUNK) for k, _ in made[:-1])
    records = {(name, partition): legacy + made}
    assert recover(name, records) == dict(legacy)


def test_a_graph_diff_names_exactly_the_rows_that_changed():
    before = {
        "at": "2024-06-01T00:00:00Z",
        "neighbours": {"a": {"entity:x": 0.3}, "b": {"keyword:y": 0.2}, "c": {"story": 1.0}},
        "times": {"a": "2024-05-30T00:00:00Z", "b": "2024-05-31T00:00:00Z", "c": "2024-05-29T00:00:00Z"},
    }
    after = {
        "at": "2024-06-01T00:00:00Z",
        "neighbours": {"a": {"entity:x": 0.3}, "b": {"keyword:y": 0.4}, "d": {"similar": 0.5}},
        "times": {"a": "2024-05-30T00:00:00Z", "b": "2024-05-31T00:00:00Z", "e": "2024-05-28T00:00:00Z"},
    }
    changed, gone = GRAPH_ROWS.diff(before, after)
    assert set(changed) == {"b", "d", "e"} and gone == ["c"]  # "a" equal though a new object
    assert GRAPH_ROWS.patch(before, changed, gone) == after
