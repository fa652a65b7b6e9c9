"""An agent's batch: follow-ups first, and their outputs leave before the pages' NLP starts."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from streams.agents import AgentWorker, split_pages

RAW = "newsflow-articles.raw"


def _event(topic: str, key: str) -> Any:
    return SimpleNamespace(message=SimpleNamespace(topic=topic, key=key, partition=0))


def test_follow_ups_come_first_each_kind_in_its_order() -> None:
    events = [_event(RAW, "p1"), _event("by-article", "f1"), _event(RAW, "p2"), _event("by-article", "f2")]
    follow_ups, pages = split_pages(events, RAW)
    assert [e.message.key for e in follow_ups] == ["f1", "f2"]
    assert [e.message.key for e in pages] == ["p1", "p2"]
    assert split_pages(events[1::2], RAW) == (events[1::2], [])


class _Batch:
    def __init__(self, log: list[str]) -> None:
        self.log, self.outputs = log, []

    def feed(self, channel: str, message: Any, partition: int, raw_ts_ms: int | None) -> None:
        self.log.append(f"feed {message}")
        self.outputs.append(message)


def test_the_follow_ups_outputs_are_sent_before_the_pages_are_read() -> None:
    log: list[str] = []
    worker = AgentWorker.__new__(AgentWorker)
    worker.settings = SimpleNamespace(batch_flush_ms=10_000.0, topic=lambda name: RAW)
    worker.sweeper = SimpleNamespace(observe=lambda partition, ts: None, sweep_due=lambda batch: None)
    worker._new_batch = lambda: _Batch(log)  # type: ignore[method-assign]
    worker._inputs = lambda record, batch: iter([("channel", record.key, None)])  # type: ignore[method-assign]

    async def flush(batch: _Batch) -> None:
        log.append(f"send {batch.outputs}")

    worker._flush = flush  # type: ignore[method-assign]
    events = [_event(RAW, "page"), _event("by-article", "verdict")]
    asyncio.run(worker.process(events))
    assert log == ["feed verdict", "send ['verdict']", "feed page", "send ['page']"]
