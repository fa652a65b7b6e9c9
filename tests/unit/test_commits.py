"""A partition's commit never passes a record that no agent acknowledged."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from faust.transport.consumer import Consumer
from faust.types import TP
from intervaltree import IntervalTree

from streams.faust_internals import commit_only_acknowledged_offsets

TOPIC = TP("through.by-article", 1)


def consumer(committed: int | None, acked: list[int], gap: tuple[int, int] | None = None) -> SimpleNamespace:
    """The state ``Consumer._new_offset`` reads, as Faust keeps it."""
    gaps: defaultdict[TP, IntervalTree] = defaultdict(IntervalTree)
    if gap is not None:
        gaps[TOPIC].addi(*gap)
    return SimpleNamespace(
        _acked={TOPIC: sorted(acked)},
        _acked_index={TOPIC: set(acked)},
        _committed_offset={TOPIC: committed},
        _gap=gaps,
    )


def new_offset(state: SimpleNamespace) -> int | None:
    commit_only_acknowledged_offsets()
    return Consumer._new_offset(state, TOPIC)  # type: ignore[arg-type]


def test_a_record_not_acknowledged_holds_the_commit_back():
    # Record 2 is the next to read; 3 and 4 were processed, 2 never reached an agent.
    assert new_offset(consumer(committed=2, acked=[3, 4])) is None


def test_acknowledged_records_from_the_committed_offset_on_are_committed():
    assert new_offset(consumer(committed=2, acked=[2, 3, 4])) == 5
    assert new_offset(consumer(committed=2, acked=[2, 3, 5])) == 4  # up to the first hole


def test_offsets_the_broker_never_had_do_not_hold_it_back():
    # A gap Faust saw in the offsets it fetched (compaction, transaction markers) is skipped.
    assert new_offset(consumer(committed=2, acked=[5, 6], gap=(2, 5))) == 7


def test_installing_twice_wraps_once():
    commit_only_acknowledged_offsets()
    wrapped = Consumer._new_offset
    commit_only_acknowledged_offsets()
    assert Consumer._new_offset is wrapped
