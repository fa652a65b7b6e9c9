"""One Faust agent per pipeline step: read, call the step, send.

Agents hold no logic. ``Step.__call__`` never raises (failures come back as
dead letters), so no message is acked without an output: Faust acks a message
whose agent raised and never processes it again.

Expiry runs inside the stream too: at most every ``expiry_interval_s``, the
message of a partition also sweeps that partition's table entries through the
table's ``EXPIRY`` function, so deletions go to the right changelog partition.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import faust
import orjson

from streams import metrics
from streams.pipeline.steps import DEAD_LETTER, EXPIRY, RAW, STEPS, Message, Step, StepContext, encode

log = logging.getLogger("newsflow.agents")


def register_agents(
    app: faust.App,
    topics: dict[str, faust.TopicT],
    tables: dict[str, faust.Table],
    ctx: StepContext,
    expiry_interval_s: float,
) -> None:
    for step in STEPS:
        table = tables[step.table] if step.table else None
        sweeper = (
            _Sweeper(app, table, step.table, ctx, expiry_interval_s)
            if table is not None and step.table in EXPIRY
            else None
        )
        app.agent(topics[step.source], name=step.name)(_agent_for(step, topics, table, ctx, sweeper))


def _agent_for(
    step: Step,
    topics: dict[str, faust.TopicT],
    table: faust.Table | None,
    ctx: StepContext,
    sweeper: _Sweeper | None,
) -> Any:
    async def agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message = event.message
            if sweeper is not None:
                sweeper.maybe_sweep(message.topic, message.partition)
            started = time.perf_counter()
            raw_ts_ms = _raw_timestamp_ms(step, message)
            headers = [(metrics.RAW_TS_HEADER, str(raw_ts_ms).encode())] if raw_ts_ms else None
            key = message.key if message.key is not None else b""
            stored = table.get(key) if table is not None else None
            state = _decode_state(stored)
            new_state, emits = step(
                state,
                Message(message.key, message.value or b"", int(message.timestamp * 1000)),
                ctx,
            )
            if table is not None and new_state is not None:
                encoded_state = encode(new_state)
                if encoded_state != stored:
                    table[key] = encoded_state
            for emit in emits:
                await topics[emit.topic].send(
                    key=emit.key.encode() if emit.key is not None else None,
                    value=encode(emit.value),
                    headers=headers,
                )
                if emit.topic == DEAD_LETTER:
                    log.warning(
                        "dead letter: stage=%s reason=%s article_id=%s key=%s",
                        emit.value.stage, emit.value.reason, emit.value.article_id, emit.key,
                        extra={"stage": emit.value.stage, "reason": emit.value.reason,
                               "article_id": emit.value.article_id, "key": emit.key},
                    )  # fmt: skip
            metrics.observe_step(
                step.name, emits, seconds=time.perf_counter() - started,
                input_timestamp_s=message.timestamp,
                raw_timestamp_s=raw_ts_ms / 1000 if raw_ts_ms else None,
            )  # fmt: skip

    agent.__name__ = agent.__qualname__ = f"{step.name.replace('-', '_')}_agent"
    return agent


def _raw_timestamp_ms(step: Step, message: Any) -> int | None:
    """When the article reached ``articles.raw``: its own timestamp there, a header after."""
    if step.source == RAW:
        return int(message.timestamp * 1000) if message.timestamp else None
    return metrics.raw_timestamp_ms(message.headers)


def _decode_state(stored: bytes | None) -> Any:
    return orjson.loads(stored) if stored is not None else None


class _Sweeper:
    """Expires one table's entries of a partition, from within that partition's stream."""

    def __init__(
        self, app: faust.App, table: faust.Table, name: str, ctx: StepContext, interval_s: float
    ):
        self.app, self.table, self.ctx, self.interval_s = app, table, ctx, interval_s
        self.expire = EXPIRY[name]
        self.last_sweep: dict[int, float] = {}

    def maybe_sweep(self, topic: str, partition: int) -> None:
        now = time.monotonic()
        if now - self.last_sweep.get(partition, 0.0) < self.interval_s:
            return
        self.last_sweep[partition] = now
        wall_clock = datetime.now(UTC)
        for key, stored in list(self.table.items()):
            if self.app.producer.key_partition(topic, key).partition != partition:
                continue  # another partition's entry: swept by its own stream
            kept = self.expire(orjson.loads(stored), wall_clock, self.ctx)
            if kept is None:
                del self.table[key]
            elif (encoded := encode(kept)) != stored:
                self.table[key] = encoded
