"""Metrics and the /stats ring buffers, fed the way the agents feed them; Grafana and Prometheus files.

No broker, no loop: ``record_step`` takes the step's emits as plain values.
"""

from __future__ import annotations

import json
import logging
import re

import orjson
import pytest
import yaml

from streams import metrics
from streams.logs import JsonFormatter, TextFormatter, logging_config
from streams.metrics import record_consumer, record_step
from streams.pipeline.steps import CLEAN, DEAD_LETTER, DUPLICATES, ENRICHED, UNIQUE, VERDICTS, Emit
from streams.records import CleanArticle, DeadLetter, EnrichedArticle, Entity, Fingerprints, Verdict
from streams.settings import Settings
from streams.stats import Observatory, PartitionPosition
from tests.conftest import ROOT

GRAFANA = ROOT / "deploy" / "grafana" / "dashboards" / "newsflow.json"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"


def clean(article_id: str, title: str) -> CleanArticle:
    return CleanArticle(
        article_id=article_id,
        parent_id=None,
        url=None,
        source=None,
        published_at=None,
        fetched_at=None,
        language="ar",
        title=title,
        paragraphs=["نص"],
        text="نص",
    )


def enriched(article_id: str, *entity_keys: str) -> EnrichedArticle:
    base = clean(article_id, f"title of {article_id}")
    entities = [Entity(type="place", name=key.title(), key=key) for key in entity_keys]
    fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
    return EnrichedArticle(**fields, entities=entities, fingerprints=Fingerprints(exact="x", near=[]))


def verdict(article_id: str, duplicate_of: str | None, story: str, kind: str | None = "exact") -> Verdict:
    return Verdict(
        article_id=article_id,
        status="duplicate" if duplicate_of else "unique",
        duplicate_of=duplicate_of,
        kind=kind if duplicate_of else None,
        similarity=0.93 if duplicate_of else None,
        story_id=story,
        rule="exact_fingerprint",
        published_at=None,
    )


def dead(reason: str, original: str = "{broken") -> DeadLetter:
    return DeadLetter(
        reason=reason,
        stage="parse",
        error="unexpected end of data",
        article_id=None,
        original=original,
        original_encoding="utf-8",
        original_bytes=len(original),
    )


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def clock():
    now = [1_000_000.0]
    return now


@pytest.fixture
def obs(clock) -> Observatory:
    return Observatory(window_s=60, bucket_s=5, clock=lambda: clock[0])


def feed(obs: Observatory, step: str, emits: list[Emit], now: float) -> None:
    record_step(
        step,
        emits,
        seconds=0.01,
        input_timestamp_s=now - 2,
        raw_timestamp_s=now - 5,
        now=now,
        observatory=obs,
    )


def test_a_step_counts_in_out_dead_letters_and_both_latencies(obs, clock):
    before_in = sample("newsflow_messages_in_total", step="clean")
    before_dead = sample("newsflow_dead_letters_total", stage="parse", reason="invalid_json")
    before_e2e = sample("newsflow_end_to_end_latency_seconds_count", topic=CLEAN)
    before_age = sample("newsflow_step_input_age_seconds_sum", step="clean")
    feed(obs, "clean", [Emit(CLEAN, "a", clean("a", "A")), Emit(CLEAN, "a~e1", clean("a~e1", "B"))], clock[0])
    feed(obs, "clean", [Emit(DEAD_LETTER, "k", dead("invalid_json"))], clock[0])

    assert sample("newsflow_messages_in_total", step="clean") - before_in == 2
    assert sample("newsflow_dead_letters_total", stage="parse", reason="invalid_json") - before_dead == 1
    assert sample("newsflow_end_to_end_latency_seconds_count", topic=CLEAN) - before_e2e == 2
    assert sample("newsflow_step_input_age_seconds_sum", step="clean") - before_age == pytest.approx(4.0)
    snap = obs.snapshot()
    clean_step = next(s for s in snap["steps"] if s["step"] == "clean")
    assert (clean_step["in"], clean_step["out"]) == (2, 3)
    assert clean_step["series_in"][-1] == 2 and sum(clean_step["series_in"]) == 2
    assert snap["topics"] == {CLEAN: 2, DEAD_LETTER: 1}
    assert snap["dead_letters"]["by_reason"] == [{"stage": "parse", "reason": "invalid_json", "count": 1}]
    assert snap["dead_letters"]["latest"][0]["excerpt"] == "{broken"


