"""Table changelogs as the workers write them: one record per table partition per flush.

Faust writes a changelog record per changed key. A flush of a few articles
changes dozens of keys (dedup buckets, index entries, the graph entries of every
neighbour), and each record costs a produce, a broker append and, on recovery, a
fetch. So a worker writes what one flush changed in one table partition as one
*batch* record (more when it exceeds ``max_record_bytes``), framed like the
through-topics (``streams.batches``): an item per changed key, ``e`` with the
entry, ``d`` to delete it, or ``r`` with only the rows that changed for the
tables in ``rows.ROWS`` (a graph entry of 50 neighbours that gained one).

Batch keys are unique within an *epoch*, which always begins with a
*checkpoint*: every entry of the partition in ``c`` chunk records, then a
``m`` marker naming the checkpoint's generation and its number of chunks. Read
in order, the records give the state back; and when the broker compacts the
topic (Kafka does, the embedded broker does not), what survives still does:

* the marker keeps one key, so the last one stays, after its own chunks;
* a checkpoint's chunks are keyed by the parity of its generation, so a
  checkpoint cut short by a crash overwrites the one before the last, never
  the last;
* a batch key is its slot in the epoch, so a surviving batch of an older
  epoch lies before the last checkpoint, whose marker deletes every entry the
  checkpoint does not hold (``Replay``).

A worker starts an epoch the first time it writes a partition after it was
assigned one (it does not know which slots another worker used), and whenever
its batches since the last checkpoint reach ``CHECKPOINT_RATIO`` times the
checkpoint's size: a changelog holds at most a few times its table's state, and
a checkpoint costs at most a fraction of what the batches wrote.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from streams import batches
from streams.pipeline.rows import ROWS, RowCodec
from streams.pipeline.runner import Write

log = logging.getLogger("newsflow.changelog")

BATCH = b"\x00B"
CHUNK = b"\x00C"
MARKER = b"\x00M"
# Batch slots per epoch: an epoch ends with this many batches at the latest, so
# compaction leaves at most this many batch records of older epochs.
SLOTS = 1 << 13
CHECKPOINT_RATIO = 2
MIN_CHECKPOINT_BYTES = 1 << 20  # below this much written, a checkpoint would cost more than it saves
CHUNK_BYTES = 256 * 1024

ENTRY, DELETE, ROWS_CHANGED, GENERATION = "e", "d", "r", "g"
# Batch and chunk records are compressed (zlib, fastest level) from this size on: one
# flush's changes repeat their field names, and an article's reference repeats in
# every index entry it joins. (A producer's own compression would save the broker's
# disk as much, but not the bytes every recovery decodes.)
COMPRESSED = b"NFZ1"
COMPRESS_FROM = 256


@dataclass
class _Epoch:
    checkpoint_bytes: int
    slot: int = 0
    written: int = 0

    def due(self) -> bool:
        limit = max(MIN_CHECKPOINT_BYTES, CHECKPOINT_RATIO * self.checkpoint_bytes)
        return self.slot >= SLOTS or self.written >= limit


@dataclass
class _Staged:
    """A checkpoint being read back: its generation, the keys and chunks seen so far."""

    generation: int
    keys: set[bytes] = field(default_factory=set)
    chunks: int = 0


class TableLog:
    """One table's changelog: the records a flush writes, and recovery reading them back.

    Per partition it remembers the generation of the last checkpoint (read back
    or written) and, for the partitions this worker writes, the current epoch.
    """

    def __init__(self, name: str):
        self.name = name
        self.codec: RowCodec | None = ROWS.get(name)
        self.generations: dict[int, int] = {}
        self.epochs: dict[int, _Epoch] = {}
        self.staged: dict[int, _Staged] = {}

    # --- writing ----------------------------------------------------------------------------------

    def forget(self, partitions: Iterable[int]) -> None:
        """These partitions changed hands: the next write to each begins an epoch."""
        for partition in partitions:
            self.epochs.pop(partition, None)
            self.staged.pop(partition, None)

    def records(
        self,
        partition: int,
        writes: Sequence[Write],
        entries: Callable[[], Iterable[tuple[bytes, bytes]]],
        max_record_bytes: int,
    ) -> list[tuple[bytes, bytes]]:
        """The records for ``writes`` on ``partition``; ``entries``: its entries, writes applied."""
        epoch = self.epochs.get(partition)
        if epoch is None or epoch.due():
            return self._checkpoint(partition, entries(), max_record_bytes)
        items = [self._item(write) for write in writes]
        records: list[tuple[bytes, bytes]] = []
        for run in batches.split(items, max_record_bytes):
            if epoch.slot >= SLOTS:  # the rest goes into the checkpoint
                return records + self._checkpoint(partition, entries(), max_record_bytes)
            value = _pack(run)
            records.append((BATCH + epoch.slot.to_bytes(2, "big"), value))
            epoch.slot += 1
            epoch.written += len(value)
        return records

    def _item(self, write: Write) -> batches.Item:
        if write.value is None:
            return batches.Item(DELETE, write.key, b"", None)
        if self.codec is not None and write.before is not None and write.state is not None:
            changed, gone = self.codec.diff(write.before, write.state)
            return batches.Item(ROWS_CHANGED, write.key, orjson.dumps([changed, gone]), None)
        return batches.Item(ENTRY, write.key, write.value, None)

    def _checkpoint(
        self, partition: int, entries: Iterable[tuple[bytes, bytes]], max_record_bytes: int
    ) -> list[tuple[bytes, bytes]]:
        generation = self.generations.get(partition, 0) + 1
        header = batches.Item(GENERATION, None, str(generation).encode(), None)
        items = [batches.Item(ENTRY, key, value, None) for key, value in entries]
        parity = bytes([generation % 2])
        records = [
            (CHUNK + parity + index.to_bytes(4, "big"), _pack([header, *run]))
            for index, run in enumerate(batches.split(items, min(CHUNK_BYTES, max_record_bytes)))
            if run
        ]
        marker = orjson.dumps({"generation": generation, "chunks": len(records)})
        self.generations[partition] = generation
        size = sum(len(value) for _, value in records)
        self.epochs[partition] = _Epoch(checkpoint_bytes=size)
        return [*records, (MARKER, marker)]

    # --- reading back -----------------------------------------------------------------------------

    def replay(
        self,
        records: Iterable[tuple[bytes | None, bytes | None, int, Any]],
        read: Callable[[bytes], bytes | None],
        keys_of: Callable[[int], Iterable[bytes]],
    ) -> list[tuple[bytes, bytes | None, int, Any]]:
        """The entry writes that changelog ``records`` (key, value, partition, message) stand for, in order.

        ``read`` gives an entry as the store holds it before these records,
        ``keys_of`` the store's keys of a partition. Each entry comes once, with
        the record that last touched it.
        """
        replay = _Replay(self, read, keys_of)
        for key, value, partition, message in records:
            replay.apply(key, value, partition, message)
        return [
            (key, value, partition, message) for key, (value, partition, message) in replay.pending.items()
        ]


class _Replay:
    def __init__(
        self,
        log_: TableLog,
        read: Callable[[bytes], bytes | None],
        keys_of: Callable[[int], Iterable[bytes]],
    ):
        self.log, self.read, self.keys_of = log_, read, keys_of
        self.pending: dict[bytes, tuple[bytes | None, int, Any]] = {}

    def apply(self, key: bytes | None, value: bytes | None, partition: int, message: Any) -> None:
        kind = (key or b"")[:2]
        try:
            if kind == BATCH and value is not None:
                for item in items_of(value):
                    self._item(item, partition, message)
            elif kind == CHUNK and value is not None:
                self._chunk(items_of(value), partition, message)
            elif kind == MARKER and value is not None:
                self._marker(orjson.loads(value), partition, message)
            elif key is not None:  # a whole entry, as Faust itself writes one
                self._set(key, value, partition, message)
        except (
            batches.BatchError,
            zlib.error,
            orjson.JSONDecodeError,
            KeyError,
            TypeError,
            ValueError,
        ) as exc:
            # Only a record the last checkpoint replaces can fail to apply (a row change of an
            # older epoch, after compaction); anything else is a bug worth a line in the log.
            log.warning(
                "table %s: changelog record on partition %d not applied: %r", self.log.name, partition, exc
            )

    def _set(self, key: bytes, value: bytes | None, partition: int, message: Any) -> None:
        self.pending.pop(key, None)  # re-inserted last: the order of the store's writes is the log's
        self.pending[key] = (value, partition, message)

    def _current(self, key: bytes) -> bytes | None:
        if key in self.pending:
            return self.pending[key][0]
        return self.read(key)

    def _item(self, item: batches.Item, partition: int, message: Any) -> None:
        assert item.key is not None
        if item.channel == DELETE:
            self._set(item.key, None, partition, message)
        elif item.channel == ROWS_CHANGED and self.log.codec is not None:
            changed, gone = orjson.loads(item.value)
            stored = self._current(item.key)
            state = self.log.codec.patch(orjson.loads(stored) if stored is not None else None, changed, gone)
            self._set(item.key, orjson.dumps(state) if state is not None else None, partition, message)
        else:
            self._set(item.key, item.value, partition, message)

    def _chunk(self, items: list[batches.Item], partition: int, message: Any) -> None:
        generation = int(items[0].value)
        staged = self.log.staged.get(partition)
        if staged is None or staged.generation != generation:
            staged = self.log.staged[partition] = _Staged(generation)
        staged.chunks += 1
        for item in items[1:]:
            assert item.key is not None
            staged.keys.add(item.key)
            self._set(item.key, item.value, partition, message)

    def _marker(self, marker: dict[str, int], partition: int, message: Any) -> None:
        """The checkpoint is whole: every entry of the partition it does not hold is gone."""
        generation, chunks = marker["generation"], marker["chunks"]
        self.log.generations[partition] = generation
        staged = self.log.staged.pop(partition, None) or _Staged(generation)
        if staged.generation != generation or staged.chunks != chunks:
            # Read from the middle of a checkpoint (a store that kept what it had read
            # before): what came before it is already in the store.
            return
        for key in list(self._keys(partition)):
            if key not in staged.keys:
                self._set(key, None, partition, message)

    def _keys(self, partition: int) -> Iterator[bytes]:
        for key in self.keys_of(partition):
            if key not in self.pending:
                yield key
        for key, (value, at, _) in self.pending.items():
            if at == partition and value is not None:
                yield key


def entry_keys(key: bytes | None, value: bytes | None) -> list[bytes]:
    """The keys of the entries one changelog record writes (for checks and tools)."""
    kind = (key or b"")[:2]
    if kind in (BATCH, CHUNK) and value is not None:
        return [item.key for item in items_of(value) if item.key is not None]
    if kind == MARKER or key is None:
        return []
    return [key]


def _pack(items: list[batches.Item]) -> bytes:
    packed = batches.pack(items)
    return COMPRESSED + zlib.compress(packed, 1) if len(packed) >= COMPRESS_FROM else packed


def items_of(value: bytes) -> list[batches.Item]:
    """The items of a batch or chunk record."""
    if value[: len(COMPRESSED)] == COMPRESSED:
        value = zlib.decompress(value[len(COMPRESSED) :])
    return batches.unpack(value)
