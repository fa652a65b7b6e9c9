"""Every private Faust and aiokafka internal newsflow touches, each in one small function.

(And the one of prometheus-client: a batch's histogram values moved at once, ``observe_all``.)

Nothing else in ``streams/`` reaches into Faust's or aiokafka's objects: a new
release of either is checked here, against the reason and the version each
function names. Checked against faust-streaming 0.15.3 and aiokafka 0.14.0
(``pyproject.toml`` pins both below their next minor release). The Kafka
clients newsflow creates itself are in ``streams.kafka_io``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from bisect import bisect_left
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, NamedTuple

import faust
from faust.streams import _current_event
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.types import TP
from faust.web.drivers.aiohttp import Web

from streams.changelog import TableLog
from streams.kafka_io import first_record_from, true_end_offsets
from streams.settings import Settings

_log = logging.getLogger("newsflow.consumer")

# --- table stores: the agents write their tables' entries and changelogs themselves -----------------


class _OnPartition:
    """What Faust's RocksDB store reads of the current event to pick a partition's database."""

    def __init__(self, partition: int):
        self.message = self
        self.partition = partition


def write_entry(table: Any, partition: int, key: bytes, value: bytes | None) -> None:
    """Put (or delete) ``key`` in the table's store for ``partition``, without a changelog record.

    The worker sends the changelog records itself, batched, after the outputs
    (``streams.sender``). Faust's stores take the partition from the current
    event, the private context variable ``faust.streams._current_event``; the
    memory store remembers it in its private ``_key_partition``, to drop the key
    when the partition is revoked. Both as in faust-streaming 0.15.3.
    """
    store = table.data
    holder = _OnPartition(partition)
    token = _current_event.set(weakref.ref(holder))  # type: ignore[arg-type]
    try:
        if value is None:
            with contextlib.suppress(KeyError):
                del store[key]
        else:
            store[key] = value
    finally:
        _current_event.reset(token)
    key_partition = getattr(store, "_key_partition", None)
    if key_partition is not None:
        if value is None:
            key_partition.pop(key, None)
        else:
            key_partition[key] = partition


def entries_of_partition(table: Any, partition: int) -> list[tuple[bytes, bytes]]:
    """The table's entries that live on ``partition``, without hashing a key.

    The memory store knows each key's partition (its private ``_key_partition``,
    faust-streaming 0.15.3, filled by ``write_entry`` and Faust's recovery);
    RocksDB keeps a database per partition (its private ``_db_for_partition``).
    """
    store = table.data
    key_partition = getattr(store, "_key_partition", None)
    if key_partition is not None:
        data = store.data
        return [(k, data[k]) for k, p in key_partition.items() if p == partition and k in data]
    return list(store._visible_items(store._db_for_partition(partition)))


def read_entry(table: Any, key: bytes) -> bytes | None:
    """The stored bytes of ``key``, read from the store under the table (no event, no routing)."""
    return table.data.get(key)


class _ReplayedMessage(NamedTuple):
    key: bytes
    value: bytes | None
    partition: int
    offset: int
    tp: TP


class _ReplayedEvent(NamedTuple):
    key: bytes
    value: bytes | None
    message: _ReplayedMessage


def keep_changelog(table: Any, log: TableLog) -> None:
    """Make the table's recovery read newsflow's changelog records (``streams.changelog``).

    Faust hands each batch of changelog records it reads to
    ``Table.apply_changelog_batch``, whose store takes each record as a whole
    entry: the memory store reads ``event.key``, ``event.value``,
    ``event.message.value`` and ``event.message.partition``, RocksDB
    ``event.message.key``, ``value``, ``partition``, ``offset`` and ``tp``
    (faust-streaming 0.15.3). This replaces the method on the table object: the
    store is handed one record per entry the batch wrote, with the partition and
    offset of the record that last touched it. ``Table.on_rebalance`` is wrapped
    too: a partition that changed hands starts a new epoch when next written.
    """
    table.newsflow_log = log
    apply_original, rebalance_original = table.apply_changelog_batch, table.on_rebalance

    def apply_changelog_batch(batch: Iterable[Any]) -> None:
        records = [(e.message.key, e.message.value, e.message.partition, e.message) for e in batch]
        replayed = log.replay(
            records,
            lambda key: read_entry(table, key),
            lambda partition: [key for key, _ in entries_of_partition(table, partition)],
        )
        apply_original(
            [
                _ReplayedEvent(key, value, _ReplayedMessage(key, value, partition, last.offset, last.tp))
                for key, value, partition, last in replayed
            ]
        )

    async def on_rebalance(assigned: Any, revoked: Any, newly_assigned: Any, generation_id: int = 0) -> None:
        log.forget({tp.partition for tp in (*revoked, *newly_assigned)})
        await rebalance_original(assigned, revoked, newly_assigned, generation_id)

    table.apply_changelog_batch = apply_changelog_batch
    table.on_rebalance = on_rebalance


def table_log(table: Any) -> TableLog:
    return table.newsflow_log


def changelog_topic(table: Any) -> str:
    return str(table.changelog_topic.get_topic_name())


def set_persisted_offset(table: Any, topic: str, partition: int, offset: int) -> None:
    """What Faust does when its own changelog send completes: RocksDB remembers how far it has the data."""
    table.data.set_persisted_offset(TP(topic, partition), offset)


# --- the embedded broker (Tansu) -------------------------------------------------------------------


def recover_tables_exactly(app: faust.App, settings: Settings) -> None:
    """Make Faust's table recovery read every changelog to its real end on Tansu.

    Faust learns where a changelog ends from ListOffsets, in the private
    ``Recovery._build_highwaters`` (faust-streaming 0.15.3); this wraps it so each
    answer is checked by ``kafka_io.true_end_offsets``. Installed once per
    process, for apps that ask for it.
    """
    app.newsflow_exact_recovery = settings  # type: ignore[attr-defined]  # read by the wrapper below
    if getattr(Recovery, "_newsflow_wraps", None) is not None:
        return
    original = Recovery._build_highwaters

    async def build_highwaters(self: Any, consumer: Any, tps: Any, destination: Any, title: str) -> None:
        await original(self, consumer, tps, destination, title)
        exact = getattr(self.app, "newsflow_exact_recovery", None)
        if exact is None:
            return
        # Faust keeps "end offset - 1" (the last offset), -1 for an empty partition.
        listed = {tp: destination[tp] + 1 for tp in tps if destination.get(tp, -1) >= 0}
        for tp, end in (await true_end_offsets(exact, listed)).items():
            destination[tp] = end - 1

    Recovery._build_highwaters = build_highwaters  # type: ignore[method-assign]
    Recovery._newsflow_wraps = original  # type: ignore[attr-defined]


def hold_fetches_at_most(app: faust.App, wait_ms: int) -> None:
    """Make the worker's consumer ask the broker to hold an empty fetch ``wait_ms`` at most.

    Faust hard-codes ``fetch_max_wait_ms=1500`` in the private
    ``AIOKafkaConsumerThread._create_worker_consumer`` (faust-streaming 0.15.3);
    this wraps it and sets the consumer's private ``_fetch_max_wait_ms``, which
    aiokafka 0.14.0 reads when the consumer starts. Installed once per process.
    """
    app.newsflow_fetch_max_wait_ms = wait_ms  # type: ignore[attr-defined]
    if getattr(AIOKafkaConsumerThread, "_newsflow_wraps", None) is not None:
        return
    original = AIOKafkaConsumerThread._create_worker_consumer

    def create_worker_consumer(self: AIOKafkaConsumerThread, transport: Any) -> Any:
        consumer = original(self, transport)
        wait = getattr(self.app, "newsflow_fetch_max_wait_ms", None)
        if wait is not None:
            consumer._fetch_max_wait_ms = wait
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer  # type: ignore[method-assign]
    AIOKafkaConsumerThread._newsflow_wraps = original  # type: ignore[attr-defined]


# --- what a worker reads of its own clients ---------------------------------------------------------


async def fetch_broker_metadata(app: faust.App, timeout_s: float) -> None:
    """Ask the broker for its metadata on the connection of Faust's producer; raises when it does not answer.

    Faust has no public accessor for its producer's aiokafka client: the private
    ``Producer._ensure_producer()`` (faust-streaming 0.15.3) returns it, and its
    ``client.fetch_all_metadata()`` is aiokafka's (0.14.0).
    """
    client = app.producer._ensure_producer().client  # type: ignore[attr-defined]
    await asyncio.wait_for(client.fetch_all_metadata(), timeout=timeout_s)


def consumer_positions(app: faust.App) -> list[tuple[TP, int | None, int | None]]:
    """``(partition, highwater, next offset to process)`` of each partition assigned to the worker.

    Faust keeps the last offset it handed to a stream, and the last it
    committed, per partition in the private ``Consumer._read_offset`` and
    ``_committed_offset`` (faust-streaming 0.15.3; no public accessor). Empty
    before the consumer starts and between rebalances.
    """
    try:
        consumer = app.consumer
        assignment = consumer.assignment()
    except Exception:  # not started yet, or between rebalances
        return []
    read = getattr(consumer, "_read_offset", {})
    committed = getattr(consumer, "_committed_offset", {})
    positions = []
    for tp in assignment:
        try:
            highwater = consumer.highwater(tp)
        except Exception:
            highwater = None
        last_read = read.get(tp) if hasattr(read, "get") else None
        next_offset = last_read + 1 if last_read is not None else committed.get(tp)
        positions.append((tp, highwater, next_offset))
    return positions


def quiet_worker(app: faust.App, on_stop_signal: Callable[[], None], **options: Any) -> faust.Worker:
    """Faust's worker for ``app``, without its spinner, calling ``on_stop_signal`` on SIGTERM and SIGINT.

    Faust handles the signals in the private ``Worker._on_sigterm`` and
    ``_on_sigint`` (faust-streaming 0.15.3); ``on_stop_signal`` runs first, then
    Faust's own handling. At log levels from WARNING up, Faust keeps a progress
    spinner that turns on every log record: it sets the root logger to DEBUG,
    and every debug line of aiokafka then builds a record (5% of a worker's core
    in a profile). There is no terminal to spin in.
    """

    class Worker(faust.Worker):
        def _on_sigterm(self) -> None:
            on_stop_signal()
            super()._on_sigterm()

        def _on_sigint(self) -> None:
            on_stop_signal()
            super()._on_sigint()

    worker = Worker(app, **options)
    worker.spinner = None
    return worker


# --- the consumer's reads and commits --------------------------------------------------------------

# A record no agent acknowledged, while later ones of its partition were, is read again
# after this long: the records after it were being processed when it went missing.
READ_SKIPPED_AGAIN_AFTER_S = 10.0


def keep_every_record(app: faust.App, settings: Settings) -> None:
    """Make Faust's consumer lose no record around a rebalance or a restart.

    Faust (faust-streaming 0.15.3) loses records five ways, each seen in the
    fault tests as verdicts and embedded-page edges missing after a kill -9 or a
    rebalance:

    - its fetch loop (``Consumer._drain_messages``) drops a record below the
      partition's read offset (the private ``Consumer._read_offset``) as one it
      already handed to a stream, and around a rebalance that offset runs ahead
      of what the streams processed (records cleared from the agents' queues
      stay counted as read); a stream also skips an event fetched in an earlier
      consumer generation (``Stream._c_aiter``);
    - ``Consumer._new_offset`` then commits past such a record: its check
      ``min(acked) - committed > 1`` is one off, and it is skipped while the
      group has committed nothing (``_committed_offset`` is None);
    - its fetch (``AIOKafkaConsumerThread._fetch_records``) asks aiokafka for
      the records of the partitions it reads, a set it keeps changing while the
      fetch waits for records; aiokafka's ``Fetcher.fetched_records`` takes an
      empty set for "every partition", so once the last of them is paused (the
      changelogs, when table recovery ends) the fetch returns the records of the
      paused stream partitions too, and ``Consumer.getmany`` drops them as not
      asked for after aiokafka counted them as consumed;
    - when its tables are recovered (``Recovery.on_recovery_completed``, and
      ``Recovery._resume_streams`` when there was nothing to recover) it resumes
      fetching the stream partitions, seeks them to their committed offsets and
      only then resumes the app's flow control, which empties every stream's
      queue (``FlowControlEvent.resume`` clears the queues made with
      ``clear_on_resume``, as every stream's is). Records fetched in between are
      thrown away after they counted as read; on a partition with nothing
      committed aiokafka does not seek at all, and on the others the records
      fetched after the seek are lost as well. With a backlog waiting at start-up
      (a restart after ``kill -9``) that is a record or more per partition, read
      again only by the guard below, from behind the whole backlog.

    Guarded here: a fetch returns records of the partitions being read only,
    none when none is; the stream partitions are resumed only once those
    methods have returned, so nothing is fetched for the streams before their
    queues are emptied; a fetched record below the read offset lowers it and is
    delivered; the commit waits at the first record no agent acknowledged (the
    partition's first offset while nothing is committed); and once later records
    have been acknowledged for ``READ_SKIPPED_AGAIN_AFTER_S`` the broker is asked
    where the partition's next record is: offsets it has no record at
    (transaction markers, compacted or expired records) become a gap Faust
    commits through (``Consumer._gap``), and a record it has is read again.
    Reading again only repeats work every step allows. The wrappers are
    installed once per process; ``settings`` is the app's, for asking the broker.
    """
    app.newsflow_settings = settings  # type: ignore[attr-defined]  # read by _read_again
    if getattr(Consumer, "_newsflow_wraps", None) is not None:
        return
    original_getmany, original_new_offset = Consumer.getmany, Consumer._new_offset
    original_perform_seek = Consumer.perform_seek

    async def getmany(self: Consumer, timeout: float) -> AsyncIterator[tuple[TP, Any]]:
        async for tp, message in delivered(self, original_getmany(self, timeout)):
            yield tp, message

    def new_offset(self: Consumer, tp: TP) -> int | None:
        acked = self._acked[tp]
        start = self._committed_offset[tp]
        if start is None:
            start = _first_offsets(self).get(tp)
            if start is None:  # between a revocation and the next seek: nothing is sure
                return None
        else:  # once something is committed, where the partition began no longer matters
            _first_offsets(self).pop(tp, None)
        if acked and min(acked) > start and not self._gap[tp].overlaps(start):
            _read_again_if_skipped(self, tp, start)
            return None
        _skipped_since(self).pop(tp, None)
        return original_new_offset(self, tp)

    async def perform_seek(self: Consumer) -> None:
        await original_perform_seek(self)
        await _learn_first_offsets(self)

    Consumer.getmany = getmany  # type: ignore[method-assign]
    Consumer._new_offset = new_offset  # type: ignore[method-assign]
    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    Consumer._newsflow_wraps = (original_getmany, original_new_offset, original_perform_seek)  # type: ignore[attr-defined]
    for name in ("on_recovery_completed", "_resume_streams"):
        setattr(Recovery, name, resume_streams_when_done(getattr(Recovery, name)))
    original_fetch_records = AIOKafkaConsumerThread._fetch_records

    async def fetch_records(
        self: AIOKafkaConsumerThread,
        consumer: Any,
        active_partitions: Any,
        timeout: float | None = None,
        max_records: int | None = None,
    ) -> Any:
        if active_partitions is not None:
            active_partitions = OnlyThese(active_partitions)
        return await original_fetch_records(
            self, consumer, active_partitions, timeout=timeout, max_records=max_records
        )

    AIOKafkaConsumerThread._fetch_records = fetch_records  # type: ignore[method-assign]


class OnlyThese:
    """The partitions a fetch may return records of, as they are when aiokafka asks: never "all".

    aiokafka 0.14.0's ``Fetcher.fetched_records`` returns every partition's
    records when its ``partitions`` is empty (falsy); this is never falsy, and
    asks the live set of the partitions being read.
    """

    def __init__(self, partitions: Any):
        self.partitions = partitions

    def __bool__(self) -> bool:
        return True

    def __contains__(self, tp: object) -> bool:
        return tp in self.partitions

    def __iter__(self) -> Any:
        return iter(self.partitions)

    def __len__(self) -> int:
        return len(self.partitions)


def resume_streams_when_done(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of Faust's ``Recovery``, resuming the stream partitions it resumes only once it returns.

    While it runs, the consumer's ``resume_partitions`` (an attribute set on the
    consumer object, over Faust's method) holds the stream partitions back and
    resumes changelog partitions at once. Afterwards, in the same consumer
    generation, the partitions held back that are still assigned are resumed:
    by then the streams' queues have been emptied and the partitions sought to
    their committed offsets, so what is fetched from them stays in the queues.
    """

    async def wrapper(self: Any, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        original = consumer.resume_partitions
        own = vars(consumer).get("resume_partitions")  # set on the object itself, not its class
        held: set[TP] = set()

        def resume_partitions(tps: Iterable[TP]) -> None:
            tps = set(tps)
            streams = {tp for tp in tps if not consumer._is_changelog_tp(tp)}
            held.update(streams)
            if tps - streams:
                original(tps - streams)

        consumer.resume_partitions = resume_partitions
        try:
            await method(self, generation_id)
        finally:
            if own is None:
                del consumer.resume_partitions
            else:
                consumer.resume_partitions = own
        if held and self.app.consumer_generation_id == generation_id:
            consumer.resume_partitions(held & set(consumer.assignment()))

    wrapper._newsflow_wraps = method  # type: ignore[attr-defined]
    return wrapper


async def delivered(consumer: Any, fetched: AsyncIterator[tuple[TP, Any]]) -> AsyncIterator[tuple[TP, Any]]:
    """The fetched records, each made to pass the fetch loop's "already read" check."""
    read = consumer._read_offset
    async for tp, message in fetched:
        offset, last = message.offset, read.get(tp)
        if last is not None and offset < last:
            read[tp] = offset - 1 if offset > 0 else None
        yield tp, message


def _first_offsets(consumer: Any) -> dict[TP, int]:
    """Where each partition the group has committed nothing for begins, in this consumer generation."""
    generation = consumer.app.consumer_generation_id
    held = getattr(consumer, "_newsflow_first_offsets", None)
    if held is None or held[0] != generation:
        held = (generation, {})
        consumer._newsflow_first_offsets = held
    offsets: dict[TP, int] = held[1]
    return offsets


async def _learn_first_offsets(consumer: Any) -> None:
    uncommitted = [
        tp
        for tp in consumer.assignment()
        if consumer._committed_offset.get(tp) is None and consumer.app.topics.acks_enabled_for(tp.topic)
    ]
    if uncommitted:
        try:
            _first_offsets(consumer).update(await consumer.earliest_offsets(*uncommitted))
        except Exception as exc:  # the commit of these partitions waits for the next seek
            _log.warning("could not learn where %d partitions begin: %r", len(uncommitted), exc)


def _skipped_since(consumer: Any) -> dict[TP, tuple[int, float]]:
    if not hasattr(consumer, "_newsflow_skipped"):
        consumer._newsflow_skipped = {}
    skipped: dict[TP, tuple[int, float]] = consumer._newsflow_skipped
    return skipped


def _read_again_if_skipped(consumer: Any, tp: TP, offset: int) -> None:
    skipped = _skipped_since(consumer)
    now = time.monotonic()
    first, since = skipped.setdefault(tp, (offset, now))
    if first != offset:
        skipped[tp] = (offset, now)
        return
    waiting = now - since < READ_SKIPPED_AGAIN_AFTER_S
    if waiting or getattr(consumer.app, "rebalancing", False) or tp not in consumer.assignment():
        return
    skipped[tp] = (offset, now)
    task = asyncio.get_running_loop().create_task(_read_again(consumer, tp, offset))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _read_again(consumer: Any, tp: TP, offset: int) -> None:
    try:
        first = await first_record_from(consumer.app.newsflow_settings, tp.topic, tp.partition, offset)
    except Exception as exc:  # asked again at the next wait
        _log.warning("%s: could not ask the broker for the record at offset %d: %r", tp, offset, exc)
        return
    if first is not None and first > offset:
        consumer._gap[tp].addi(offset, first)
        _log.info(
            "%s: no record at offsets %d to %d (transaction markers or compaction)", tp, offset, first - 1
        )
        return
    _log.warning("%s: offset %d was never processed while later ones were; reading it again", tp, offset)
    await consumer.seek(tp, offset)


_pending: set[asyncio.Task[None]] = set()


# --- the web server and the tables' recovery --------------------------------------------------------


def aiohttp_app(app: faust.App) -> Any:
    """The aiohttp application behind Faust's web server (its default driver), to add middleware to.

    ``web_app`` exists on the aiohttp driver only (faust-streaming 0.15.3); its
    middleware list is open until the server starts.
    """
    server = app.web
    assert isinstance(server, Web)
    return server.web_app


def tables_recovered(app: faust.App) -> bool:
    """Whether the tables have been read back from their changelogs since the last assignment.

    ``TableManager.recovery`` is not on Faust's ``TableManagerT`` protocol (faust-streaming 0.15.3).
    """
    recovery = getattr(app.tables, "recovery", None)
    return bool(recovery is not None and recovery.completed.is_set())


# --- prometheus-client's histograms ---------------------------------------------------------------


def observe_all(histogram: Any, amounts: list[float]) -> None:
    """``histogram.observe(a)`` for each of ``amounts``, with each bucket and the sum moved once.

    ``observe`` takes a lock per value (a step run costs several microseconds of
    metrics); this counts the amounts per bucket first. It reads the histogram's
    bounds and moves its bucket and sum values (the private ``_upper_bounds``,
    ``_buckets`` and ``_sum``, and its check ``_raise_if_not_observable``, as in
    prometheus-client 0.26, whose ``observe`` adds 1 to the first bucket whose
    bound is at least the amount, the last bound being +Inf), and falls back to
    ``observe`` where they are missing.
    """
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    check = getattr(histogram, "_raise_if_not_observable", None)
    if bounds is None or buckets is None or total is None or check is None or len(bounds) != len(buckets):
        for amount in amounts:
            histogram.observe(amount)
        return
    if not amounts:
        return
    check()
    counts = Counter(bisect_left(bounds, a) for a in amounts if a == a)  # NaN: in no bucket, as observe
    total.inc(sum(amounts))
    for index, count in counts.items():
        buckets[index].inc(count)
