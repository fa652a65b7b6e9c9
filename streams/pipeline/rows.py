"""Table entries as rows: what a small change to a big entry really changed.

An entry of ``related_graph`` holds up to ``graph_top_k`` neighbours and an entry
of ``graph_index`` up to ``MAX_COUNTED_MEMBERS`` articles, and one neighbour or one
article changes at a time. Sent whole, every such change would copy the whole
entry to the changelog. For the tables in ``ROWS``, the changelog gets the rows
that changed instead (``streams.changelog``), and recovery puts them back into
the entry.

Each table says how its entry splits into rows, keyed by member (an article id;
``HEAD`` holds what belongs to the entry itself), and how the rows join back:
``join(split(entry)) == entry`` for every entry the steps write.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

State = Any
Rows = dict[str, Any]  # member -> the row's JSON value

# The row of what belongs to the entry itself rather than to one member.
HEAD = ""
_ID = operator.itemgetter("id")


@dataclass(frozen=True, slots=True)
class RowCodec:
    """How a table's entry splits into rows and joins back (None: no row left, no entry).

    ``diff(before, after)``: the rows that differ (member -> new value) and the
    members that left, without building the rows that did not change.
    """

    split: Callable[[State], Rows]
    join: Callable[[Rows], State | None]
    diff: Callable[[State, State], tuple[Rows, list[str]]]

    def patch(self, state: State | None, changed: Rows, gone: list[str]) -> State | None:
        """``state`` with ``changed`` rows set and ``gone`` rows removed."""
        rows = self.split(state) if state is not None else {}
        for member in gone:
            rows.pop(member, None)
        rows.update(changed)
        return self.join(rows) if rows else None


# --- related_graph: a row per neighbour (its reasons and first-seen time), and the head (``at``) ---


def _split_graph(state: State) -> Rows:
    neighbours, times = state.get("neighbours", {}), state.get("times", {})
    rows: Rows = {HEAD: {"at": state.get("at")}}
    for dst in dict.fromkeys([*neighbours, *times]):
        rows[dst] = _graph_row(dst, neighbours, times)
    return rows


def _graph_row(dst: str, neighbours: dict[str, Any], times: dict[str, Any]) -> dict[str, Any]:
    row = {}
    if dst in neighbours:
        row["r"] = neighbours[dst]
    if dst in times:
        row["t"] = times[dst]
    return row


def _join_graph(rows: Rows) -> State | None:
    if HEAD not in rows:  # never written without its head: a partial entry is no entry
        return None
    members = [(dst, row) for dst, row in rows.items() if dst != HEAD]
    return {
        "at": rows[HEAD].get("at"),
        "neighbours": {dst: row["r"] for dst, row in members if "r" in row},
        "times": {dst: row["t"] for dst, row in members if "t" in row},
    }


def _diff_graph(before: State, after: State) -> tuple[Rows, list[str]]:
    old_n, old_t = before.get("neighbours", {}), before.get("times", {})
    new_n, new_t = after.get("neighbours", {}), after.get("times", {})
    changed: Rows = {}
    if before.get("at") != after.get("at"):
        changed[HEAD] = {"at": after.get("at")}
    for dst in new_n if new_t.keys() <= new_n.keys() else new_n.keys() | new_t.keys():
        # A neighbour the change left alone is the same object (graph.fold_edge copies the
        # entry shallowly): ``is`` tells most rows apart without comparing them.
        reasons, old = new_n.get(dst), old_n.get(dst)
        if (reasons is not old and reasons != old) or new_t.get(dst) != old_t.get(dst):
            changed[dst] = _graph_row(dst, new_n, new_t)
    gone = [dst for dst in old_n.keys() | old_t.keys() if dst not in new_n and dst not in new_t]
    return changed, gone


# --- graph_index: a row per member (its ref without the id); ``seen`` in the head when it differs ---


def _split_index(state: State) -> Rows:
    rows: Rows = {m["id"]: _index_row(m) for m in state.get("members", [])}
    head = _index_head(state)
    if head is not None:
        rows[HEAD] = head
    return rows


def _index_row(member: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in member.items() if k != "id"}


def _join_index(rows: Rows) -> State | None:
    members = [{"id": member, **row} for member, row in rows.items() if member != HEAD]
    members.sort(key=lambda m: (m.get("at", ""), m["id"]))
    seen = rows[HEAD]["seen"] if HEAD in rows else len(members)
    return {"members": members, "seen": seen}


def _diff_index(before: State, after: State) -> tuple[Rows, list[str]]:
    old_members, new_members = before.get("members", []), after.get("members", [])
    # A member the change left alone is the same object (``link.observe_index`` copies the
    # list): only the others are compared.
    kept = set(map(id, old_members))
    fresh = [m for m in new_members if id(m) not in kept]
    changed: Rows = {}
    if fresh:
        old = {m["id"]: m for m in old_members}
        changed = {m["id"]: _index_row(m) for m in fresh if old.get(m["id"]) != m}
    new = set(map(_ID, new_members))
    gone = [member for member in map(_ID, old_members) if member not in new]
    old_head, new_head = _index_head(before), _index_head(after)
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

# The tables whose changelogs get the rows that changed rather than the whole entry.
ROWS: dict[str, RowCodec] = {"related_graph": GRAPH_ROWS, "graph_index": INDEX_ROWS}
