"""``newsflow ingest``: publish files to articles.raw, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from streams.cli import render
from streams.cli.deployment import with_broker
from streams.cli.errors import CliError
from streams.settings import Settings
from streams.sources import iter_messages

NAME = "ingest"
HELP = "Publish files to articles.raw."
EPILOG = """examples:
  newsflow ingest samples/              every file of a folder
  newsflow ingest feed.jsonl page.html  one message per JSONL line, one per page
  cat page.txt | newsflow ingest -      standard input
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH")


def command(args: argparse.Namespace, settings: Settings) -> int:
    publish_files(with_broker(settings, "ingest"), args.paths, Console(stderr=True))
    return 0


def publish_files(settings: Settings, paths: list[str], console: Console) -> int:
    """Send every message of ``paths`` to articles.raw; how many were sent."""
    # heavy: aiokafka and the pipeline's topics
    from streams.kafka_io import ensure_topics, publish
    from streams.pipeline.steps import RAW

    messages = list(iter_messages(paths))
    if not messages:
        raise CliError(f"nothing to ingest in {' '.join(paths)} (empty files or folders)")
    asyncio.run(ensure_topics(settings))
    total_bytes = sum(len(v) for _, v in messages)
    columns = (
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>9} msg/s"),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    started = time.monotonic()
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("ingest", total=len(messages), rate="–")

        def sent_one(_: int) -> None:
            done = progress.tasks[0].completed + 1
            progress.update(task, advance=1, rate=f"{done / max(time.monotonic() - started, 1e-6):,.0f}")

        sent = asyncio.run(publish(settings, RAW, messages, on_sent=sent_one))
    elapsed = max(time.monotonic() - started, 1e-6)
    console.print(render.ingest_summary(sent, total_bytes, elapsed, settings.topic(RAW), len(paths)))
    return sent
