"""Run the whole topology in one process, no broker: ``newsflow process``.

Messages flow through the same ``STEPS`` as in the workers, breadth first, with
plain dicts standing in for the Faust tables. Values are encoded between steps
exactly as on the topics, so what this prints is what the topics would carry.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator

import orjson

from streams.pipeline.steps import RAW, STEPS, Emit, Message, Step, StepContext, encode


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
        queue: deque[tuple[str, Message]] = deque([(RAW, Message(key, value, timestamp_ms))])
        while queue:
            topic, message = queue.popleft()
            for step in self.by_source.get(topic, ()):
                emits = self._run(step, message)
                for emit in emits:
                    encoded = encode(emit.value)
                    yield Emit(emit.topic, emit.key, encoded)
                    key_bytes = emit.key.encode() if emit.key is not None else None
                    queue.append((emit.topic, Message(key_bytes, encoded, timestamp_ms)))

    def _run(self, step: Step, message: Message) -> list[Emit]:
        if step.table is None:
            return step(None, message, self.ctx)[1]
        table = self.tables[step.table]
        key = message.key.decode() if message.key is not None else ""
        stored = table.get(key)
        state, emits = step(orjson.loads(stored) if stored is not None else None, message, self.ctx)
        if state is not None:
            table[key] = orjson.dumps(state)
        else:  # a stateful step returns None to forget the key
            table.pop(key, None)
        return emits


def as_json_line(emit: Emit) -> bytes:
    """``{"topic", "key", "value"}``: one line of ``newsflow process`` output."""
    return orjson.dumps({"topic": emit.topic, "key": emit.key, "value": orjson.loads(emit.value)})
