"""The terminal view of a result: one rich table per question, aims last.

``aims(result)`` checks the targets of issue 9 against a result dict, so the
JSON file and the table say the same thing.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

# (key, what, target, holds): each aim of issue 9 on a result dict.
AIMS: tuple[tuple[str, str, str], ...] = (
    ("overhead_ratio", "pipeline 1 worker / in-process, same cores", ">= 0.90"),
    ("scaling_2_workers", "2 workers / 1 worker", ">= 1.80"),
    ("stage_total_ms", "whole pipeline per 2.5 KB Arabic article, one core", "< 15 ms"),
    ("latency_p99_ms", "p99 raw -> unique at half the sustainable rate", "< 500 ms"),
)


def aims(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values = {
        "overhead_ratio": result.get("overhead_ratio"),
        "scaling_2_workers": result.get("scaling_2_workers"),
        "stage_total_ms": result.get("stage_ms", {}).get("total"),
        "latency_p99_ms": result.get("latency_p99_ms"),
    }
    checks = {
        "overhead_ratio": lambda v: v >= 0.9,
        "scaling_2_workers": lambda v: v >= 1.8,
        "stage_total_ms": lambda v: v < 15,
        "latency_p99_ms": lambda v: v < 500,
    }
    out = {}
    for key, what, target in AIMS:
        value = values[key]
        out[key] = {
            "what": what,
            "target": target,
            "value": value,
            "met": None if value is None else bool(checks[key](value)),
        }
    return out


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

    stages = Table(title="ms per article, in-process (one core)")
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

    other = Table(title="latency, state, memory")
    other.add_column("what")
    other.add_column("value", justify="right")
    other.add_row(
        f"latency raw -> unique, p50 (2 workers, {result['latency_rate_per_s']}/s, "
        f"{result['latency_samples']} samples)",
        _ms(result["latency_p50_ms"]),
    )
    other.add_row("latency raw -> unique, p99", _ms(result["latency_p99_ms"]))
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
            f"HTML eval pages ({html['pages']}): whole pipeline ms/page", f"{html['pipeline_ms']:.1f}"
        )
        other.add_row("HTML eval pages: trafilatura.extract alone ms/page", f"{html['trafilatura_ms']:.1f}")
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

    goals = Table(title="aims of issue 9")
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
