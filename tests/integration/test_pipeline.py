"""The samples through a real broker and a real worker process."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

import orjson
import pytest

from streams import batches
from streams.changelog import entry_keys
from streams.kafka_io import read_topics, strip_prefix
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import (
    CLEAN,
    DEAD_LETTER,
    DUPLICATES,
    EDGES,
    ENRICHED,
    INTERNAL_TOPICS,
    PUBLIC_TOPICS,
    RAW,
    UNIQUE,
    VERDICTS,
    StepContext,
)
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES, assert_valid
from tests.integration.conftest import WorkerProcess, collect, ingest

OUTPUT_TOPICS = [t for t in PUBLIC_TOPICS if t != RAW]
Record = tuple[str, str | None, Any]


# Both runs see the same arrival time: it is the fetched_at of pages without one.
ARRIVAL_MS = 1_719_338_400_000


def in_process(messages: list[tuple[bytes | None, bytes]]) -> list[Record]:
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    return [
        (emit.topic, emit.key, orjson.loads(emit.value))
        for key, value in messages
        for emit in pipeline.feed(value, key, ARRIVAL_MS)
        if emit.topic in OUTPUT_TOPICS
    ]


# Relations that do not depend on the arrival order across partitions: how common an
# entity or key phrase was, and which articles an index entry held, when each article
# arrived decide the others (their pairs and their scores).
STABLE_REASONS = ("embedded", "explicit", "story")


def final_view(records: list[Record]) -> dict[str, Any]:
    """What a consumer ends up knowing, whatever the arrival order across partitions.

    Log topics as sets of records; verdict topics as their latest value per key,
    as a compacted topic keeps them; edges as the latest relation per pair, by its
    order-free reasons.
    """
    view: dict[str, Any] = {}
    for topic, key, value in records:
        if topic in (VERDICTS, DUPLICATES):
            view.setdefault(topic, {})[key] = value
        elif topic == EDGES:
            view.setdefault(topic, {})[(value["src"], value["dst"])] = value
        elif topic != UNIQUE:
            view.setdefault(topic, set()).add((key, orjson.dumps(value, option=orjson.OPT_SORT_KEYS)))
    if EDGES in view:
        view[EDGES] = {
            (pair, tuple(r for r in edge["reasons"] if r in STABLE_REASONS))
            for pair, edge in view[EDGES].items()
            if any(r in STABLE_REASONS for r in edge["reasons"])
        }
    return view


@pytest.fixture(scope="module")
def samples_run(pipeline_worker: WorkerProcess) -> tuple[list[Record], list[Record]]:
    messages = list(iter_messages([str(SAMPLES)]))
    expected = in_process(messages)
    wanted = final_view(expected)
    ingest(pipeline_worker.settings, messages, ARRIVAL_MS)

    # Which articles come first on articles.unique depends on the arrival order;
    # the ones whose final verdict is unique always do.
    finally_unique = {k for k, v in wanted[VERDICTS].items() if v["status"] == "unique"}

    def complete(records: list[Record]) -> bool:
        return final_view(records) == wanted and {k for t, k, _ in records if t == UNIQUE} >= finally_unique

    # On a timeout the tests below show what is missing.
    return expected, collect(pipeline_worker.settings, OUTPUT_TOPICS, complete, fail_on_timeout=False)


def test_every_message_on_every_topic_meets_its_schema(samples_run, validators):
    _, received = samples_run
    assert {topic for topic, _, _ in received} >= {
        CLEAN,
        ENRICHED,
        UNIQUE,
        VERDICTS,
        DUPLICATES,
        EDGES,
        DEAD_LETTER,
    }
    for topic, _key, value in received:
        assert_valid(validators, topic, value)


def test_the_broker_gives_the_same_records_as_newsflow_process(samples_run):
    expected, received = samples_run
    assert final_view(received) == final_view(expected)
    finally_unique = {k for k, v in final_view(expected)[VERDICTS].items() if v["status"] == "unique"}
    assert finally_unique <= {key for topic, key, _ in received if topic == UNIQUE}


def test_the_sample_page_is_split_the_repost_flagged_and_the_garbage_dead_lettered(samples_run):
    _, received = samples_run
    clean = {key: value for topic, key, value in received if topic == CLEAN}
    assert clean["sample-ar-1~e1"]["parent_id"] == "sample-ar-1"
    verdicts = final_view(received)[VERDICTS]
    assert verdicts["sada-2024-06-25-0193"]["duplicate_of"] == "sample-ar-1"
    assert verdicts["sada-2024-06-25-0193"]["kind"] == "exact"
    dead = [value for topic, _, value in received if topic == DEAD_LETTER]
    assert dead and all(d["reason"] and d["stage"] and d["original"] for d in dead)


def eventually_get(worker: WorkerProcess, path: str, ready=lambda status, body: status == 200):
    """The tables trail the topics by a moment: ask again until the answer is there."""
    deadline = time.monotonic() + 30
    while True:
        status, body = worker.get(path)
        if ready(status, body) or time.monotonic() > deadline:
            return status, body
        time.sleep(0.2)


def test_http_serves_articles_related_articles_stories_and_entities(samples_run, pipeline_worker, validators):
    status, body = eventually_get(pipeline_worker, "/articles/sample-ar-1")
    assert status == 200
    assert_valid(validators, "http.article", body)
    assert body["article"]["article_id"] == "sample-ar-1" and body["verdict"]["status"] == "unique"

    def with_both_copies(status: int, body: dict) -> bool:  # story edges follow the verdicts
        reasons = {item["article_id"]: item["reasons"] for item in body.get("related", [])}
        copies = ("sada-2024-06-25-0193", "alsharq-today-88412")
        return status == 200 and all("story" in reasons.get(copy, []) for copy in copies)

    status, body = eventually_get(pipeline_worker, "/articles/sample-ar-1/related", with_both_copies)
    assert status == 200
    assert_valid(validators, "http.related", body)
    related = {item["article_id"]: item["reasons"] for item in body["related"]}
    assert "embedded" in related["sample-ar-1~e1"]
    # each neighbour comes with what a reader needs, no second request per item
    for item in body["related"]:
        _, neighbour = pipeline_worker.get(f"/articles/{item['article_id']}")
        article = neighbour["article"]
        assert (item["title"], item["language"], item["source"]) == (
            article["title"],
            article["language"],
            article["source"],
        )
    assert all(item["title"] and item["language"] == "ar" for item in body["related"])
    assert "story" in related["sada-2024-06-25-0193"]
    assert "story" in related["alsharq-today-88412"]  # the near-duplicate re-publication

    status, body = pipeline_worker.get("/articles/sample-ar-1~e1/related?depth=2&limit=20")
    assert status == 200
    assert_valid(validators, "http.related", body)
    second_hop = [item for item in body["related"] if item["via"]]
    assert {item["via"] for item in second_hop} <= related.keys() | {"sample-ar-1"}

    status, body = eventually_get(
        pipeline_worker, "/stories/sample-ar-1", lambda s, b: s == 200 and len(b["members"]) == 3
    )
    assert status == 200
    assert_valid(validators, "http.story", body)
    assert [m["article_id"] for m in body["members"]][0] == "sample-ar-1"
    assert len(body["outlets"]) == 3 and body["languages"] == ["ar"]

    # every form of a key that an answer shows is accepted
    article = pipeline_worker.get("/articles/sample-ar-1")[1]["article"]
    entity_key = next(k for k in _entity_keys(samples_run) if k.endswith("place:UA"))
    answers = [pipeline_worker.get(f"/entities/{key}/articles") for key in (entity_key, "place:UA")]
    for status, body in answers:
        assert status == 200
        assert_valid(validators, "http.entity", body)
        assert body["key"] == "entity:place:UA"
        assert "sample-ar-1" in {a["article_id"] for a in body["articles"]}
        shown = next(a for a in body["articles"] if a["article_id"] == "sample-ar-1")
        assert (shown["title"], shown["source"]) == (article["title"], article["source"])
    assert answers[0] == answers[1]
    keyword = article["keywords"][0]
    status, body = pipeline_worker.get(f"/entities/{quote(keyword)}/articles")
    assert status == 200 and "sample-ar-1" in {a["article_id"] for a in body["articles"]}
    reason = next(r for item in related.values() for r in item if r.startswith("keyword:"))
    assert pipeline_worker.get(f"/entities/{quote(reason, safe=':')}/articles")[0] == 200

    for path, status_wanted, message in (
        ("/articles/no-such-article", 404, "no article 'no-such-article'"),
        ("/stories/nope", 404, "no story 'nope'"),
        ("/articles/sample-ar-1/related?depth=3", 400, "depth must be 1 or 2, not 3"),
        ("/articles/sample-ar-1/related?depth=abc", 400, "depth must be 1 or 2, not 'abc'"),
        ("/articles/sample-ar-1/related?limit=abc", 400, "limit must be a whole number from 1 to 500"),
        ("/articles/sample-ar-1/related?min_score=2", 400, "min_score must be between 0 and 1"),
        ("/articles/sample-ar-1/related?min_score=nan", 400, "min_score must be a number"),
        ("/entities/entity:nobody/articles", 404, "no recent article names"),
        ("/entities/place:NOWHERE/articles", 404, "no recent article names"),
        ("/no/such/path", 404, "not found"),
    ):
        status, body = pipeline_worker.get(path)
        assert status == status_wanted, path
        assert_valid(validators, "http.error", body)
        assert message in body["error"] and "\n" not in body["error"], (path, body)
        assert "invalid literal" not in body["error"] and "Traceback" not in body["error"]
    request = urllib.request.Request(pipeline_worker.url + "/articles/sample-ar-1", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    body = orjson.loads(refused.value.read())
    assert refused.value.code == 405 and body == {"error": "method not allowed", "status": 405}


def _entity_keys(samples_run) -> list[str]:
    _, received = samples_run
    return [
        f"entity:{e['key']}"
        for t, k, v in received
        if t == ENRICHED and k == "sample-ar-1"
        for e in v["entities"]
    ]


def test_garbage_on_the_raw_topic_does_not_stop_the_next_article(pipeline_worker):
    good = orjson.dumps(
        {"id": "after-garbage", "text": "Rotterdam reopened its container terminals on Friday."}
    )
    # One key: one partition, so the garbage is read first and the good article after it.
    ingest(
        pipeline_worker.settings,
        [(b"same-key", b"\x00\x01garbage{"), (b"same-key", b'{"id": '), (b"same-key", good)],
    )

    def good_article_and_dead_letter_seen(rs: list[Record]) -> bool:
        return any(t == CLEAN and k == "after-garbage" for t, k, _ in rs) and any(
            t == DEAD_LETTER and k == "same-key" and v["reason"] == "invalid_json" for t, k, v in rs
        )

    records = collect(pipeline_worker.settings, [CLEAN, DEAD_LETTER], good_article_and_dead_letter_seen)
    dead = [v for t, k, v in records if t == DEAD_LETTER and k == "same-key"]
    assert {d["reason"] for d in dead} >= {"invalid_json"}
    assert any(t == CLEAN and k == "after-garbage" for t, k, _ in records)


def test_metrics_count_what_the_worker_did(samples_run, pipeline_worker):
    import urllib.request

    with urllib.request.urlopen(pipeline_worker.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    assert 'newsflow_messages_in_total{step="clean"}' in text
    assert "newsflow_dead_letters_total" in text


def test_every_changelog_record_lands_on_the_partition_of_the_input_that_changed_it(
    samples_run, pipeline_worker
):
    """A table entry must be recovered by the worker that will own its key: its changelog record
    has to sit on the partition its key's inputs arrive on (through-topic items and
    ``articles.enriched`` records alike)."""
    settings = pipeline_worker.settings

    async def read() -> tuple[dict[bytes, set[int]], dict[str, list[tuple[bytes, int]]]]:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=settings.broker)
        await admin.start()
        try:
            names = await admin.list_topics()
        finally:
            await admin.close()
        app_id = settings.topic_prefix + settings.app_id
        changelogs = {n for n in names if n.startswith(app_id + "-") and n.endswith("-changelog")}
        sources: dict[bytes, set[int]] = {}
        written: dict[str, list[tuple[bytes, int]]] = {}
        topics = [ENRICHED, *INTERNAL_TOPICS]
        async for record in read_topics(settings, topics, idle_timeout_s=2):
            if strip_prefix(settings, record.topic) == ENRICHED:
                sources.setdefault(record.key, set()).add(record.partition)
                continue
            for item in batches.unpack(record.value):
                sources.setdefault(item.key, set()).add(record.partition)
        bare = Settings(broker=settings.broker)
        async for record in read_topics(bare, sorted(changelogs), idle_timeout_s=2):
            for key in entry_keys(record.key, record.value):
                written.setdefault(record.topic, []).append((key, record.partition))
        return sources, written

    sources, written = asyncio.run(read())
    assert len(written) >= 6  # every table the samples touch
    for topic, records in written.items():
        for key, partition in records:
            assert sources.get(key) == {partition}, (topic, key, partition, sources.get(key))