def test_duplicates_come_with_both_titles_and_the_ratio_by_kind(obs, clock):
    feed(
        obs,
        "clean",
        [Emit(CLEAN, "a", clean("a", "Original")), Emit(CLEAN, "b", clean("b", "Repost"))],
        clock[0],
    )
    feed(obs, "dedup", [Emit(VERDICTS, "a", verdict("a", None, "a")), Emit(UNIQUE, "a", b"{}")], clock[0])
    duplicate = verdict("b", "a", "a")
    feed(obs, "dedup", [Emit(VERDICTS, "b", duplicate), Emit(DUPLICATES, "b", duplicate)], clock[0])
    snap = obs.snapshot()
    latest = snap["duplicates"]["latest"]
    assert latest[0] | {"at": 0} == latest[0] | {
        "at": 0,
        "article_id": "b",
        "title": "Repost",
        "duplicate_of": "a",
        "matched_title": "Original",
        "kind": "exact",
        "similarity": 0.93,
    }
    assert snap["duplicates"]["ratio"] == {"exact": 0.5, "near": 0.0, "revision": 0.0, "containment": 0.0}
    assert snap["top_stories"][0] == {"story_id": "a", "articles": 2, "title": "Original"}


def test_top_entities_count_each_article_once_and_forget_what_left_the_window(obs, clock):
    feed(obs, "enrich", [Emit(ENRICHED, "a", enriched("a", "cairo", "pentagon"))], clock[0])
    feed(obs, "enrich", [Emit(ENRICHED, "a", enriched("a", "cairo", "pentagon"))], clock[0])  # re-delivered
    feed(obs, "enrich", [Emit(ENRICHED, "b", enriched("b", "cairo"))], clock[0])
    top = obs.snapshot()["top_entities"]
    assert [(e["key"], e["articles"]) for e in top] == [("cairo", 2), ("pentagon", 1)]

    clock[0] += 61
    feed(obs, "enrich", [Emit(ENRICHED, "c", enriched("c", "riyadh"))], clock[0])
    snap = obs.snapshot()
    assert [e["key"] for e in snap["top_entities"]] == ["riyadh"]
    enrich_step = next(s for s in snap["steps"] if s["step"] == "enrich")
    assert sum(enrich_step["series_in"]) == 1 and enrich_step["in"] == 4  # window vs. since start


def test_lag_is_highwater_minus_next_offset_and_changelogs_are_not_lag():
    assert PartitionPosition("articles.raw", 0, highwater=10, next_offset=7).lag == 3
    assert PartitionPosition("articles.raw", 0, highwater=10, next_offset=None).lag == 10
    assert PartitionPosition("articles.raw", 0, highwater=None, next_offset=3).lag is None
    assert PartitionPosition("x-changelog", 0, highwater=9, next_offset=1, consumed=False).lag is None


def test_consumer_sample_replaces_the_previous_assignment(obs):
    raw = [PartitionPosition("articles.raw", 0, 10, 4), PartitionPosition("articles.raw", 1, 5, 5)]
    record_consumer(raw, {"articles": 3}, (2, 5), observatory=obs)
    assert sample("newsflow_consumer_lag_messages", topic="articles.raw", partition="0") == 6
    assert sample("newsflow_partition_assigned", topic="articles.raw", partition="1") == 1
    record_consumer([PartitionPosition("articles.clean", 2, 1, 1)], {"articles": 3}, (2, 5), observatory=obs)
    assert (
        metrics.REGISTRY.get_sample_value(
            "newsflow_partition_assigned", {"topic": "articles.raw", "partition": "1"}
        )
        is None
    )
    assert sample("newsflow_assigned_partitions") == 1
    assert sample("newsflow_graph_edges") == 5 and sample("newsflow_table_keys", table="articles") == 3
    snap = obs.snapshot()
    assert snap["graph"] == {"nodes": 2, "edges": 5}
    assert [p["topic"] for p in snap["partitions"]] == ["articles.clean"]


def test_a_broker_stall_shows_since_when_and_clears_when_it_answers(obs, clock):
    metrics.record_broker(up=True, now=100.0, observatory=obs)
    metrics.record_broker(up=False, now=110.0, observatory=obs)
    metrics.record_broker(up=False, now=112.0, observatory=obs)
    assert obs.snapshot(now=113.0)["broker"] == {"up": False, "last_answer": 100.0, "down_since": 110.0}
    assert metrics.BROKER_UP._value.get() == 0
    metrics.record_broker(up=True, now=115.0, observatory=obs)
    assert obs.snapshot(now=116.0)["broker"] == {"up": True, "last_answer": 115.0, "down_since": None}
    assert metrics.BROKER_UP._value.get() == 1 and metrics.BROKER_LAST_SEEN._value.get() == 115.0


