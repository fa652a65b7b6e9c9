"""Two worker processes on eight partitions give the stories of the in-process run.

Copies of a story land on different partitions and meet only through the
dedup through-topics, so this is the test that state partitioned by key really
converges; it also reads every article over HTTP through both workers
(``table_route`` forwards to the owner).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import orjson
import pytest

from streams.broker import free_port
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import VERDICTS, StepContext
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import ROOT, SAMPLES, assert_valid
from tests.integration.conftest import WorkerProcess, collect, ingest, make_settings, start_worker

ARRIVAL_MS = 1_719_338_400_000


@pytest.fixture(scope="module")
def two_workers(broker: str, tmp_path_factory: pytest.TempPathFactory):
    settings = make_settings(broker, tmp_path_factory.mktemp("two"), partitions=8)
    first = start_worker(settings, "worker-a")
    second = start_worker(replace(settings, web_port=free_port()), "worker-b")
    yield first, second
    second.stop()
    first.stop()


def messages() -> list[tuple[bytes | None, bytes]]:
    variants = list(iter_messages([str(ROOT / "tests/data/dedup/variants.jsonl"), str(SAMPLES)]))
    # Two copies in the same instant, on different partitions.
    body = "Gale-force winds closed the Bosphorus to tankers on Sunday, the coast guard said."
    twins = [
        (f"twin-{n}".encode(), orjson.dumps({"id": f"twin-{n}", "text": body, "source": f"s{n}.example"}))
        for n in (1, 2)
    ]
    return variants + twins


def stories(verdicts: dict[str, dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article_id, verdict in verdicts.items():
        groups.setdefault(verdict["story_id"], set()).add(article_id)
    return {frozenset(group) for group in groups.values()}


def test_stories_on_two_workers_equal_the_in_process_run(
    two_workers: tuple[WorkerProcess, WorkerProcess], validators: dict[str, Any]
):
    first, second = two_workers
    inputs = messages()
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    expected: dict[str, dict] = {}
    for key, value in inputs:
        for emit in pipeline.feed(value, key, ARRIVAL_MS):
            if emit.topic == VERDICTS:
                expected[emit.key] = orjson.loads(emit.value)
    assert len(stories(expected)) < len(expected), "the input must hold duplicates"

    ingest(first.settings, inputs, ARRIVAL_MS)

    def settled(records: list) -> bool:
        latest = {k: v for t, k, v in records if t == VERDICTS}
        return latest.keys() >= expected.keys() and all(
            latest[k]["story_id"] == v["story_id"] for k, v in expected.items()
        )

    records = collect(first.settings, [VERDICTS], settled, timeout_s=120)
    received = {k: v for t, k, v in records if t == VERDICTS}
    assert stories(received) == stories(expected)
    for article_id, verdict in expected.items():
        assert (received[article_id]["status"], received[article_id]["kind"]) == (
            verdict["status"],
            verdict["kind"],
        ), article_id
    assert received["twin-2"]["duplicate_of"] == "twin-1"

    # Every article answers the same through either worker, whichever owns it
    # (the catalog tables may trail the verdicts topic by a moment).
    for article_id in sorted(expected):
        deadline = time.monotonic() + 30
        while True:
            answers = [worker.get(f"/articles/{article_id}") for worker in (first, second)]
            verdict = answers[0][1].get("verdict") if answers[0][0] == 200 else None
            if verdict and verdict["story_id"] == received[article_id]["story_id"]:
                break
            assert time.monotonic() < deadline, (article_id, answers[0])
            time.sleep(0.2)
        assert answers[0] == answers[1], article_id

    # The other keyed endpoints too: related articles, stories, entities.
    story_ids = sorted({v["story_id"] for v in received.values()})
    entity_keys = sorted({f"entity:{e['key']}" for e in answers[0][1]["article"]["entities"]})
    paths = [f"/articles/{a}/related" for a in sorted(expected)] + [f"/stories/{s}" for s in story_ids]
    paths += [f"/entities/{quote(k, safe=':')}/articles" for k in entity_keys]
    for path in paths:  # the graph may still be folding late edges: ask until both agree
        deadline = time.monotonic() + 20
        while (first_answer := first.get(path)) != (second_answer := second.get(path)):
            assert time.monotonic() < deadline, (path, first_answer, second_answer)
            time.sleep(0.2)
        assert first_answer[0] in (200, 404), (path, first_answer)
    assert any(first.get(f"/stories/{s}")[0] == 200 for s in story_ids)

    # Neighbours held by either worker come with their language and title: the answering
    # worker reads its own catalog and asks the other once for the rest.
    named = 0
    for article_id in sorted(expected):
        status, body = first.get(f"/articles/{quote(article_id, safe='')}/related")
        for item in body.get("related", []):
            if item["article_id"] in expected:
                assert item["language"], (article_id, item)
                named += 1
    assert named

    # Each worker lists both, with their partitions, as the dashboard shows them.
    _, stats = second.get("/stats")
    assert_valid(validators, "http.stats", stats)
    listed = {w["url"]: w for w in stats["workers"]}
    assert set(listed) == {first.url, second.url}
    assert all(w["up"] and w["pid"] and w["rss_bytes"] for w in listed.values())
    partitions = [set(w["partitions"]) for w in listed.values()]
    assert partitions[0] | partitions[1] == set(range(8)) and not partitions[0] & partitions[1]
