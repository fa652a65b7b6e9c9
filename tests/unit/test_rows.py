"""Tables kept as member rows on their changelog: what a change writes, and what recovery rebuilds."""

from __future__ import annotations

from collections import Counter
from functools import cache
from types import SimpleNamespace

import orjson
import pytest
from faust.types import TP
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.pipeline import graph
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.rows import (
    GRAPH_ROWS,
    INDEX_ROWS,
    ROWS,
    Fold,
    parse_row_key,
    row_changes,
    row_key,
    split_diff,
)
from streams.pipeline.runner import Runner, Write
from streams.pipeline.steps import LINKS, Message, StepContext, encode
from streams.records import Edge
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES

VARIANTS = SAMPLES.parent / "tests" / "data" / "dedup" / "variants.jsonl"


class Recording(InProcessPipeline):
    """The pipeline, keeping every changelog record its writes make, in order, per table."""

    def __init__(self, ctx: StepContext):
        super().__init__(ctx)
        self.log: dict[str, list[tuple[bytes, bytes | None]]] = {name: [] for name in self.tables}
        self.writes: list[Write] = []

    def _write(self, writes: list[Write]) -> None:
        for write in writes:
            self.log[write.table] += write.records()
        self.writes += writes
        super()._write(writes)


@cache
def _recorded() -> Recording:
    pipeline = Recording(StepContext.from_settings(Settings()))
    for key, value in iter_messages([str(SAMPLES), str(VARIANTS)]):
        for _ in pipeline.feed(value, key):
            pass
    return pipeline


def _fold(name: str, records, stored: dict[bytes, bytes] | None = None) -> dict[str, object]:
    """What recovery makes of ``records`` on top of ``stored``: entries decoded, by key."""
    stored = dict(stored or {})
    fold = Fold(ROWS[name], stored.get)
    for key, value in records:
        fold.apply(key, value)
    for key, value, _ in fold.entries():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = value
    return {key.decode(): orjson.loads(value) for key, value in stored.items()}


def _entry(neighbours: int) -> dict:
    names = [f"article-{i:03d}" for i in range(neighbours)]
    return {
        "at": "2024-06-01T00:00:00Z",
        "neighbours": {
            n: {"entity:person:someone": 0.25, f"similar:0.{i % 9 + 1}1": 0.3} for i, n in enumerate(names)
        },
        "times": {n: "2024-06-01T01:00:00Z" for n in names},
    }


# --- row keys ---------------------------------------------------------------------------------------


@given(st.binary(max_size=40), st.binary(max_size=40))
def test_a_row_key_gives_back_its_entry_and_member_whatever_bytes_they_hold(entry, member):
    assert parse_row_key(row_key(entry, member)) == (entry, member)


def test_a_key_that_is_no_row_key_is_a_whole_entry():
    assert parse_row_key(b"article-1") is None
    assert parse_row_key(b"\x00\x00") is None  # too short for its length
    assert parse_row_key(b"\x00\x00\x00\x00\x09abc") is None  # shorter than it says


# --- what a change writes ---------------------------------------------------------------------------


def test_one_changed_neighbour_of_fifty_writes_one_row_not_the_entry():
    before = _entry(50)
    after = orjson.loads(orjson.dumps(before))
    after["neighbours"]["article-007"]["story"] = 0.95
    records = row_changes(GRAPH_ROWS, b"a", before, after)
    assert [key for key, _ in records] == [row_key(b"a", b"article-007")]
    assert orjson.loads(records[0][1]) == {
        "r": after["neighbours"]["article-007"],
        "t": after["times"]["article-007"],
    }
    assert sum(len(k) + len(v or b"") for k, v in records) * 20 < len(orjson.dumps(after))


def test_a_neighbour_that_leaves_gets_a_tombstone_and_a_deleted_entry_tombstones_every_row():
    before = _entry(3)
    after = graph.expire_node(
        {**before, "times": {**before["times"], "article-001": "2024-05-01T00:00:00Z"}}, "2024-05-20"
    )
    dropped = {**before, "times": {**before["times"], "article-001": "2024-05-01T00:00:00Z"}}
    assert row_changes(GRAPH_ROWS, b"a", dropped, after) == [(row_key(b"a", b"article-001"), None)]
    gone = row_changes(GRAPH_ROWS, b"a", before, None)
    assert sorted(gone) == sorted(
        [(row_key(b"a", m), None) for m in (b"", b"article-000", b"article-001", b"article-002")]
    )
    assert row_changes(GRAPH_ROWS, b"a", before, before) == []