def test_the_raw_timestamp_header_is_read_from_either_header_shape():
    headers = [("other", b"1"), (metrics.RAW_TS_HEADER, b"1700000000123")]
    assert metrics.raw_timestamp_ms(headers) == 1700000000123
    assert metrics.raw_timestamp_ms({metrics.RAW_TS_HEADER: b"42"}) == 42
    assert metrics.raw_timestamp_ms([(metrics.RAW_TS_HEADER, b"garbage")]) is None
    assert metrics.raw_timestamp_ms(None) is None


def test_metric_names_follow_prometheus_conventions():
    for family in metrics.REGISTRY.collect():
        # newsflow's own, and the standard process_* of prometheus_client's ProcessCollector
        assert family.name.startswith(("newsflow_", "process_")), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), f"{family.name}: a histogram of time has a unit"
    assert {
        "newsflow_messages_in_total",
        "newsflow_dead_letters_total",
        "newsflow_consumer_lag_messages",
        "newsflow_end_to_end_latency_seconds_bucket",
    } <= metrics.metric_names()


# --- Grafana and Prometheus ------------------------------------------------------------------------

PROMQL_WORDS = {
    "sum",
    "by",
    "rate",
    "increase",
    "histogram_quantile",
    "ignoring",
    "group_left",
    "le",
    "without",
    "avg",
    "max",
    "min",
    "on",
}


