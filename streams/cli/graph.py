"""``newsflow graph``: an article's related articles as a tree, from a worker's HTTP API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import quote

from rich.console import Console

from streams.cli.deployment import get_json, worker_urls
from streams.cli.render import related_tree
from streams.settings import Settings

NAME = "graph"
HELP = "Print an article's related articles as a tree."
EPILOG = """examples:
  newsflow graph sample-ar-1                     related articles, best first, with titles
  newsflow graph sample-ar-1 --depth 2           ... and theirs
  newsflow graph sample-ar-1 --url http://localhost:6067
"""

GRAPH_MAX_DEPTH = 2  # as /articles/{id}/related?depth=


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("article_id")
    parser.add_argument("--url", help="a worker's HTTP address (default from NEWSFLOW_WEB_*)")
    parser.add_argument(
        "--depth",
        type=bounded_int(1, GRAPH_MAX_DEPTH),
        default=1,
        help=f"levels of neighbours, 1 to {GRAPH_MAX_DEPTH} (default 1)",
    )
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=20,
        metavar="N",
        help="neighbours shown per article (default 20)",
    )


def command(args: argparse.Namespace, settings: Settings) -> int:
    base = worker_urls(settings, [args.url] if args.url else None)[0]
    article_id = quote(args.article_id, safe="")
    root = get_json(base, f"/articles/{article_id}", missing_ok=True)
    body = get_json(base, f"/articles/{article_id}/related?depth={args.depth}&limit=500")
    root_title = ((root or {}).get("article") or {}).get("title")
    Console().print(related_tree(args.article_id, root_title, body["related"], args.limit))
    return 0


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = positive_int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low} and {high}")
        return value

    return parse


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value
