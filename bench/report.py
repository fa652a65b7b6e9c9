"""The terminal view of a result: one rich table per question, aims last.

``aims(result)`` checks the targets of issue 9 against a result dict, so the
JSON file and the table say the same thing.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

# (key, what, target): each aim on a result dict, checked by ``CHECKS``.
AIMS: tuple[tuple[str, str, str], ...] = (
    ("cpu_efficiency", "in-process CPU per article / 1 worker's", ">= 0.90"),
    ("overhead_ratio", "pipeline 1 worker / in-process, same pages (wall)", ">= 0.80"),
    ("scaling_cpu", "1 worker's CPU per article / 2 workers' together", ">= 0.90"),
    ("balance", "least busy worker's CPU / busiest, 2 workers", ">= 0.80"),
    ("kafka_records_per_article", "records on through-topics and changelogs per article", "<= 30"),
    ("changelog_bytes_per_article", "changelog bytes per article", "<= 20,000"),
    ("latency_p99_ms", "p99 raw -> unique at half the sustainable rate", "<= 300 ms"),
    ("http_related_during_ingest_p99_ms", "/related p99 while 1 worker ingests flat out", "< 100 ms"),
    ("stage_total_ms", "whole pipeline per 2.5 KB Arabic article, one core", "< 15 ms"),
)
CHECKS = {
    "cpu_efficiency": lambda v: v >= 0.9,
    "overhead_ratio": lambda v: v >= 0.8,
    "scaling_cpu": lambda v: v >= 0.9,
    "balance": lambda v: v >= 0.8,
    "kafka_records_per_article": lambda v: v <= 30,
    "changelog_bytes_per_article": lambda v: v <= 20_000,
    "latency_p99_ms": lambda v: v <= 300,
    "http_related_during_ingest_p99_ms": lambda v: v < 100,
    "stage_total_ms": lambda v: v < 15,
}


def aims(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values = {key: result.get(key) for key, _, _ in AIMS}
    values["stage_total_ms"] = result.get("stage_ms", {}).get("total")
    return {
        key: {
            "what": what,
            "target": target,
            "value": values[key],
            "met": None if values[key] is None else bool(CHECKS[key](values[key])),
        }
        for key, what, target in AIMS
    }


def print_report(result: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    m = result["machine"]
    console.print(
        f"[bold]newsflow bench[/] {result['date']} ({result['budget']}, workers on the "
        f"{result.get('broker_profile', 'tansu')} broker profile): {m['cores']} cores, {m['cpu']}, "
        f"Python {m['python']}, faust-streaming {m['packages'].get('faust-streaming')}, "
        f"aiokafka {m['packages'].get('aiokafka')}; {result['pages']} pages of "
        f"{result['page_bytes_mean']} B on average {result['page_kinds']}"
    )

    speed = Table(title="throughput (article = one raw page)")
    for column in ("what", "articles/s", "vs in-process", "vs ceiling"):
        speed.add_column(column, justify="right" if column != "what" else "left")
    ceiling = result["ceiling_msgs_per_s"]
    batch1 = result["ceiling_batch1_msgs_per_s"]
    in_process = result["in_process_articles_per_s_same_pages"]
    speed.add_row("ceiling: aiokafka passthrough (1 MiB batches)", f"{ceiling:,.0f}", "", "1")
    speed.add_row("ceiling: max_batch_size=1 (Tansu profile)", f"{batch1:,.0f}", "", _ratio(batch1, ceiling))
    speed.add_row(
        f"in-process (newsflow process), 1 core, first {result['pipeline_pages']} pages",
        f"{in_process:,.1f}",
        "1",
        _ratio(in_process, ceiling),
    )
    speed.add_row(
        f"in-process, all {result['pages']} pages", f"{result['in_process_articles_per_s']:,.1f}", "", ""
    )
    for workers, rate in result["pipeline_articles_per_s"].items():
        done = "" if result["pipeline_complete"][workers] else " (timed out)"
        speed.add_row(
            f"pipeline, {workers} worker(s){done}",
            f"{rate:,.1f}",
            _ratio(rate, in_process),
            _ratio(rate, ceiling),
        )
    console.print(speed)

    stages = Table(title="CPU ms per article, in-process (one core)")
    stages.add_column("stage")
    stages.add_column("ms", justify="right")
    stages.add_column("share", justify="right")
    stages.add_column("parts (ms)")
    total = result["stage_ms"].get("total") or 1.0
    for stage, ms in sorted(result["stage_ms"].items(), key=lambda item: (item[0] == "total", -item[1])):
        parts = result["stage_parts_ms"].get(stage, {})
        shown = ", ".join(
            f"{name} {value:.2f}"
            for name, value in sorted(parts.items(), key=lambda i: -i[1])
            if value >= 0.01
        )
        stages.add_row(stage, f"{ms:.2f}", f"{100 * ms / total:.0f}%", shown)
    console.print(stages)

    cpu = Table(title="CPU and records per article (article = one raw page)")
    cpu.add_column("what")
    cpu.add_column("value", justify="right")
    per = result.get("cpu_s_per_article", {})
    for name, label in (
        ("in_process", "CPU ms, in-process (newsflow process)"),
        ("worker_1", "CPU ms, 1 worker"),
        ("workers_2", "CPU ms, 2 workers together"),
        ("broker_1", "CPU ms, the broker (1 worker run)"),
        ("driver_1", "CPU ms, the bench's own publisher and reader (1 worker run)"),
    ):
        if name in per:
            cpu.add_row(label, f"{1000 * per[name]:,.2f}")
    for key, label in (
        ("kafka_records_per_article", "Kafka records: through-topics (produced + consumed) and changelogs"),
        ("public_records_per_article", "Kafka records: public topics (produced + consumed)"),
        ("changelog_bytes_per_article", "changelog bytes"),
    ):
        if key in result:
            cpu.add_row(label, f"{result[key]:,}")
    by_topic = result.get("records_by_topic", {})
    for topic, figures in sorted(by_topic.items()):
        if topic.endswith("-changelog") or topic.startswith("through."):
            pages = max(result.get("pipeline_pages", 1), 1)
            cpu.add_row(
                f"  {topic}: records, bytes per article",
                f"{figures['records'] / pages:,.1f}, {figures['bytes'] / pages:,.0f}",
            )
    console.print(cpu)

    other = Table(title="latency, state, memory")
    other.add_column("what")
    other.add_column("value", justify="right")
    other.add_row(
        f"latency raw -> unique, p50 (2 workers, {result['latency_rate_per_s']}/s, "
        f"{result['latency_samples']} samples)",
        _ms(result["latency_p50_ms"]),
    )
    other.add_row("latency raw -> unique, p99", _ms(result["latency_p99_ms"]))
    if "http_related_during_ingest" in result:
        during = result["http_related_during_ingest"]
        other.add_row(
            f"HTTP /articles/ID/related while 1 worker ingests {during['backlog_pages']:.0f} pages, "
            f"{during['clients']} clients: p50 / p99",
            f"{during['p50']:.0f} / {during['p99']:.0f} ms",
        )
    if "http_related" in result:
        http = result["http_related"]
        other.add_row(
            f"HTTP /articles/ID/related, 50 clients, 2 workers, {http['requests']:.0f} requests: p50",
            _ms(http["p50"]),
        )
        other.add_row(
            f"HTTP /articles/ID/related p99 ({http['server_errors']:.0f} server errors)", _ms(http["p99"])
        )
    reached = "" if result["state_reached_target"] else " (budget ended first)"
    other.add_row(
        f"state bytes per article, dedup + graph, after {result['state_pages']:,} pages{reached}",
        f"{result['state_bytes_per_article']:,.0f}",
    )
    growth = result.get("state_bytes_per_article_growth", [])
    if len(growth) > 2:
        steps = ", ".join(f"{pages:,}: {size:,.0f}" for pages, size in growth[1::3])
        other.add_row(f"  after fewer pages: {steps}", "")
    for table, size in sorted(result["state_bytes_per_article_by_table"].items()):
        other.add_row(f"  table {table} ({result['state_entries'][table]:,} keys)", f"{size:,.0f}")
    other.add_row("worker peak RSS (MB)", f"{result['peak_rss_mb']:,.0f}")
    outputs = result["in_process_outputs"]
    dead, clean = outputs.get("articles.dead-letter", 0), outputs.get("articles.clean", 0)
    other.add_row("in-process: dead letters / clean articles (sanity check: 0)", f"{dead} / {clean}")
    edges = outputs.get("graph.edges", 0)
    other.add_row("in-process: graph.edges messages per page", f"{edges / max(result['pages'], 1):,.0f}")
    other.add_row(
        "clean stage on samples/ar-page-two-articles.txt (pages/s)",
        f"{result['clean_sample_pages_per_s']:,.0f}",
    )
    if "html_eval" in result:
        html = result["html_eval"]
        other.add_row(
            f"HTML eval pages ({html['pages']}): whole pipeline CPU ms/page", f"{html['pipeline_ms']:.1f}"
        )
        other.add_row("HTML eval pages: trafilatura alone CPU ms/page", f"{html['trafilatura_ms']:.1f}")
    console.print(other)

    for key, title in (
        ("in_process_hot_spots", "hot spots, in-process (pyinstrument, self time)"),
        ("in_process_stage_time", "project functions, in-process (pyinstrument, inclusive)"),
        ("worker_hot_spots", "hot spots, 1 worker (py-spy, self time, idle included)"),
        ("worker_stage_time", "project functions, 1 worker (py-spy, inclusive)"),
    ):
        if result.get(key):
            spots = Table(title=title)
            for column in ("function", "self %", "total %"):
                spots.add_column(column, justify="left" if column == "function" else "right")
            for spot in result[key][:10]:
                spots.add_row(spot["function"], f"{spot['self_pct']:.1f}", f"{spot['total_pct']:.1f}")
            console.print(spots)

    goals = Table(title="aims")
    for column in ("aim", "target", "measured", "met"):
        goals.add_column(column)
    for aim in result["aims"].values():
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[aim["met"]]
        goals.add_row(aim["what"], aim["target"], _number(aim["value"]), met)
    console.print(goals)
    console.print(f"bench took {result['bench_seconds']:.0f} s")


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.3f}" if base else "-"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:,.3f}" if isinstance(value, float) else str(value)
