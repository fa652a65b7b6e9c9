"""Table entries kept as member rows on their changelog: a small change writes what changed.

An entry of ``related_graph`` holds up to ``graph_top_k`` neighbours, and an entry
of ``graph_index`` up to ``MAX_COUNTED_MEMBERS`` articles; one neighbour or one
article changes at a time. Written whole, every such change would send the whole
entry to its changelog. For the tables named in ``ROWS`` the changelog holds
instead one record per *row* of an entry, keyed ``row_key(entry key, member)``:

* a row whose value changed is written (its own JSON, nothing else of the entry);
* a row that left the entry gets a tombstone;
* a row that stayed as it was is not written at all.

Each table says how an entry splits into rows and how rows join back into the
entry (``RowCodec``); ``join(split(entry)) == entry`` for every entry its steps
write, so what recovery rebuilds is exactly what was written. Steps never see
rows: the runner (``streams.pipeline.runner``) keeps entries whole, compares the
rows of an entry as read with its rows as written (``row_changes``), and the
table store keeps whole entries under their own key, so reads (HTTP answers,
expiry, the metrics) are unchanged. Only the changelog is rows, and recovery
folds them back into whole entries (``Fold``) before they reach the store.

A changelog record whose key is not a row key holds a whole entry (how every
table's changelog was written before): recovery takes it as the entry's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

State = Any
Rows = dict[bytes, Any]  # member -> the row's JSON value

# A row key: ROW_MARK, the entry key's length (4 bytes, big-endian), the entry key,
# the member. The length makes the split exact whatever bytes an id holds.
ROW_MARK = b"\x00"
_LENGTH_BYTES = 4
# The row that holds what belongs to the entry itself rather than to one member.
HEAD = b""


def row_key(entry: bytes, member: bytes) -> bytes:
    return ROW_MARK + len(entry).to_bytes(_LENGTH_BYTES, "big") + entry + member


def parse_row_key(key: bytes) -> tuple[bytes, bytes] | None:
    """``(entry key, member)`` of a row key; None for any other key (a whole entry's)."""
    start = 1 + _LENGTH_BYTES
    if key[:1] != ROW_MARK or len(key) < start:
        return None
    length = int.from_bytes(key[1:start], "big")
    if len(key) < start + length:
        return None
    return key[start : start + length], key[start + length :]


Diff = Callable[[State | None, State | None], tuple[Rows, list[bytes]]]


@dataclass(frozen=True, slots=True)
class RowCodec:
    """How a table's entry splits into rows and joins back: ``join(split(s)) == s``.

    ``diff(before, after)``: the rows that differ (member -> new value) and the
    members that left; what comparing ``split(before)`` with ``split(after)``
    gives, without building the rows that did not change (``split_diff``).
    """

    split: Callable[[State], Rows]
    join: Callable[[Rows], State | None]  # None: no row left, no entry
    diff: Diff | None = None


def split_diff(codec: RowCodec, before: State | None, after: State | None) -> tuple[Rows, list[bytes]]:
    """``diff`` the slow way, from every row of both versions."""
    old = codec.split(before) if before is not None else {}
    new = codec.split(after) if after is not None else {}
    changed = {member: value for member, value in new.items() if member not in old or old[member] != value}
    return changed, [member for member in old if member not in new]


def row_changes(
    codec: RowCodec, key: bytes, before: State | None, after: State | None
) -> list[tuple[bytes, bytes | None]]:
    """The changelog records that turn ``before``'s rows into ``after``'s: changed rows, then tombstones."""
    changed, gone = codec.diff(before, after) if codec.diff is not None else split_diff(codec, before, after)
    records: list[tuple[bytes, bytes | None]] = [
        (row_key(key, member), orjson.dumps(value)) for member, value in changed.items()
    ]
    records += [(row_key(key, member), None) for member in gone]
    return records


class Fold:
    """Changelog records folded back into whole entries, as recovery reads them.

    ``read`` gives an entry as the store holds it (encoded) before the records;
    ``apply`` takes each record in changelog order; ``entries`` gives each
    entry touched, encoded (None: deleted), with the last record that touched it.
    """

    def __init__(self, codec: RowCodec, read: Callable[[bytes], bytes | None]):
        self.codec, self.read = codec, read
        self.rows: dict[bytes, Rows] = {}
        self.last: dict[bytes, Any] = {}

    def apply(self, key: bytes, value: bytes | None, record: Any = None) -> None:
        parsed = parse_row_key(key)
        if parsed is None:  # a whole entry: it replaces every row
            entry = key
            self.rows[entry] = self.codec.split(orjson.loads(value)) if value is not None else {}
        else:
            entry, member = parsed
            rows = self._rows(entry)
            if value is None:
                rows.pop(member, None)
            else:
                rows[member] = orjson.loads(value)
        self.last[entry] = record

    def _rows(self, entry: bytes) -> Rows:
        rows = self.rows.get(entry)
        if rows is None:
            stored = self.read(entry)
            rows = self.rows[entry] = self.codec.split(orjson.loads(stored)) if stored is not None else {}
        return rows

    def entries(self) -> Iterable[tuple[bytes, bytes | None, Any]]:
        for entry, rows in self.rows.items():
            state = self.codec.join(rows) if rows else None
            encoded = bytes(memoryview(orjson.dumps(state))) if state is not None else None
            yield entry, encoded, self.last[entry]


# --- related_graph: a row per neighbour (its reasons and first-seen time), and the head (``at``) ---


def _split_graph(state: State) -> Rows:
    neighbours, times = state.get("neighbours", {}), state.get("times", {})
    rows: Rows = {HEAD: {"at": state.get("at")}}
    for dst in dict.fromkeys([*neighbours, *times]):
        row = {}
        if dst in neighbours:
            row["r"] = neighbours[dst]
        if dst in times:
            row["t"] = times[dst]
        rows[dst.encode()] = row
    return rows


def _join_graph(rows: Rows) -> State | None:
    if HEAD not in rows:  # never written without its head: a partial entry is no entry
        return None
    members = [(member.decode(), row) for member, row in rows.items() if member != HEAD]
    return {
        "at": rows[HEAD].get("at"),
        "neighbours": {dst: row["r"] for dst, row in members if "r" in row},
        "times": {dst: row["t"] for dst, row in members if "t" in row},
    }


def _diff_graph(before: State | None, after: State | None) -> tuple[Rows, list[bytes]]:
    b, a = before or {}, after or {}
    old_n, old_t = b.get("neighbours", {}), b.get("times", {})
    new_n, new_t = a.get("neighbours", {}), a.get("times", {})
    changed: Rows = {}
    if after is not None and (before is None or b.get("at") != a.get("at")):
        changed[HEAD] = {"at": a.get("at")}
    members = new_n if new_t.keys() <= new_n.keys() else new_n.keys() | new_t.keys()
    for dst in members:
        in_n, in_t = dst in new_n, dst in new_t
        if (
            (dst in old_n) != in_n
            or (dst in old_t) != in_t
            or (in_n and old_n[dst] != new_n[dst])
            or (in_t and old_t[dst] != new_t[dst])
        ):
            row = {}
            if in_n:
                row["r"] = new_n[dst]
            if in_t:
                row["t"] = new_t[dst]
            changed[dst.encode()] = row
    gone = [dst.encode() for dst in old_n if dst not in new_n and dst not in new_t]
    gone += [dst.encode() for dst in old_t if dst not in old_n and dst not in new_n and dst not in new_t]
    if before is not None and after is None:
        gone.append(HEAD)
    return changed, gone


# --- graph_index: a row per member (its ref without the id); ``seen`` is their number -------------


def _split_index(state: State) -> Rows:
    members = state.get("members", [])
    rows: Rows = {m["id"].encode(): {k: v for k, v in m.items() if k != "id"} for m in members}
    head = _index_head(state)
    if head is not None:
        rows[HEAD] = head
    return rows


def _join_index(rows: Rows) -> State | None:
    members = [{"id": member.decode(), **row} for member, row in rows.items() if member != HEAD]
    members.sort(key=lambda m: (m.get("at", ""), m["id"]))
    seen = rows[HEAD]["seen"] if HEAD in rows else len(members)
    return {"members": members, "seen": seen}


def _diff_index(before: State | None, after: State | None) -> tuple[Rows, list[bytes]]:
    old = {m["id"]: m for m in (before or {}).get("members", [])}
    new_members = (after or {}).get("members", [])
    changed: Rows = {
        m["id"].encode(): {k: v for k, v in m.items() if k != "id"}
        for m in new_members
        if old.get(m["id"]) != m
    }
    new = {m["id"] for m in new_members}
    gone = [member.encode() for member in old if member not in new]
    old_head = _index_head(before) if before is not None else None
    new_head = _index_head(after) if after is not None else None
    if new_head is not None and new_head != old_head:
        changed[HEAD] = new_head
    elif new_head is None and old_head is not None:
        gone.append(HEAD)
    return changed, gone


def _index_head(state: State) -> dict[str, Any] | None:
    """The head row of an index entry: only when ``seen`` is not its number of members."""
    members = state.get("members", [])
    if state.get("seen", len(members)) != len(members) or not members:
        return {"seen": state.get("seen", 0)}
    return None


GRAPH_ROWS = RowCodec(_split_graph, _join_graph, _diff_graph)
INDEX_ROWS = RowCodec(_split_index, _join_index, _diff_index)

# The tables whose changelogs hold rows.
ROWS: dict[str, RowCodec] = {"related_graph": GRAPH_ROWS, "graph_index": INDEX_ROWS}
