"""Run the whole topology in one process, no broker: ``newsflow process``.

Messages flow through the same ``STEPS`` as in the workers, breadth first, with
plain dicts standing in for the Faust tables. Values are encoded between steps
exactly as on the topics, so what this prints is what the topics would carry.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson

from streams.pipeline.steps import EXPIRY, RAW, STEPS, Emit, Message, Step, StepContext, encode, encode_state


class InProcessPipeline:
    def __init__(self, ctx: StepContext, steps: Iterable[Step] = STEPS):
        self.ctx = ctx
        self.by_source: dict[str, list[Step]] = defaultdict(list)
        for step in steps:
            self.by_source[step.source].append(step)
        # Table entries are kept encoded, as in the Faust tables.
        self.tables: dict[str, dict[str, bytes]] = {s.table: {} for s in steps if s.table}

    def feed(self, value: bytes, key: bytes | None = None, timestamp_ms: int | None = None) -> Iterator[Emit]:
        """Yield every message the raw ``value`` causes, in emission order (values encoded)."""
        return self.feed_messages([(RAW, Message(key, value, timestamp_ms))])

    def feed_messages(self, messages: Iterable[tuple[str, Message]]) -> Iterator[Emit]:
        """``feed`` from any topic: each ``(topic, message)`` and everything it causes downstream.

        Like a worker with a batch, an entry is decoded once when first needed and
        written back once, encoded, when everything the messages cause is done.
        """
        queue: deque[tuple[str, Message]] = deque(messages)
        states: dict[tuple[str, str], Any] = {}
        try:
            while queue:
                topic, message = queue.popleft()
                for step in self.by_source.get(topic, ()):
                    emits = self._run(step, message, states)
                    for emit in emits:
                        encoded = encode(emit.value)
                        yield Emit(emit.topic, emit.key, encoded)
                        key_bytes = emit.key.encode() if emit.key is not None else None
                        queue.append((emit.topic, Message(key_bytes, encoded, message.timestamp_ms)))
        finally:
            for (name, key), state in states.items():
                if state is not None:
                    self.tables[name][key] = encode_state(state)
                else:  # a stateful step returns None to forget the key
                    self.tables[name].pop(key, None)

    def expire(self, now: datetime) -> None:
        """What the workers' sweeps do at stream time ``now``: forget what left the window."""
        for name, table in self.tables.items():
            expire = EXPIRY.get(name)
            for key, stored in list(table.items()) if expire else ():
                kept = expire(orjson.loads(stored), now, self.ctx)
                if kept is None:
                    del table[key]
                else:
                    table[key] = encode_state(kept)

    def _run(self, step: Step, message: Message, states: dict[tuple[str, str], Any]) -> list[Emit]:
        if step.table is None:
            return step(None, message, self.ctx)[1]
        entry = (step.table, message.key.decode() if message.key is not None else "")
        if entry not in states:
            stored = self.tables[step.table].get(entry[1])
            states[entry] = orjson.loads(stored) if stored is not None else None
        states[entry], emits = step(states[entry], message, self.ctx)
        return emits


def as_json_line(emit: Emit) -> bytes:
    """``{"topic", "key", "value"}``: one line of ``newsflow process`` output."""
    return orjson.dumps({"topic": emit.topic, "key": emit.key, "value": orjson.loads(emit.value)})
