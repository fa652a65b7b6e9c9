"""Run the whole topology in one process, no broker: ``newsflow process``.

The same ``Runner`` as in the workers, round after round: a round gives each
agent, as one batch, what reached its topics in the round before, as if every
hop took one fetch. Tables are dicts of encoded entries, as in the Faust
tables, and outputs are encoded as on the topics, so what this prints is what
the topics would carry.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from streams.pipeline import dedup
from streams.pipeline.parse import Limits
from streams.pipeline.runner import Runner, Write
from streams.pipeline.steps import (
    ENRICHED,
    PUBLIC_TOPICS,
    RAW,
    STEPS,
    UNIQUE,
    VERDICTS,
    Emit,
    Message,
    Step,
    StepContext,
    encode,
)
from streams.records import EnrichedArticle, Verdict, from_dict


class Pending(NamedTuple):
    channel: str
    message: Message
    raw_ts_ms: int | None


class InProcessPipeline:
    """``shuffle``: take each round's messages in random order, and only a random share of
    them (the rest waits a round), as workers on many partitions would; tests use it to
    prove that arrival order does not change the outcome."""

    def __init__(
        self, ctx: StepContext, steps: Iterable[Step] = STEPS, *, shuffle: random.Random | None = None
    ):
        self.ctx = ctx
        self.runner = Runner(ctx, steps)
        self.shuffle = shuffle
        # Table entries are kept encoded, as in the Faust tables; keys as text.
        self.tables: dict[str, dict[str, bytes]] = {name: {} for name in self.runner.tables}
        self.messages = 0  # every message a step read from a topic (rounds after the first)

    def feed(self, value: bytes, key: bytes | None = None, timestamp_ms: int | None = None) -> Iterator[Emit]:
        """Yield every public record the raw ``value`` causes, in emission order (values encoded)."""
        return self.feed_messages([(RAW, Message(key, value, timestamp_ms))])

    def feed_messages(self, messages: Iterable[tuple[str, Message]]) -> Iterator[Emit]:
        """``feed`` from any channel: each ``(channel, message)`` and everything it causes."""
        pending = [Pending(channel, message, None) for channel, message in messages]
        while pending:
            pending, deferred = self._cut(pending)
            by_agent: dict[str, list[Pending]] = defaultdict(list)
            for item in pending:
                agent = self.runner.agent_reading(item.channel)
                if agent is not None:
                    by_agent[agent].append(item)
            pending = deferred
            for agent, items in by_agent.items():
                batch = self.runner.batch(agent, self._read, lambda topic, key: 0)
                for item in items:
                    batch.feed(item.channel, item.message, 0, item.raw_ts_ms)
                self._write(batch.finish())
                self.messages += len(items)
                for out in batch.outputs:
                    if out.topic in PUBLIC_TOPICS:
                        yield Emit(out.topic, out.emit.key, out.value)
                    if out.topic in self.runner.read_topics:  # what a worker would read back
                        message = Message(out.key, out.value, out.origin.timestamp_ms)
                        pending.append(Pending(out.channel, message, out.raw_ts_ms))

    def _cut(self, pending: list[Pending]) -> tuple[list[Pending], list[Pending]]:
        if self.shuffle is None:
            return pending, []
        self.shuffle.shuffle(pending)
        cut = self.shuffle.randint(1, len(pending))
        return pending[:cut], pending[cut:]

    def expire(self, now: datetime) -> None:
        """What the workers' sweeps do at stream time ``now``: forget what left the window."""
        for agent in {step.agent for step in self.runner.steps}:
            batch = self.runner.batch(agent, self._read, lambda topic, key: 0)
            for name in self.runner.tables_of(agent):
                batch.expire(name, 0, ((k.encode(), v) for k, v in self.tables[name].items()), now)
            self._write(batch.finish())

    def state(self, table: str, key: str) -> object | None:
        """A table entry, decoded."""
        stored = self.tables[table].get(key)
        return orjson.loads(stored) if stored is not None else None

    def _read(self, table: str, key: bytes) -> bytes | None:
        return self.tables[table].get(key.decode())

    def _write(self, writes: list[Write]) -> None:
        for write in writes:
            if write.value is None:
                self.tables[write.table].pop(write.key.decode(), None)
            else:
                self.tables[write.table][write.key.decode()] = write.value


class InProcessDedup:
    """The dedup steps alone (and the catalog's ``articles.unique``), for tests and ``make eval-dedup``."""

    STEPS = tuple(s for s in STEPS if s.name in ("dedup", "dedup-bucket", "article", "unique"))

    def __init__(
        self, config: dedup.DedupConfig = dedup.DEFAULT_CONFIG, *, shuffle: random.Random | None = None
    ):
        ctx = StepContext(limits=Limits(), graph_top_k=0, dedup=config)
        self.pipeline = InProcessPipeline(ctx, self.STEPS, shuffle=shuffle)
        self.first_of_story: list[str] = []  # ids published on articles.unique, in order

    def process(self, article: EnrichedArticle) -> list[Verdict]:
        """Every verdict the article causes (its own first, or changed ones of others)."""
        return self.run([dedup.admit(article, self.pipeline.ctx.dedup)], [article])

    def run(self, sends: Iterable[dedup.Send], articles: Iterable[EnrichedArticle] = ()) -> list[Verdict]:
        messages = [(ENRICHED, Message(a.article_id.encode(), encode(a), None)) for a in articles]
        messages += [(s.topic, Message(s.key.encode(), encode(s.value), None)) for s in sends]
        verdicts = []
        for emit in self.pipeline.feed_messages(messages):
            if emit.topic == VERDICTS:
                verdicts.append(from_dict(Verdict, orjson.loads(emit.value)))
            elif emit.topic == UNIQUE:
                self.first_of_story.append(emit.key or "")
        return verdicts

    @property
    def nodes(self) -> dict[str, dict[str, Any]]:
        return {k: orjson.loads(v) for k, v in self.pipeline.tables["dedup_nodes"].items()}

    @property
    def buckets(self) -> dict[str, dict[str, Any]]:
        return {k: orjson.loads(v) for k, v in self.pipeline.tables["dedup_buckets"].items()}

    def stories(self) -> dict[str, str]:
        """article id -> story id (its canonical), for every article held."""
        return {aid: dedup.story_of(node) for aid, node in self.nodes.items()}

    def verdict(self, article_id: str) -> Verdict | None:
        return dedup.verdict_of(self.nodes.get(article_id), self.pipeline.ctx.dedup)

    def expire(self, now: datetime) -> None:
        self.pipeline.expire(now)

    def state_bytes(self) -> dict[str, int]:
        """Encoded size of the node and bucket tables (keys included)."""
        return {
            name: sum(len(k) + len(v) for k, v in self.pipeline.tables[table].items())
            for name, table in (("nodes", "dedup_nodes"), ("buckets", "dedup_buckets"))
        }


def as_json_line(emit: Emit) -> bytes:
    """``{"topic", "key", "value"}``: one line of ``newsflow process`` output."""
    return orjson.dumps({"topic": emit.topic, "key": emit.key, "value": orjson.loads(emit.value)})
