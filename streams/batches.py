"""Many small messages in one: the framing of the through-topics.

An article causes dozens of messages between the stateful steps (dedup asks its
buckets and candidates, the link index relates it to recent articles, edges go
to both ends). Each Kafka record costs a produce, a fetch and a consumer event,
far more than the steps themselves. So a worker sends what a whole micro-batch
causes on a through-topic as one record per destination partition: a batch of
``(channel, key, value, raw timestamp)`` items, all keyed to that partition,
applied in order by the agent that owns it.

The framing is binary (values stay the bytes the steps encoded): ``NFB2``,
then per item a ``u8`` channel length and the channel name (ASCII), a
big-endian ``u32`` key length (``0xFFFFFFFF`` for no key), the key, a ``u32``
value length, the value and an ``i64`` raw timestamp in ms (0: none).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import NamedTuple

from streams.errors import NewsflowError

MAGIC = b"NFB2"
NO_KEY = 0xFFFFFFFF
_CHANNEL = struct.Struct(">B")
_LENGTH = struct.Struct(">I")
_TIMESTAMP = struct.Struct(">q")
ITEM_OVERHEAD = 1 + 4 + 4 + 8


class Item(NamedTuple):
    channel: str
    key: bytes | None
    value: bytes
    raw_ts_ms: int | None


class BatchError(NewsflowError, ValueError):
    """A through-topic record that is not a batch newsflow wrote."""


def pack(items: Iterable[Item]) -> bytes:
    parts = [MAGIC]
    for channel, key, value, raw_ts_ms in items:
        name = channel.encode("ascii")
        parts += [_CHANNEL.pack(len(name)), name]
        parts.append(_LENGTH.pack(NO_KEY) if key is None else _LENGTH.pack(len(key)) + key)
        parts += [_LENGTH.pack(len(value)), value, _TIMESTAMP.pack(raw_ts_ms or 0)]
    return b"".join(parts)


def size(item: Item) -> int:
    return ITEM_OVERHEAD + len(item.channel) + len(item.key or b"") + len(item.value)


def split(items: list[Item], max_bytes: int) -> list[list[Item]]:
    """Consecutive runs of ``items`` of at most ``max_bytes`` each (an item bigger than that alone)."""
    runs: list[list[Item]] = [[]]
    total = 0
    for item in items:
        item_size = size(item)
        if runs[-1] and total + item_size > max_bytes:
            runs.append([])
            total = 0
        runs[-1].append(item)
        total += item_size
    return runs


def unpack(value: bytes) -> list[Item]:
    """The items of a batch; ``BatchError`` for anything else."""
    if not value.startswith(MAGIC):
        raise BatchError(f"not a newsflow batch (no {MAGIC.decode()} magic)")
    items: list[Item] = []
    view = memoryview(value)
    at = len(MAGIC)
    try:
        while at < len(value):
            (length,) = _CHANNEL.unpack_from(view, at)
            channel, at = bytes(view[at + 1 : at + 1 + length]).decode("ascii"), at + 1 + length
            (length,) = _LENGTH.unpack_from(view, at)
            at += 4
            key = None
            if length != NO_KEY:
                key, at = bytes(view[at : at + length]), at + length
            (length,) = _LENGTH.unpack_from(view, at)
            item_value, at = bytes(view[at + 4 : at + 4 + length]), at + 4 + length
            if len(item_value) != length:
                raise BatchError("batch ends inside an item")
            (timestamp,) = _TIMESTAMP.unpack_from(view, at)
            at += 8
            items.append(Item(channel, key, item_value, timestamp or None))
    except (struct.error, UnicodeDecodeError) as exc:
        raise BatchError(f"broken batch: {exc}") from exc
    return items
