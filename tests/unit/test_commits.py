"""Every fetched record reaches an agent, and a partition's commit never passes one that none acknowledged."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace

from faust.transport.consumer import Consumer
from faust.types import TP
from intervaltree import IntervalTree

from streams import faust_internals
from streams.faust_internals import delivered, keep_every_record

TOPIC = TP("through.by-article", 1)
GENERATION = 7


def consumer(
    committed: int | None,
    acked: list[int] = (),  # type: ignore[assignment]
    gap: tuple[int, int] | None = None,
    first: int | None = None,
    read: int | None = None,
    positioned_at: int | None = None,
) -> SimpleNamespace:
    """The state Faust's consumer keeps, as the guards read it. ``first``: where the
    partition begins, learnt at the last seek when the group had committed nothing;
    ``positioned_at``: where the last seek put the partition."""
    gaps: defaultdict[TP, IntervalTree] = defaultdict(IntervalTree)
    if gap is not None:
        gaps[TOPIC].addi(*gap)
    seeks: list[tuple[TP, int]] = []

    async def seek(tp: TP, offset: int) -> None:
        seeks.append((tp, offset))

    return SimpleNamespace(
        _acked={TOPIC: sorted(acked)},
        _acked_index={TOPIC: set(acked)},
        _committed_offset={TOPIC: committed},
        _read_offset=defaultdict(lambda: None, {TOPIC: read}),
        _gap=gaps,
        _newsflow_first_offsets=(GENERATION, {} if first is None else {TOPIC: first}),
        _newsflow_next_offsets=(GENERATION, {} if positioned_at is None else {TOPIC: positioned_at}),
        app=SimpleNamespace(
            consumer_generation_id=GENERATION,
            rebalancing=False,
            topics=SimpleNamespace(acks_enabled_for=lambda topic: True),
        ),
        assignment=lambda: {TOPIC},
        seek=seek,
        seeks=seeks,
    )


def new_offset(state: SimpleNamespace) -> int | None:
    keep_every_record()
    return Consumer._new_offset(state, TOPIC)  # type: ignore[arg-type]


def fetch(state: SimpleNamespace, offsets: list[int]) -> list[int]:
    """The offsets Faust's fetch loop hands to the streams, by its rule: a record below
    the partition's read offset is dropped as already read; a delivered one becomes it."""

    async def records():
        for offset in offsets:
            yield TOPIC, SimpleNamespace(offset=offset)

    async def drain() -> list[int]:
        out = []
        async for tp, message in delivered(state, records()):
            last = state._read_offset[tp]
            if last is None or message.offset >= last:
                out.append(message.offset)
                state._read_offset[tp] = message.offset
        return out

    return asyncio.run(drain())


def test_records_read_again_after_a_rebalance_reach_the_agents():
    # Faust counted records up to 41 as read, but a rebalance cleared them from the
    # agents' queues; the partition is fetched again from its committed offset, 30.
    assert fetch(consumer(committed=30, read=41), [30, 31, 32]) == [30, 31, 32]
    assert fetch(consumer(committed=None, read=7), [0, 1]) == [0, 1]


def test_records_after_the_read_offset_pass_unchanged():
    assert fetch(consumer(committed=30, read=29), [30, 31]) == [30, 31]
    assert fetch(consumer(committed=None), [5, 6]) == [5, 6]


def test_a_record_not_acknowledged_holds_the_commit_back():
    # Record 2 is the next to read; 3 and 4 were processed, 2 never reached an agent.
    assert new_offset(consumer(committed=2, acked=[3, 4])) is None


def test_acknowledged_records_from_the_committed_offset_on_are_committed():
    assert new_offset(consumer(committed=2, acked=[2, 3, 4])) == 5
    assert new_offset(consumer(committed=2, acked=[2, 3, 5])) == 4  # up to the first hole


def test_offsets_the_broker_never_had_do_not_hold_it_back():
    # A gap Faust saw in the offsets it fetched (compaction, transaction markers) is skipped.
    assert new_offset(consumer(committed=2, acked=[5, 6], gap=(2, 5))) == 7


def test_a_fetch_that_starts_past_the_partitions_position_tells_of_offsets_the_broker_lacks():
    # Positioned at 2 (the committed offset); the broker's first record is 4: offsets 2
    # and 3 are a transaction's control records, or compacted away.
    state = consumer(committed=2, positioned_at=2, read=2)
    assert fetch(state, [4, 5]) == [4, 5]
    state._acked[TOPIC] = [4, 5]
    assert new_offset(state) == 6
    # Fetched in order from where it stood: no gap, and a skipped record still holds.
    state = consumer(committed=2, positioned_at=2, read=2)
    assert fetch(state, [2, 3, 4]) == [2, 3, 4]
    state._acked[TOPIC] = [3, 4]
    assert new_offset(state) is None


def test_while_nothing_is_committed_the_commit_waits_for_the_partitions_first_record():
    assert new_offset(consumer(committed=None, acked=[1, 2, 3], first=0)) is None
    assert new_offset(consumer(committed=None, acked=[0, 1, 2], first=0)) == 3
    # Where the partition begins is not known yet (between a revocation and a seek).
    assert new_offset(consumer(committed=None, acked=[0, 1, 2])) is None


def test_a_skipped_record_is_read_again_once_later_ones_were_acknowledged_for_a_while(monkeypatch):
    state = consumer(committed=2, acked=[3, 4])
    clock = [100.0]
    monkeypatch.setattr(faust_internals.time, "monotonic", lambda: clock[0])
    wait = faust_internals.READ_SKIPPED_AGAIN_AFTER_S

    async def commits_at(*times: float) -> None:
        for at in times:
            clock[0] = at
            assert new_offset(state) is None
            await asyncio.sleep(0)

    asyncio.run(commits_at(100.0, 102.0))
    assert state.seeks == []  # the records after it may still be on their way
    asyncio.run(commits_at(100.0 + wait))
    assert state.seeks == [(TOPIC, 2)]
    asyncio.run(commits_at(102.0 + wait))
    assert state.seeks == [(TOPIC, 2)]  # once per wait, not at every commit


def test_installing_twice_wraps_once():
    keep_every_record()
    wrapped = Consumer._new_offset, Consumer.getmany, Consumer.perform_seek, Consumer.seek
    keep_every_record()
    assert (Consumer._new_offset, Consumer.getmany, Consumer.perform_seek, Consumer.seek) == wrapped
