"""Many small messages in one: the framing of the through-topics.

An article causes dozens of messages between the stateful steps (dedup asks its
buckets and candidates, the link index relates it to recent articles, edges go
to both ends). Each Kafka message costs a consumer event, a produce and a
changelog write, which on two cores costs far more than the steps themselves.
So the workers send what one input causes on a through-topic as one message
per destination partition: a batch of ``(key, value, raw timestamp)`` items,
all keyed to that partition, applied in order by the agent that owns it.

The framing is binary (values stay the bytes the steps encoded): ``NFB1``, then
per item a big-endian ``u32`` key length (``0xFFFFFFFF`` for no key), the key,
a ``u32`` value length, the value and an ``i64`` raw timestamp in ms (0: none).
A value without the magic is one plain item, so anyone may still write a single
message to a through-topic.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import NamedTuple

MAGIC = b"NFB1"
NO_KEY = 0xFFFFFFFF
_LENGTH = struct.Struct(">I")
_TIMESTAMP = struct.Struct(">q")


class Item(NamedTuple):
    key: bytes | None
    value: bytes
    raw_ts_ms: int | None


def pack(items: Iterable[Item]) -> bytes:
    parts = [MAGIC]
    for key, value, raw_ts_ms in items:
        parts.append(_LENGTH.pack(NO_KEY) if key is None else _LENGTH.pack(len(key)) + key)
        parts += [_LENGTH.pack(len(value)), value, _TIMESTAMP.pack(raw_ts_ms or 0)]
    return b"".join(parts)


def split(items: list[Item], max_bytes: int) -> list[list[Item]]:
    """Consecutive runs of ``items`` of at most ``max_bytes`` each (an item bigger than that alone)."""
    runs: list[list[Item]] = [[]]
    size = 0
    for item in items:
        item_size = len(item.value) + len(item.key or b"") + 16
        if runs[-1] and size + item_size > max_bytes:
            runs.append([])
            size = 0
        runs[-1].append(item)
        size += item_size
    return runs


def unpack(value: bytes, key: bytes | None = None, raw_ts_ms: int | None = None) -> list[Item]:
    """The items of a batch; any other value is one item with the message's own key."""
    if not value.startswith(MAGIC):
        return [Item(key, value, raw_ts_ms)]
    items: list[Item] = []
    view = memoryview(value)
    at = len(MAGIC)
    try:
        while at < len(value):
            (length,) = _LENGTH.unpack_from(view, at)
            at += 4
            item_key = None
            if length != NO_KEY:
                item_key, at = bytes(view[at : at + length]), at + length
            (length,) = _LENGTH.unpack_from(view, at)
            item_value, at = bytes(view[at + 4 : at + 4 + length]), at + 4 + length
            (timestamp,) = _TIMESTAMP.unpack_from(view, at)
            at += 8
            items.append(Item(item_key, item_value, timestamp or None))
    except struct.error:  # ran past the end: not a batch after all; the step says what it is
        return [Item(key, value, raw_ts_ms)]
    return items or [Item(key, value, raw_ts_ms)]
