"""The related-article graph built by the whole in-process pipeline: replays, symmetry, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

import orjson
import pytest

from streams.pipeline.graph import neighbours
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import StepContext
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES

VARIANTS = SAMPLES.parent / "tests" / "data" / "dedup" / "variants.jsonl"
FETCHED_MS = int(datetime(2024, 6, 1, tzinfo=UTC).timestamp() * 1000)
HOUR_MS = 3600 * 1000


def _messages():
    return tuple(iter_messages([str(SAMPLES), str(VARIANTS)]))


@cache
def _run(messages, *, top_k=50, rounds=1, window_days=7.0):
    """The pipeline after feeding ``messages`` ``rounds`` times, an hour apart each (cached: don't mutate)."""
    ctx = StepContext.from_settings(replace(Settings(), graph_top_k=top_k, window_days=window_days))
    pipeline = InProcessPipeline(ctx)
    for _ in range(rounds):
        for i, (key, value) in enumerate(messages):
            for _emit in pipeline.feed(value, key, timestamp_ms=FETCHED_MS + i * HOUR_MS):
                pass
    return pipeline


def _graph(pipeline):
    return {key: orjson.loads(stored) for key, stored in pipeline.tables["related_graph"].items()}


def _pairs(graph):
    return {
        (src, n["article_id"], n["score"], tuple(n["reasons"]))
        for src, node in graph.items()
        for n in neighbours(node)
    }


@pytest.fixture(scope="module")
def messages():
    return _messages()


def test_a_replayed_stream_adds_no_weight(messages):
    once, twice = _run(messages, top_k=50), _run(messages, top_k=50, rounds=2)
    assert _graph(once) and _graph(twice) == _graph(once)
    assert twice.tables["graph_index"] == once.tables["graph_index"]
    assert twice.tables["graph_titles"] == once.tables["graph_titles"]


@pytest.mark.parametrize("top_k", [50, 2])
def test_every_edge_exists_both_ways_with_the_same_score_and_reasons(messages, top_k):
    """With a small top-k, entries drop neighbours all the time: they tell them (``forget``)."""
    graph = _graph(_run(messages, top_k=top_k))
    pairs = _pairs(graph)
    assert pairs and {(dst, src, score, reasons) for src, dst, score, reasons in pairs} == pairs
    assert all(len(node["neighbours"]) <= top_k for node in graph.values())


def test_an_article_that_leaves_the_window_leaves_the_graph_and_its_neighbours(messages):
    pipeline = _run(messages, window_days=1.0)  # this test's own: the sweep changes it
    graph = _graph(pipeline)
    # Stream time a day after the 10th message: the first ten articles' pages are out.
    now = datetime.fromtimestamp((FETCHED_MS + 10 * HOUR_MS) / 1000 + 86400, UTC)
    cutoff = (FETCHED_MS + 10 * HOUR_MS) / 1000
    old = {key for key, node in graph.items() if node["at"] and _epoch(node["at"]) < cutoff}
    assert old and old != graph.keys()
    pipeline.expire(now)
    after = _graph(pipeline)
    assert not old & after.keys()
    assert all(not old & node["neighbours"].keys() for node in after.values())
    pairs = _pairs(after)
    assert pairs and {(dst, src, score, reasons) for src, dst, score, reasons in pairs} == pairs
    titles = [orjson.loads(v) for v in pipeline.tables["graph_titles"].values()]
    assert titles and all(_epoch(m["at"]) >= cutoff for t in titles for side in t.values() for m in side)


def _epoch(at: str) -> float:
    return datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
