"""The whole topology in-process on the samples: what ``newsflow process`` prints."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import orjson
import pytest

from streams.pipeline.graph import combined
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.runner import Runner
from streams.pipeline.steps import (
    CLEAN,
    DEAD_LETTER,
    DUPLICATES,
    EDGES,
    LINKS,
    PUBLIC_TOPICS,
    UNIQUE,
    VERDICTS,
    Message,
    StepContext,
)
from streams.records import Edge
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES, assert_valid


def run(messages):
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    return [
        (emit.topic, emit.key, orjson.loads(emit.value))
        for key, value in messages
        for emit in pipeline.feed(value, key)
    ]


@pytest.fixture(scope="module")
def sample_output():
    return run(iter_messages([str(SAMPLES)]))


def test_every_emitted_message_meets_its_topic_schema(sample_output, validators):
    for topic, _key, value in sample_output:
        if topic in PUBLIC_TOPICS:
            assert_valid(validators, topic, value)


def test_the_sample_page_becomes_two_articles_linked_both_ways(sample_output):
    clean = {key: value for topic, key, value in sample_output if topic == CLEAN}
    assert clean["sample-ar-1~e1"]["parent_id"] == "sample-ar-1"
    assert clean["sample-ar-1"]["parent_id"] is None
    edges = {(v["src"], v["dst"], tuple(v["reasons"])) for t, _, v in sample_output if t == EDGES}
    assert ("sample-ar-1", "sample-ar-1~e1", ("embedded",)) in edges
    assert ("sample-ar-1~e1", "sample-ar-1", ("embedded",)) in edges


def test_the_repost_is_an_exact_duplicate_of_the_original(sample_output):
    duplicates = {key: value for topic, key, value in sample_output if topic == DUPLICATES}
    repost = duplicates["sada-2024-06-25-0193"]
    assert (repost["duplicate_of"], repost["kind"], repost["status"]) == ("sample-ar-1", "exact", "duplicate")
    unique = {key for topic, key, _ in sample_output if topic == UNIQUE}
    assert "sample-ar-1" in unique and "sada-2024-06-25-0193" not in unique


def test_graph_edges_carry_each_relation_as_it_stands_once_per_batch():
    """The latest ``graph.edges`` record of a pair is its entry in ``related_graph``: every
    reason, the combined score; a batch publishes a changed pair once."""
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    latest: dict[tuple[str, str], dict] = {}
    for key, value in iter_messages([str(SAMPLES)]):
        for emit in pipeline.feed(value, key):
            if emit.topic == EDGES:
                edge = orjson.loads(emit.value)
                latest[(edge["src"], edge["dst"])] = edge
    graph = {
        src: orjson.loads(entry)["neighbours"] for src, entry in pipeline.tables["related_graph"].items()
    }
    standing = {(src, dst): reasons for src, n in graph.items() for dst, reasons in n.items()}
    assert {pair for pair, edge in latest.items() if edge["reasons"]} == set(standing)
    for pair, reasons in standing.items():
        assert latest[pair]["reasons"] == sorted(reasons)
        assert latest[pair]["score"] == combined(reasons)
    assert latest[("sample-ar-1", "sample-ar-1~e1")]["score"] == 1.0  # embedded


def test_a_batch_publishes_a_pair_once_however_many_edges_it_folds_and_says_when_it_is_gone():
    runner = Runner(StepContext.from_settings(Settings()))
    tables: dict[tuple[str, bytes], bytes] = {}

    def run(*edges: Edge) -> list[dict]:
        batch = runner.batch("article", lambda table, key: tables.get((table, key)), lambda topic, key: 0)
        for edge in edges:
            batch.feed(LINKS, Message(edge.src.encode(), orjson.dumps(edge), None), 0)
        writes = batch.finish()
        assert len(writes) == len({(w.table, w.key) for w in writes})  # each entry written once a batch
        for write in writes:
            tables[(write.table, write.key)] = write.value
        return [orjson.loads(o.value) for o in batch.outputs if o.topic == EDGES]

    def edge(reason: str, score: float) -> Edge:
        return Edge(src="a", dst="b", score=score, reasons=[reason], src_at="2024-01-01", dst_at="2024-01-01")

    [published] = run(edge("entity:place:UA", 0.3), edge("keyword:x", 0.2), edge("story", 0.95))
    assert published["reasons"] == ["entity:place:UA", "keyword:x", "story"]
    assert published["score"] == combined({"entity:place:UA": 0.3, "keyword:x": 0.2, "story": 0.95})
    assert run(edge("story", 0.95)) == []  # nothing changed: nothing published
    forget = Edge(src="a", dst="b", score=0.0, reasons=["forget", "entity:place:UA", "keyword:x", "story"])
    [gone] = run(forget)
    assert (gone["src"], gone["dst"], gone["score"], gone["reasons"]) == ("a", "b", 0.0, [])


def test_every_message_is_keyed_by_its_article_id(sample_output):
    for topic, key, value in sample_output:
        if topic in (CLEAN, UNIQUE, VERDICTS, DUPLICATES):
            assert key == value["article_id"]
        if topic == EDGES:
            assert key == value["src"]


def test_garbage_is_a_dead_letter_and_the_next_article_still_comes_out():
    good = orjson.dumps({"id": "after-garbage", "text": "A storm closed the port of Rotterdam today."})
    output = run([(None, b'{"id": "\xff\xfe", "text": '), (None, b"[1, 2]"), (None, good)])
    dead = [value for topic, _, value in output if topic == DEAD_LETTER]
    assert [(d["stage"], d["reason"]) for d in dead] == [
        ("parse", "invalid_json"),
        ("parse", "invalid_envelope"),
    ]
    assert dead[0]["original_encoding"] == "base64" and dead[1]["original"] == "[1, 2]"
    assert ("articles.clean", "after-garbage") in {(t, k) for t, k, _ in output}


def test_a_redelivered_message_changes_nothing():
    article = orjson.dumps({"id": "once", "text": "Copper rose 2% on Monday in London trading."})
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    first = [(e.topic, e.key, e.value) for e in pipeline.feed(article)]
    again = [(e.topic, e.key, e.value) for e in pipeline.feed(article)]
    verdicts = [orjson.loads(v) for t, _, v in first + again if t == VERDICTS]
    assert [v["status"] for v in verdicts] == ["unique", "unique"]
    assert verdicts[0] == verdicts[1]
    assert Counter(t for t, _, _ in again)[DUPLICATES] == 0


def test_a_late_earlier_copy_becomes_the_canonical_and_the_change_is_published():
    body = "The central bank held rates at 4.5% on Thursday, citing slower inflation."
    later = orjson.dumps({"id": "later", "text": body, "published_at": "2025-01-02T10:00:00Z"})
    earlier = orjson.dumps({"id": "earlier", "text": body, "published_at": "2025-01-01T10:00:00Z"})
    output = run([(None, later), (None, earlier)])
    final = {key: value for topic, key, value in output if topic == VERDICTS}
    assert final["later"]["duplicate_of"] == "earlier" and final["earlier"]["status"] == "unique"


def test_the_pipeline_core_imports_nothing_from_the_faust_layer():
    forbidden = {"faust", "aiokafka", "asyncio", "streams.app", "streams.agents", "streams.topics"}
    for path in Path("streams/pipeline").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in forbidden and name not in forbidden, f"{path}: {name}"
