"""``newsflow tail``: print the messages of a topic, pretty on a terminal, JSON lines in a pipe."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from typing import Any

import orjson

from streams import batches
from streams.cli.deployment import with_broker
from streams.cli.errors import CliError
from streams.cli.render import PrettyPrinter
from streams.settings import Settings

NAME = "tail"
HELP = "Print the messages of a topic."
EPILOG = """examples:
  newsflow tail articles.dead-letter    from the beginning, then follow
  newsflow tail graph.edges --idle 5    stop after 5 s without a message
  newsflow tail articles.unique | jq -r .value.title    piped: one JSON line per message

On a terminal messages are pretty-printed in colour; piped, they are JSON lines
{"topic": ..., "key": ..., "value": ...}. --format forces either.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", help="topic name without prefix, e.g. articles.unique")
    parser.add_argument("--new", action="store_true", help="only messages from now on")
    parser.add_argument("--idle", type=float, metavar="S", help="stop after S seconds without one")
    parser.add_argument(
        "--format",
        choices=("auto", "pretty", "json"),
        default="auto",
        help="pretty (colour) or json lines; auto: pretty on a terminal",
    )


def command(args: argparse.Namespace, settings: Settings) -> int:
    # heavy: aiokafka and the pipeline's topics
    from streams.kafka_io import read_topics, strip_prefix
    from streams.pipeline.steps import INTERNAL_TOPICS, PUBLIC_TOPICS

    settings = with_broker(settings, "tail")
    if args.topic not in PUBLIC_TOPICS + INTERNAL_TOPICS:
        raise CliError(f"unknown topic {args.topic!r}; one of: {', '.join(PUBLIC_TOPICS)}")
    pretty = args.format == "pretty" or (args.format == "auto" and sys.stdout.isatty())
    printer = PrettyPrinter() if pretty else None

    async def follow() -> None:
        async for record in read_topics(
            settings, [args.topic], idle_timeout_s=args.idle, from_beginning=not args.new
        ):
            topic = strip_prefix(settings, record.topic)
            items = [batches.Item(topic, record.key, record.value or b"", None)]
            if topic in INTERNAL_TOPICS:  # through-topics carry batches of items, each on its channel
                with contextlib.suppress(batches.BatchError):
                    items = batches.unpack(record.value or b"")
            for item in items:
                line = record_line(item.channel, item.key, item.value)
                if printer is not None:
                    printer.print(orjson.loads(line))
                else:
                    sys.stdout.buffer.write(line + b"\n")
                    sys.stdout.flush()

    try:
        asyncio.run(follow())
    except BrokenPipeError:  # `newsflow tail ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def record_line(topic: str, key: bytes | None, value: bytes | None) -> bytes:
    """``{"topic", "key", "value"}`` as one JSON line; a value that is not JSON as text."""
    try:
        decoded: Any = orjson.loads(value) if value else None
    except orjson.JSONDecodeError:
        decoded = (value or b"").decode("utf-8", "replace")
    key_text = key.decode("utf-8", "replace") if key is not None else None
    return orjson.dumps({"topic": topic, "key": key_text, "value": decoded})
