"""``newsflow stats``: what running workers did, from their /stats, added up."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

import orjson
from rich.console import Console

from streams.cli.deployment import get_json, worker_urls
from streams.cli.errors import CliError
from streams.cli.render import print_stats
from streams.settings import Settings

NAME = "stats"
HELP = "Print what running workers did: the figures of /stats."
EPILOG = """examples:
  newsflow stats                                 the worker at NEWSFLOW_WEB_HOST:NEWSFLOW_WEB_PORT
  newsflow stats --url http://w1:6066 --url http://w2:6066   several workers, added up
  newsflow stats --watch 2                       redraw every 2 s until Ctrl-C
  newsflow stats --json | jq .dead_letters       the raw /stats document
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        action="append",
        metavar="URL",
        help="a worker's HTTP address; repeat for several (default from NEWSFLOW_WEB_*)",
    )
    parser.add_argument("--json", action="store_true", help="print the /stats JSON (of each worker)")
    parser.add_argument("--watch", type=float, metavar="S", help="redraw every S seconds until Ctrl-C")


def command(args: argparse.Namespace, settings: Settings) -> int:
    urls = worker_urls(settings, args.url)
    console = Console()
    if args.watch is not None and args.watch <= 0:
        raise CliError("--watch needs a positive number of seconds")
    while True:
        snapshots = [get_json(url, "/stats") for url in urls]
        if args.json:
            for snapshot in snapshots:
                sys.stdout.buffer.write(orjson.dumps(snapshot) + b"\n")
            sys.stdout.flush()
        else:
            if args.watch:
                console.clear()
            print_stats(console, merge_stats(snapshots), urls)
        if not args.watch:
            return 0
        time.sleep(args.watch)


def merge_stats(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    """Several workers' /stats as one: counts added, latest examples interleaved by time."""
    if len(snapshots) == 1:
        return snapshots[0]
    merged: dict[str, Any] = {
        "workers": [s["worker"] for s in snapshots],
        "window_s": snapshots[0]["window_s"],
    }
    steps: dict[str, dict[str, Any]] = {}
    for snapshot in snapshots:
        for step in snapshot["steps"]:
            into = steps.setdefault(step["step"], {**step, "in": 0, "out": 0, "rate_per_s": 0.0, "lag": 0})
            for field in ("in", "out", "rate_per_s", "lag"):
                into[field] += step[field] or 0
    merged["steps"] = list(steps.values())
    topics: Counter[str] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    kinds: Counter[str] = Counter()
    verdicts = 0
    for snapshot in snapshots:
        topics.update(snapshot["topics"])
        reasons.update({(r["stage"], r["reason"]): r["count"] for r in snapshot["dead_letters"]["by_reason"]})
        kinds.update(snapshot["duplicates"]["by_kind"])
        verdicts += snapshot["duplicates"]["verdicts"]
    merged["topics"] = dict(topics)
    latest = sorted((d for s in snapshots for d in s["dead_letters"]["latest"]), key=lambda d: -d["at"])
    merged["dead_letters"] = {
        "by_reason": [{"stage": st, "reason": r, "count": n} for (st, r), n in reasons.most_common()],
        "latest": latest[:20],
    }
    merged["duplicates"] = {
        "verdicts": verdicts,
        "by_kind": dict(kinds),
        "ratio": {k: (n / verdicts if verdicts else 0.0) for k, n in kinds.items()},
        "latest": sorted((d for s in snapshots for d in s["duplicates"]["latest"]), key=lambda d: -d["at"])[
            :20
        ],
    }
    for name, key in (("top_stories", "story_id"), ("top_entities", "key")):
        totals: dict[str, dict[str, Any]] = {}
        for snapshot in snapshots:
            for item in snapshot[name]:
                into = totals.setdefault(item[key], {**item, "articles": 0})
                into["articles"] += item["articles"]
        merged[name] = sorted(totals.values(), key=lambda i: (-i["articles"], i[key]))[:10]
    merged["partitions"] = [p for s in snapshots for p in s["partitions"]]
    merged["graph"] = {k: sum(s["graph"][k] for s in snapshots) for k in ("nodes", "edges")}
    merged["tables"] = dict(sum((Counter(s["tables"]) for s in snapshots), Counter()))
    # every worker lists the whole group; percentiles do not add up: the slowest worker's
    merged["workers_seen"] = next((s["workers"] for s in snapshots if s.get("workers")), [])
    latency: dict[str, dict[str, Any]] = {}
    for snapshot in snapshots:
        for topic, figures in (snapshot.get("latency") or {}).items():
            into = latency.setdefault(topic, {"count": 0, "p50_ms": None, "p99_ms": None})
            into["count"] += figures["count"]
            for q in ("p50_ms", "p99_ms"):
                if figures[q] is not None:
                    into[q] = max(into[q] or 0.0, figures[q])
    merged["latency"] = latency
    return merged
