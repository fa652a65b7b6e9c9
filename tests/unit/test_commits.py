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
) -> SimpleNamespace:
    """The state Faust's consumer keeps, as the guards read it. ``first``: where the
    partition begins, learnt at the last seek when the group had committed nothing."""
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
        app=SimpleNamespace(
            consumer_generation_id=GENERATION,
            rebalancing=False,
            topics=SimpleNamespace(acks_enabled_for=lambda topic: True),
            newsflow_settings=None,
        ),
        assignment=lambda: {TOPIC},
        seek=seek,
        seeks=seeks,
    )


def new_offset(state: SimpleNamespace) -> int | None:
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
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


def test_while_nothing_is_committed_the_commit_waits_for_the_partitions_first_record():
    assert new_offset(consumer(committed=None, acked=[1, 2, 3], first=0)) is None
    assert new_offset(consumer(committed=None, acked=[0, 1, 2], first=0)) == 3
    # Where the partition begins is not known yet (between a revocation and a seek).
    assert new_offset(consumer(committed=None, acked=[0, 1, 2])) is None
    # Once something was committed, a revocation (which forgets the committed offset)
    # does not send the commit back to where the partition began.
    state = consumer(committed=3, acked=[3, 4], first=0)
    assert new_offset(state) == 5
    assert TOPIC not in faust_internals._first_offsets(state)


def stuck_for_a_while(state: SimpleNamespace, monkeypatch, first_record: int) -> list[int | None]:
    """Commit attempts while record 2 goes unacknowledged and later ones are: what each returned.
    The broker's first record from offset 2 on is ``first_record``."""
    clock = [100.0]
    monkeypatch.setattr(faust_internals.time, "monotonic", lambda: clock[0])

    async def first_record_from(settings, topic, partition, offset):
        assert (topic, partition, offset) == (TOPIC.topic, TOPIC.partition, 2)
        return first_record

    monkeypatch.setattr(faust_internals, "first_record_from", first_record_from)
    wait = faust_internals.READ_SKIPPED_AGAIN_AFTER_S

    async def commits() -> list[int | None]:
        answers = []
        for at in (100.0, 102.0, 100.0 + wait, 102.0 + wait, 104.0 + wait):
            clock[0] = at
            answers.append(new_offset(state))
            for _ in range(3):
                await asyncio.sleep(0)
        return answers

    return asyncio.run(commits())


def test_a_skipped_record_is_read_again_once_later_ones_were_acknowledged_for_a_while(monkeypatch):
    state = consumer(committed=2, acked=[3, 4])
    assert stuck_for_a_while(state, monkeypatch, first_record=2) == [None] * 5
    assert state.seeks == [(TOPIC, 2)]  # once per wait, not at every commit


def test_offsets_the_broker_has_no_record_at_are_committed_through(monkeypatch):
    # Offset 2 holds a transaction's control record: the broker's first record is 3.
    state = consumer(committed=2, acked=[3, 4])
    assert stuck_for_a_while(state, monkeypatch, first_record=3)[-2:] == [5, None]
    assert state.seeks == []


def test_installing_twice_wraps_once():
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    wrapped = Consumer._new_offset, Consumer.getmany, Consumer.perform_seek
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    assert (Consumer._new_offset, Consumer.getmany, Consumer.perform_seek) == wrapped