def test_an_index_member_joining_a_full_entry_writes_itself_the_one_it_pushes_out_and_the_one_it_leans():
    from streams.pipeline import link

    state = None
    for i in range(link.MAX_COUNTED_MEMBERS):
        ref = {
            "id": f"m{i:03d}",
            "at": f"2024-06-01T00:{i // 60:02d}:{i % 60:02d}Z",
            "lang": "ar",
            "sig": "S" * 172,
        }
        state, _ = link.observe_index(state, ref, "entity:person:someone")
    new = {"id": "new", "at": "2024-06-02T00:00:00Z", "lang": "ar", "sig": "S" * 172}
    after, _ = link.observe_index(state, new, "entity:person:someone")
    records = dict(row_changes(INDEX_ROWS, b"k", state, after))
    assert set(records) == {row_key(b"k", b"new"), row_key(b"k", b"m000"), row_key(b"k", b"m090")}
    assert records[row_key(b"k", b"m000")] is None  # the oldest left
    assert orjson.loads(records[row_key(b"k", b"m090")]) == {"at": after["members"][89]["at"], "lang": "ar"}
    assert sum(len(k) + len(v or b"") for k, v in records.items()) * 20 < len(orjson.dumps(after))


def test_the_runner_writes_the_entry_whole_to_its_store_and_its_changed_rows_to_the_changelog():
    runner = Runner(StepContext.from_settings(Settings()))
    stored: dict[tuple[str, bytes], bytes] = {("related_graph", b"a"): orjson.dumps(_entry(50))}
    batch = runner.batch("article", lambda table, key: stored.get((table, key)), lambda topic, key: 0)
    edge = Edge(src="a", dst="article-003", score=0.95, reasons=["story"], src_at=None, dst_at=None)
    batch.feed(LINKS, Message(b"a", encode(edge), None), 0)
    [write] = batch.finish()
    assert orjson.loads(write.value)["neighbours"]["article-003"]["story"] == 0.95
    assert [key for key, _ in write.records()] == [row_key(b"a", b"article-003")]
    other = Write("articles", b"a", 0, b"{}")
    assert other.records() == ((b"a", b"{}"),)  # other tables: the entry itself, as before


# --- what recovery rebuilds ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_split_entry_joins_back_to_itself_for_every_entry_the_steps_wrote(name):
    pipeline = _recorded()
    assert pipeline.tables[name], "the samples fill the table"
    for value in pipeline.tables[name].values():
        state = orjson.loads(value)
        assert ROWS[name].join(ROWS[name].split(state)) == state


@pytest.mark.parametrize("name", sorted(ROWS))
def test_recovery_from_the_changelog_gives_back_exactly_the_tables(name):
    pipeline = _recorded()
    expected = {key: orjson.loads(value) for key, value in pipeline.tables[name].items()}
    assert _fold(name, pipeline.log[name]) == expected
    # read in pieces on top of what a store kept (a RocksDB store resumes where it stopped)
    half = len(pipeline.log[name]) // 2
    first = {k.encode(): orjson.dumps(v) for k, v in _fold(name, pipeline.log[name][:half]).items()}
    assert _fold(name, pipeline.log[name][half:], first) == expected


def test_rows_carry_less_than_the_whole_entries_did():
    pipeline = _recorded()
    for name in ROWS:
        rows = sum(len(k) + len(v or b"") for k, v in pipeline.log[name])
        whole = sum(len(w.key) + len(w.value or b"") for w in pipeline.writes if w.table == name)
        assert rows * 2 < whole, name


