"""One Faust agent per pipeline step: read, call the step, send.

Agents hold no logic. ``Step.__call__`` never raises (failures come back as
dead letters), so no message is acked without an output: Faust acks a message
whose agent raised and never processes it again.

Expiry runs inside the stream too: at most every ``expiry_interval_s``, the
message of a partition also sweeps that partition's table entries through the
table's ``EXPIRY`` function, so deletions go to the right changelog partition.
Time is stream time: the newest ``articles.raw`` timestamp the partition has
seen (carried downstream in a header), so a replay of last year's archive
expires by last year's clock, not today's.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from aiokafka.errors import MessageSizeTooLargeError
from faust.exceptions import ProducerSendError

from streams import metrics
from streams.pipeline.steps import (
    DEAD_LETTER,
    EXPIRY,
    RAW,
    STEPS,
    Emit,
    Message,
    Step,
    StepContext,
    dead_letter,
    encode,
)

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
            started = time.perf_counter()
            raw_ts_ms = _raw_timestamp_ms(step, message)
            if sweeper is not None:
                sweeper.maybe_sweep(message.topic, message.partition, (raw_ts_ms or 0) / 1000)
            headers = [(metrics.RAW_TS_HEADER, str(raw_ts_ms).encode())] if raw_ts_ms else None
            key = message.key if message.key is not None else b""
            stored = table.get(key) if table is not None else None
            state = _decode_state(stored)
            new_state, emits = step(
                state,
                Message(message.key, message.value or b"", int(message.timestamp * 1000)),
                ctx,
            )
            if table is not None:
                if new_state is None:  # a stateful step returns None to forget the key
                    if stored is not None:
                        del table[key]
                elif (encoded_state := encode(new_state)) != stored:
                    table[key] = encoded_state
            for index, emit in enumerate(emits):
                try:
                    await _send(topics[emit.topic], emit, headers)
                except ProducerSendError as exc:
                    if not isinstance(exc.__cause__, MessageSizeTooLargeError):
                        raise
                    # The producer refuses an output over its request size at send(): raised
                    # here it would crash the agent, and Faust acks the input, so it would be
                    # lost. The input becomes a dead letter instead (it is at most
                    # max_message_bytes, and the request size is twice that: app.py).
                    original = Message(message.key, message.value or b"", int(message.timestamp * 1000))
                    detail = f"{emit.topic}: {exc.__cause__}"
                    emit = dead_letter(original, step.name, "output_too_large", detail, emit.key)
                    emits[index] = emit
                    await _send(topics[emit.topic], emit, headers)
                if emit.topic == DEAD_LETTER:
                    log.warning(
                        "dead letter: stage=%s reason=%s article_id=%s key=%s",
                        emit.value.stage,
                        emit.value.reason,
                        emit.value.article_id,
                        emit.key,
                        extra={
                            "stage": emit.value.stage,
                            "reason": emit.value.reason,
                            "article_id": emit.value.article_id,
                            "key": emit.key,
                        },
                    )
            metrics.observe_step(
                step.name,
                emits,
                seconds=time.perf_counter() - started,
                input_timestamp_s=message.timestamp,
                raw_timestamp_s=raw_ts_ms / 1000 if raw_ts_ms else None,
            )

    agent.__name__ = agent.__qualname__ = f"{step.name.replace('-', '_')}_agent"
    return agent


async def _send(topic: faust.TopicT, emit: Emit, headers: list[tuple[str, bytes]] | None) -> None:
    await topic.send(
        key=emit.key.encode() if emit.key is not None else None,
        value=encode(emit.value),
        headers=headers,
    )


def _raw_timestamp_ms(step: Step, message: Any) -> int | None:
    """When the article reached ``articles.raw``: its own timestamp there, a header after."""
    if step.source == RAW:
        return int(message.timestamp * 1000) if message.timestamp else None
    return metrics.raw_timestamp_ms(message.headers)


def _decode_state(stored: bytes | None) -> Any:
    return orjson.loads(stored) if stored is not None else None


class _Sweeper:
    """Expires one table's entries of a partition, from within that partition's stream."""

    def __init__(self, app: faust.App, table: faust.Table, name: str, ctx: StepContext, interval_s: float):
        self.app, self.table, self.ctx, self.interval_s = app, table, ctx, interval_s
        self.expire = EXPIRY[name]
        self.last_sweep: dict[int, float] = {}
        self.stream_time: dict[int, float] = {}

    def maybe_sweep(self, topic: str, partition: int, timestamp_s: float) -> None:
        self.stream_time[partition] = max(self.stream_time.get(partition, 0.0), timestamp_s or 0.0)
        now = time.monotonic()
        if now - self.last_sweep.get(partition, 0.0) < self.interval_s or not self.stream_time[partition]:
            return
        self.last_sweep[partition] = now
        stream_now = datetime.fromtimestamp(self.stream_time[partition], UTC)
        for key, stored in list(self.table.items()):
            if self.app.producer.key_partition(topic, key).partition != partition:
                continue  # another partition's entry: swept by its own stream
            kept = self.expire(orjson.loads(stored), stream_now, self.ctx)
            if kept is None:
                del self.table[key]
            elif (encoded := encode(kept)) != stored:
                self.table[key] = encoded
