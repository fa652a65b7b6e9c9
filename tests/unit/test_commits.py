"""Every fetched record reaches an agent, and a partition's commit never passes one that none acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from types import SimpleNamespace

from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
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


CHANGELOG = TP("newsflow-related_graph-changelog", 1)


class Tables(dict):  # type: ignore[type-arg]
    """Recovery's tables: a mapping that is also told when they are ready."""

    def on_actives_ready(self) -> None:
        pass

    def on_standbys_ready(self) -> None:
        pass


def recovery(generation_after_seek: int = GENERATION) -> tuple[SimpleNamespace, list[tuple[str, ...]]]:
    """What Faust's ``Recovery.on_recovery_completed`` touches, recording what it does in order.
    ``generation_after_seek``: the consumer generation once the seek returns (a new rebalance)."""
    happened: list[tuple[str, ...]] = []

    async def perform_seek() -> None:
        happened.append(("seek",))
        app.consumer_generation_id = generation_after_seek

    async def nothing(*args: object, **kwargs: object) -> None:
        pass

    async def wait(coro: object, timeout: float) -> None:
        await coro  # type: ignore[misc]

    consumer = SimpleNamespace(
        assignment=lambda: {TOPIC, CHANGELOG},
        resume_partitions=lambda tps: happened.append(("resume", *sorted(tp.topic for tp in tps))),
        _is_changelog_tp=lambda tp: tp == CHANGELOG,
        perform_seek=perform_seek,
        resume_flow=lambda: happened.append(("flow",)),
    )
    app = SimpleNamespace(
        consumer=consumer,
        consumer_generation_id=GENERATION,
        conf=SimpleNamespace(broker_request_timeout=1.0),
        on_rebalance_complete=SimpleNamespace(send=nothing),
        # Faust's FlowControlEvent.resume empties every stream's queue.
        flow_control=SimpleNamespace(resume=lambda: happened.append(("queues emptied",))),
        _fetcher=SimpleNamespace(maybe_start=nothing),
        tables=SimpleNamespace(on_actives_ready=lambda: None, on_standbys_ready=lambda: None),
        assignor=SimpleNamespace(assigned_standbys=lambda: set()),
        on_rebalance_end=lambda: None,
    )
    state = SimpleNamespace(
        app=app,
        log=SimpleNamespace(info=lambda *a: None, dev=lambda *a: None, warning=lambda *a: None),
        _set_recovery_ended=lambda: None,
        tables=Tables(),
        actives_for_table={},
        standbys_for_table={},
        _is_changelog_tp=consumer._is_changelog_tp,
        _wait=wait,
        completed=SimpleNamespace(set=lambda: None),
    )
    return state, happened


def test_stream_partitions_resume_only_once_recovery_has_emptied_their_queues():
    # Faust resumes them, seeks, then empties the queues: what was fetched in between
    # is thrown away after it counted as read. Held back, nothing is fetched before.
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    state, happened = recovery()
    asyncio.run(Recovery.on_recovery_completed(state, GENERATION))  # type: ignore[arg-type]
    assert happened == [("seek",), ("queues emptied",), ("flow",), ("resume", TOPIC.topic)]
    assert "resume_partitions" in vars(state.app.consumer)  # the consumer's own is back


def test_changelog_partitions_resume_at_once_and_a_new_generation_resumes_its_own():
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    state, happened = recovery()

    async def resume_both(self: SimpleNamespace, generation_id: int = 0) -> None:
        self.app.consumer.resume_partitions({TOPIC, CHANGELOG})
        happened.append(("returned",))

    asyncio.run(faust_internals.resume_streams_when_done(resume_both)(state, GENERATION))
    assert happened == [("resume", CHANGELOG.topic), ("returned",), ("resume", TOPIC.topic)]

    state, happened = recovery(generation_after_seek=GENERATION + 1)
    asyncio.run(Recovery.on_recovery_completed(state, GENERATION))  # type: ignore[arg-type]
    assert ("resume", TOPIC.topic) not in happened


def test_a_fetch_returns_no_records_of_partitions_not_being_read():
    # Once recovery pauses the changelogs while the stream partitions wait, nothing is
    # being read: aiokafka would take the empty set for "every partition".
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    other = TP("articles.raw", 0)
    buffered = {TOPIC: ["a record"], other: ["another"]}

    class Fetcher:
        _closed = False
        _subscriptions = SimpleNamespace(fetch_context=contextlib.nullcontext)

        async def fetched_records(self, partitions, timeout=0, max_records=None):  # type: ignore[no-untyped-def]
            # aiokafka 0.14.0: records of every partition unless ``partitions`` is truthy
            return {tp: rs for tp, rs in buffered.items() if not (partitions and tp not in partitions)}

    thread = SimpleNamespace(consumer=SimpleNamespace(flow_active=True))
    client = SimpleNamespace(_fetcher=Fetcher(), _closed=False)
    reading: set[TP] = set()

    def fetch() -> dict[TP, list[str]]:
        return asyncio.run(AIOKafkaConsumerThread._fetch_records(thread, client, reading, timeout=0))  # type: ignore[arg-type]

    assert fetch() == {}
    reading.add(TOPIC)
    assert fetch() == {TOPIC: ["a record"]}


def _wrapped_methods() -> tuple[object, ...]:
    return (
        Consumer._new_offset,
        Consumer.getmany,
        Consumer.perform_seek,
        Recovery.on_recovery_completed,
        Recovery._resume_streams,
        AIOKafkaConsumerThread._fetch_records,
    )


def test_installing_twice_wraps_once():
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    wrapped = _wrapped_methods()
    keep_every_record(SimpleNamespace(), None)  # type: ignore[arg-type]
    assert _wrapped_methods() == wrapped