def test_a_whole_entry_on_the_changelog_is_taken_as_its_rows_and_rows_after_it_apply():
    entry = _entry(2)
    changed = {**entry, "neighbours": {**entry["neighbours"], "article-001": {"story": 0.95}}}
    records = [(b"a", orjson.dumps(entry)), *row_changes(GRAPH_ROWS, b"a", entry, changed)]
    assert _fold("related_graph", records) == {"a": changed}
    assert _fold("related_graph", [*records, (b"a", None)]) == {}
    assert _fold("related_graph", row_changes(GRAPH_ROWS, b"a", None, entry)[1:]) == {}  # no head: no entry


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["b", "c", "d", "e", "f"]),
            st.sampled_from(["story", "entity:x", "similar:0.50", "forget"]),
            st.floats(0.01, 1.0),
            st.sampled_from([None, "2024-06-01", "2024-05-01"]),
        ),
        max_size=25,
    )
)
def test_any_sequence_of_edges_folded_batch_by_batch_recovers_to_the_same_entry(edges):
    state, log = None, []
    for i, (dst, reason, score, at) in enumerate(edges):
        reasons = [reason, "story"] if reason == "forget" else [reason]
        edge = Edge(src="a", dst=dst, score=score, reasons=reasons, src_at="2024-06-02", dst_at=at)
        after, _ = graph.fold_edge(state, edge, top_k=3)
        if i % 3 == 0 and after is not None:
            after = graph.expire_node(after, "2024-05-15")
        log += row_changes(GRAPH_ROWS, b"a", state, after)
        state = after
    assert _fold("related_graph", log) == ({"a": state} if state is not None else {})


@pytest.mark.parametrize("name", sorted(ROWS))
def test_each_tables_own_diff_finds_what_comparing_every_row_finds(name):
    codec, pipeline = ROWS[name], _recorded()
    versions: dict[bytes, object] = {}
    for write in pipeline.writes:
        if write.table != name:
            continue
        before, after = versions.get(write.key), orjson.loads(write.value) if write.value else None
        changed, gone = codec.diff(before, after)
        expected_changed, expected_gone = split_diff(codec, before, after)
        assert changed == expected_changed and sorted(gone) == sorted(expected_gone)
        versions[write.key] = after
    odd = {"at": None, "neighbours": {"b": {"story": 0.9}}, "times": {"b": None, "c": "2024"}}
    for before, after in [(None, odd), (odd, None), (odd, _entry(2)), (_entry(2), odd)]:
        changed, gone = GRAPH_ROWS.diff(before, after)
        expected_changed, expected_gone = split_diff(GRAPH_ROWS, before, after)
        assert changed == expected_changed and sorted(gone) == sorted(expected_gone)
    empty = {"members": [], "seen": 0}
    for before, after in [
        (None, empty),
        (empty, None),
        (empty, {"members": [{"id": "x", "at": ""}], "seen": 1}),
    ]:
        changed, gone = INDEX_ROWS.diff(before, after)
        assert (changed, gone) == split_diff(INDEX_ROWS, before, after)


# --- the Faust table: recovery hands the store whole entries ------------------------------------------


def test_a_faust_table_recovers_whole_entries_from_rows():
    import faust

    from streams.tables import declare_tables

    app = faust.App("rows-test", store="memory://", autodiscover=False)
    tables = declare_tables(app, Settings())
    table = tables["related_graph"]
    entry = _entry(3)
    changed = {**entry, "neighbours": {**entry["neighbours"], "article-001": {"story": 0.95}}}
    log = row_changes(GRAPH_ROWS, b"a", None, entry) + row_changes(GRAPH_ROWS, b"a", entry, changed)
    log += row_changes(GRAPH_ROWS, b"z", None, entry) + row_changes(GRAPH_ROWS, b"z", entry, None)
    tp = TP("rows-test-related_graph-changelog", 2)

    def event(offset: int, key: bytes, value: bytes | None):
        message = SimpleNamespace(key=key, value=value, partition=2, offset=offset, tp=tp)
        return SimpleNamespace(key=key, value=value, message=message)

    events = [event(i, key, value) for i, (key, value) in enumerate(log)]
    table.apply_changelog_batch(events[:5])
    table.apply_changelog_batch(events[5:])
    store = table.data
    assert {k: orjson.loads(v) for k, v in store.data.items()} == {b"a": changed}
    assert store._key_partition[b"a"] == 2
    counts = Counter(type(parse_row_key(k)) for k, _ in log)
    assert counts[tuple] == len(log)  # every changelog record was a row
