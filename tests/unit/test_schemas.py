import orjson

from streams import schema
from streams.metrics import record_batch, record_broker, record_consumer, record_step
from streams.pipeline.runner import Observation
from streams.pipeline.steps import CLEAN, DEAD_LETTER, DUPLICATES, ENRICHED, RAW, UNIQUE, VERDICTS, Emit
from streams.records import EDGE_SCHEMA_VERSION, SCHEMA_VERSION
from streams.stats import Observatory, PartitionPosition
from tests.conftest import assert_valid
from tests.unit.test_metrics import clean, dead, enriched, verdict


def test_schemas_are_generated_from_the_records():
    stale = schema.drift()
    assert not stale, f"schemas/ is out of date ({', '.join(stale)}): run `make schemas`"


def test_every_schema_pins_its_version(validators):
    assert set(validators) >= {
        "articles.clean",
        "articles.enriched",
        "articles.unique",
        "articles.duplicates",
        "articles.verdicts",
        "articles.dead-letter",
        "graph.edges",
    }
    for validator in validators.values():
        title = validator.schema["title"]
        if not title.startswith("HTTP"):
            version = EDGE_SCHEMA_VERSION if title == "graph.edges" else SCHEMA_VERSION
            assert validator.schema["properties"]["schema_version"] == {"const": version}
    # graph.edges changed its contract (a record per relation as it stands, not per reason)
    assert EDGE_SCHEMA_VERSION == 2


def test_a_stats_snapshot_meets_the_stats_schema(validators):
    """What ``/stats`` answers: a snapshot after a few batches, completed as the web layer completes it."""
    obs = Observatory(window_s=60, bucket_s=5, clock=lambda: 1000.0)
    raw_ms = 999_000
    duplicate = verdict("b", "a", "a")
    record_batch(
        [
            Observation(
                "clean",
                [Emit(CLEAN, "a", clean("a", "Original")), Emit(CLEAN, "b", clean("b", "Repost"))],
                0.002,
                raw_ms,
                raw_ms,
            ),
            Observation("clean", [Emit(DEAD_LETTER, "k", dead("invalid_json"))], 0.001, raw_ms, raw_ms),
            Observation("enrich", [Emit(ENRICHED, "a", enriched("a", "cairo"))], 0.01, raw_ms + 10, raw_ms),
        ],
        now=1000.0,
        observatory=obs,
    )
    record_step(
        "dedup",
        [Emit(VERDICTS, "a", verdict("a", None, "a")), Emit(UNIQUE, "a", b"{}")],
        seconds=0.003,
        input_timestamp_s=999.5,
        raw_timestamp_s=999.0,
        now=1000.0,
        observatory=obs,
    )
    record_step(
        "dedup",
        [Emit(VERDICTS, "b", duplicate), Emit(DUPLICATES, "b", duplicate)],
        seconds=0.003,
        input_timestamp_s=None,
        raw_timestamp_s=None,
        now=1000.0,
        observatory=obs,
    )
    positions = [PartitionPosition(RAW, 0, 10, 4), PartitionPosition("x-changelog", 0, 3, 1, consumed=False)]
    record_consumer(positions, {"articles": 2}, (2, 1), observatory=obs)
    record_broker(up=False, now=1000.0, observatory=obs)

    stats = orjson.loads(orjson.dumps(obs.snapshot()))
    assert stats["steps"] and stats["dead_letters"]["latest"] and stats["duplicates"]["latest"]
    assert stats["top_entities"] and stats["latest_stories"] and stats["partitions"]
    assert_valid(validators, "http.stats", stats)

    me = {
        "url": "http://w1:6066",
        "pid": 7,
        "rss_bytes": None,
        "partitions": [0],
        "ready": True,
        "uptime_s": 1.0,
    }
    stats["worker"] |= {"id": "http://w1:6066", "app_id": "newsflow", "topic_prefix": "", **me}
    stats["workers"] = [
        {**stats["worker"], "up": True, "last_seen": 1000.0, "down_since": None, "self": True},
        {
            "status": "ok",
            **me,
            "url": "http://w2:6066",
            "up": True,
            "last_seen": 999.0,
            "down_since": None,
            "self": False,
        },
        {"url": "http://w3:6066", "up": False, "down_since": 990.0, "self": False},
    ]
    assert_valid(validators, "http.stats", stats)

    del stats["steps"][0]["series_lag"]
    assert list(validators["http.stats"].iter_errors(stats)), "the schema lets a missing field through"