def grafana_exprs() -> list[str]:
    dashboard = json.loads(GRAFANA.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_every_metric_a_grafana_panel_queries_is_one_the_worker_exports():
    exported = metrics.metric_names()
    exprs = grafana_exprs()
    assert len(exprs) >= 10
    for expr in exprs:
        queried = set(re.findall(r"\bnewsflow_[a-z0-9_]+", expr))
        assert queried, f"panel queries no newsflow metric: {expr}"
        assert queried <= exported, f"{expr}: not exported by the worker: {sorted(queried - exported)}"


def test_every_label_a_grafana_panel_groups_or_filters_by_exists():
    labels = {"le", "instance", "job"}
    for family in metrics.REGISTRY.collect():
        collector = metrics.REGISTRY._names_to_collectors[
            family.name if family.type != "counter" else family.name + "_total"
        ]
        labels |= set(getattr(collector, "_labelnames", ()))
    for expr in grafana_exprs():
        used = {
            name
            for group in re.findall(r"(?:by|ignoring|without|on)\s*\(([^)]*)\)", expr)
            for name in re.split(r"\s*,\s*", group.strip())
            if name
        }
        used |= set(re.findall(r"[{,]\s*([a-z_]+)\s*=~?", expr))
        assert used <= labels, f"{expr}: unknown labels {sorted(used - labels)}"


def test_prometheus_scrapes_the_workers_metrics_path():
    config = yaml.safe_load(PROMETHEUS.read_text())
    job = config["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics"
    assert job["dns_sd_configs"][0]["names"] == ["worker"] and job["dns_sd_configs"][0]["port"] == 6066
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    mount = "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert mount in compose["prometheus"]["volumes"]
    mounted = {v.split(":")[0] for v in compose["grafana"]["volumes"]}
    assert {"./deploy/grafana/provisioning", "./deploy/grafana/dashboards"} <= mounted


# --- logs -------------------------------------------------------------------------------------------


def record(message: str, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("newsflow.agents", logging.WARNING, __file__, 1, message, None, None)
    rec.__dict__.update(extra)
    return rec


def test_json_logs_are_one_object_per_line_with_the_dead_letter_fields():
    line = JsonFormatter().format(
        record(
            "dead letter: stage=parse",
            stage="parse",
            reason="invalid_json",
            article_id=None,
            key="k1",
            value={"text": "the body"},
        )
    )
    assert "\n" not in line
    parsed = orjson.loads(line)
    assert parsed | {"ts": None} == {
        "ts": None,
        "level": "warning",
        "logger": "newsflow.agents",
        "message": "dead letter: stage=parse",
        "stage": "parse",
        "reason": "invalid_json",
        "article_id": None,
        "key": "k1",
    }


def test_text_logs_are_human_readable_and_the_format_follows_the_setting():
    line = TextFormatter().format(record("dead letter: stage=parse reason=invalid_json"))
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARNING newsflow.agents dead letter", line)
    assert logging_config(Settings(log_format="json"))["handlers"]["default"]["formatter"] == "json"
    assert logging_config(Settings())["handlers"]["default"]["formatter"] == "text"


def test_graph_size_follows_the_table_and_decodes_only_changed_entries(monkeypatch):
    from streams import web

    def entry(*neighbours):
        return orjson.dumps({"at": None, "neighbours": {n: {"embedded": 1.0} for n in neighbours}})

    table = {b"a": entry("b", "c"), b"b": entry("a"), b"c": entry("a")}
    size = web._GraphSize()
    assert size(table) == (3, 4)
    decoded = []
    real_loads = web.orjson.loads
    monkeypatch.setattr(web.orjson, "loads", lambda raw: decoded.append(raw) or real_loads(raw))
    table[b"a"] = entry("b")
    del table[b"c"]
    assert size(table) == (2, 2) and decoded == [table[b"a"]]
    assert size(None) is None


# --- every known label value at 0 from start ------------------------------------------------------


def fresh_metrics_text() -> str:
    """/metrics of a process that has seen nothing yet (this test process's registry has)."""
    import subprocess
    import sys

    script = "from prometheus_client import generate_latest; from streams import metrics; "
    script += "print(generate_latest(metrics.REGISTRY).decode())"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout


def test_an_idle_worker_exports_every_step_topic_reason_and_verdict_kind_at_zero():
    from streams.pipeline.steps import INTERNAL_TOPICS, PUBLIC_TOPICS, RAW, STEPS, TABLES
    from streams.records import DEAD_LETTER_REASONS, STEP_FAILURE_REASONS

    values = {}
    for line in fresh_metrics_text().splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            values[series] = float(value)
    for step in STEPS:
        assert values[f'newsflow_messages_in_total{{step="{step.name}"}}'] == 0
        assert values[f'newsflow_step_duration_seconds_count{{step="{step.name}"}}'] == 0
        assert values[f'newsflow_messages_out_total{{step="{step.name}",topic="{DEAD_LETTER}"}}'] == 0
        for reason in STEP_FAILURE_REASONS:
            assert values[f'newsflow_dead_letters_total{{reason="{reason}",stage="{step.name}"}}'] == 0
    for stage, reasons in DEAD_LETTER_REASONS.items():
        for reason in reasons:
            assert values[f'newsflow_dead_letters_total{{reason="{reason}",stage="{stage}"}}'] == 0
    for topic in [t for t in PUBLIC_TOPICS if t != RAW] + list(INTERNAL_TOPICS):
        assert values[f'newsflow_end_to_end_latency_seconds_count{{topic="{topic}"}}'] == 0
    for kind in ("exact", "near", "revision"):
        assert values[f'newsflow_verdicts_total{{kind="{kind}",status="duplicate"}}'] == 0
        assert values[f'newsflow_duplicate_ratio{{kind="{kind}"}}'] == 0
    assert values['newsflow_verdicts_total{kind="none",status="unique"}'] == 0
    for table in TABLES:
        assert values[f'newsflow_table_keys{{table="{table}"}}'] == 0
    assert "process_resident_memory_bytes" in values


def _literal(node, constants):
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def test_every_dead_letter_reason_the_code_can_give_is_declared():
    """DEAD_LETTER_REASONS is what /metrics exports at 0: the pipeline may not give another."""
    import ast

    from streams.records import DEAD_LETTER_REASONS, STEP_FAILURE_REASONS

    found: set[tuple[str, str]] = set()
    step_reasons: set[str] = set()
    for path in (ROOT / "streams").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, "id", getattr(call.func, "attr", None))
            if name == "PipelineError" and len(call.args) >= 2:
                reason, stage = _literal(call.args[0], constants), _literal(call.args[1], constants)
                assert reason and stage, (
                    f"{path}:{call.lineno}: reason and stage must be literal or constants"
                )
                found.add((stage, reason))
            elif name == "dead_letter" and len(call.args) >= 3 and _literal(call.args[2], constants):
                step_reasons.add(_literal(call.args[2], constants))
    declared = {(stage, reason) for stage, reasons in DEAD_LETTER_REASONS.items() for reason in reasons}
    assert found and found <= declared, f"declare in streams/records.py: {sorted(found - declared)}"
    assert step_reasons and step_reasons <= set(STEP_FAILURE_REASONS), step_reasons


def test_stats_give_latency_percentiles_lag_by_topic_and_the_latest_stories(obs, clock):
    for i in range(100):
        record_step(
            "dedup",
            [Emit(UNIQUE, f"a{i}", enriched(f"a{i}"))],
            seconds=0.001,
            input_timestamp_s=None,
            raw_timestamp_s=clock[0] - (i + 1) / 1000,  # 1 .. 100 ms
            now=clock[0],
            observatory=obs,
        )
    feed(obs, "clean", [Emit(CLEAN, "s1", clean("s1", "The first story"))], clock[0])
    feed(obs, "dedup", [Emit(VERDICTS, "s1", verdict("s1", None, "s1"))], clock[0] + 1)
    feed(obs, "clean", [Emit(CLEAN, "s2", clean("s2", "The second story"))], clock[0] + 2)
    feed(obs, "dedup", [Emit(VERDICTS, "s2", verdict("s2", None, "s2"))], clock[0] + 2)
    feed(obs, "dedup", [Emit(VERDICTS, "s1b", verdict("s1b", "s1", "s1"))], clock[0] + 3)
    record_consumer(
        [
            PartitionPosition("articles.raw", 0, 10, 4),
            PartitionPosition("articles.raw", 1, 5, 5),
            PartitionPosition("articles.clean", 0, 3, 3),
        ],
        {},
        None,
        observatory=obs,
    )
    clock[0] += 3
    snap = obs.snapshot()
    assert snap["latency"][UNIQUE]["count"] == 100
    assert snap["latency"][UNIQUE]["p50_ms"] == pytest.approx(50, abs=1)
    assert snap["latency"][UNIQUE]["p99_ms"] == pytest.approx(99, abs=1)
    assert snap["latency"][DEAD_LETTER] == {"count": 0, "p50_ms": None, "p99_ms": None}
    assert snap["lag"][0] == {"topic": "articles.raw", "partitions": 2, "lagging": 1, "total": 6, "max": 6}
    latest = snap["latest_stories"]
    assert [s["story_id"] for s in latest[:2]] == ["s1", "s2"]  # s1 grew last
    assert latest[0]["title"] == "The first story" and latest[0]["articles"] == 2


ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"


def test_every_alert_reads_metrics_the_worker_exports_and_the_readme_explains_it():
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    assert len(rules) >= 6
    exported = metrics.metric_names() | {"up", "process_resident_memory_bytes"}
    readme = (ROOT / "README.md").read_text()
    for rule in rules:
        queried = set(
            re.findall(r"\b(?:newsflow_[a-z0-9_]+|process_[a-z_]+|up)\b(?=\s*[{\[)=<>]|\s*$)", rule["expr"])
        )
        assert queried and queried <= exported, (rule["alert"], sorted(queried - exported))
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert f"`{rule['alert']}`" in readme, f"README's operating section does not explain {rule['alert']}"
    config = yaml.safe_load(PROMETHEUS.read_text())
    assert "/etc/prometheus/alerts.yml" in config["rule_files"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in compose["prometheus"]["volumes"]


def test_a_histogram_observed_all_at_once_holds_what_observing_each_value_gives():
    """record_batch moves each bucket once per batch: the scrape must not tell the difference."""
    from prometheus_client import CollectorRegistry, Histogram

    from streams.faust_internals import observe_all

    amounts = [0.0, 0.0004, 0.001, 0.001, 0.0011, 0.7, 2.5, 3.0, 1e9, float("nan"), 0.03]
    samples = []
    for bulk in (False, True):
        registry = CollectorRegistry()
        histogram = Histogram("h", "h", ["step"], registry=registry, buckets=(0.001, 0.01, 1, 2.5))
        child = histogram.labels("s")
        if bulk:
            observe_all(child, amounts)
            observe_all(child, [])
        else:
            for amount in amounts:
                child.observe(amount)
        samples.append(
            {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for m in registry.collect()
                for s in m.samples
                if not s.name.endswith("_created")
            }
        )
    each, bulk_samples = samples
    assert each.keys() == bulk_samples.keys()
    for name, value in each.items():
        assert value == bulk_samples[name] or (value != value and bulk_samples[name] != bulk_samples[name]), (
            name
        )


def test_observing_all_at_once_moves_each_bucket_once(monkeypatch):
    from prometheus_client import CollectorRegistry, Histogram
    from prometheus_client.values import MutexValue

    from streams.faust_internals import observe_all

    histogram = Histogram("h", "h", registry=CollectorRegistry(), buckets=(0.001, 0.01))
    moves = []
    original = MutexValue.inc
    monkeypatch.setattr(
        MutexValue, "inc", lambda self, amount: moves.append(amount) or original(self, amount)
    )
    observe_all(histogram, [0.0005] * 100 + [0.005] * 50)
    assert len(moves) == 3  # the sum and two buckets, not 150 values and 150 sums
