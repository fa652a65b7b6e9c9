"""``newsflow``: run workers, feed them, watch what comes out.

Every command prints one clear line and exits non-zero on a bad argument, a
missing file or an unreachable broker; never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from streams.settings import Settings, SettingsError

EPILOG_RUN = """examples:
  newsflow run                          embedded broker + 1 worker, until Ctrl-C
  newsflow run --ingest samples/        ... and feed it the samples, print what came out
  NEWSFLOW_BROKER=kafka:9092 newsflow run --workers 2
"""
EPILOG_INGEST = """examples:
  newsflow ingest samples/              every file of a folder
  newsflow ingest feed.jsonl page.html  one message per JSONL line, one per page
  cat page.txt | newsflow ingest -      standard input
"""
EPILOG_PROCESS = """examples:
  newsflow process samples/ | jq -c 'select(.topic == "articles.duplicates")'
"""
EPILOG_TAIL = """examples:
  newsflow tail articles.dead-letter    from the beginning, then follow
  newsflow tail graph.edges --idle 5    stop after 5 s without a message
"""


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        result: int = args.command(args, settings)
        return result
    except (CliError, SettingsError, FileNotFoundError) as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from streams.broker import BrokerError
        from streams.kafka_io import BrokerUnreachable

        if isinstance(exc, BrokerUnreachable | BrokerError):
            print(f"newsflow: {exc}", file=sys.stderr)
            return 3
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow",
        description="Stream processor for news articles: clean, enrich, deduplicate, link.",
        epilog="Configuration: NEWSFLOW_* environment variables (see README).",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, fn: Callable[..., int], help_: str, epilog: str = "") -> Any:
        p = sub.add_parser(
            name, help=help_, description=help_, epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        p.set_defaults(command=fn)
        return p

    run = command("run", cmd_run, "Start workers (and the embedded broker if none is set).", EPILOG_RUN)
    run.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    run.add_argument("--ingest", nargs="+", metavar="PATH", help="files to publish once ready")
    run.add_argument("--summary-wait", type=float, default=8.0, metavar="S",
                     help="seconds without output before the summary is printed (default 8)")
    run.add_argument("--exit-after-summary", action="store_true", help=argparse.SUPPRESS)

    command("worker", cmd_worker, "Run one worker in this process (needs NEWSFLOW_BROKER).")

    ingest = command("ingest", cmd_ingest, "Publish files to articles.raw.", EPILOG_INGEST)
    ingest.add_argument("paths", nargs="+", metavar="PATH")

    process = command("process", cmd_process,
                      "Run the pipeline in-process on files, print every emitted message.",
                      EPILOG_PROCESS)  # fmt: skip
    process.add_argument("paths", nargs="+", metavar="PATH")

    tail = command("tail", cmd_tail, "Print the messages of a topic.", EPILOG_TAIL)
    tail.add_argument("topic", help="topic name without prefix, e.g. articles.unique")
    tail.add_argument("--new", action="store_true", help="only messages from now on")
    tail.add_argument("--idle", type=float, metavar="S", help="stop after S seconds without one")

    graph = command("graph", cmd_graph, "Print an article's related articles as a tree.")
    graph.add_argument("article_id")
    graph.add_argument("--url", help="a worker's HTTP address (default from NEWSFLOW_WEB_*)")

    schemas = command("schemas", cmd_schemas, "Write schemas/ from streams/records.py.")
    schemas.add_argument("--check", action="store_true", help="fail if schemas/ is out of date")
    return parser


# --- worker and supervisor -------------------------------------------------------------


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if settings.embedded:
        raise CliError("'worker' needs NEWSFLOW_BROKER; 'newsflow run' starts a broker for you")
    import faust

    from streams.app import create_app

    (settings.data_path() / "faust").mkdir(parents=True, exist_ok=True)
    newsflow = create_app(settings)
    faust.Worker(newsflow.app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from streams.broker import EmbeddedBroker
    from streams.kafka_io import ensure_topics

    console = Console(stderr=False)
    data_dir = settings.data_path()
    data_dir.mkdir(parents=True, exist_ok=True)
    broker = None
    if settings.embedded:
        broker = EmbeddedBroker(log_path=data_dir / "broker.log")
        settings = settings.with_broker(broker.start())
        console.print(f"[bold]broker[/] embedded Tansu at {settings.broker} (memory only)")
    workers: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(ensure_topics(settings))
        workers = [_spawn_worker(settings, i) for i in range(args.workers)]
        _wait_ready(settings, workers, console)
        if args.ingest:
            sent = _ingest(settings, args.ingest, console)
            _print_summary(settings, console, expected_inputs=sent, idle_s=args.summary_wait)
        urls = ", ".join(f"http://{settings.web_host}:{settings.web_port + i}" for i in range(len(workers)))
        console.print(f"[bold]http[/] {urls}  (/articles/ID, /articles/ID/related, /metrics, /readyz)")
        if args.exit_after_summary:
            return 0
        console.print("running; Ctrl-C to stop")
        while all(w.poll() is None for w in workers):
            time.sleep(0.5)
        failed = [i for i, w in enumerate(workers) if w.poll() is not None]
        raise CliError(f"worker {failed[0]} exited; see {data_dir / f'worker-{failed[0]}.log'}")
    except KeyboardInterrupt:
        console.print("stopping")
        return 0
    finally:
        _stop(workers)
        if broker is not None:
            broker.stop()


def _spawn_worker(settings: Settings, index: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **settings.as_env(),
        "NEWSFLOW_WEB_PORT": str(settings.web_port + index),
        "NEWSFLOW_DATA_DIR": str(settings.data_path() / f"worker-{index}"),
    }
    log = open(settings.data_path() / f"worker-{index}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "worker"],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops workers in order
    )  # fmt: skip


def _wait_ready(settings: Settings, workers: list[subprocess.Popen[bytes]], console: Any) -> None:
    deadline = time.monotonic() + 120
    with console.status("starting workers"):
        for index, worker in enumerate(workers):
            url = f"http://{settings.web_host}:{settings.web_port + index}/readyz"
            while not _http_ok(url):
                if worker.poll() is not None:
                    log = settings.data_path() / f"worker-{index}.log"
                    raise CliError(f"worker {index} exited at start; see {log}")
                if time.monotonic() > deadline:
                    raise CliError(f"worker {index} not ready after 120 s; see its log")
                time.sleep(0.25)
    console.print(f"[bold]workers[/] {len(workers)} ready")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# --- ingest, process, tail ---------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    if settings.embedded:
        raise CliError("'ingest' needs NEWSFLOW_BROKER (the broker 'newsflow run' started)")
    _ingest(settings, args.paths, Console(stderr=True))
    return 0


def _ingest(settings: Settings, paths: list[str], console: Any) -> int:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,  # fmt: skip
        TransferSpeedColumn,
    )

    from streams.kafka_io import ensure_topics, publish
    from streams.pipeline.steps import RAW
    from streams.sources import iter_messages

    messages = list(iter_messages(paths))
    asyncio.run(ensure_topics(settings))
    columns = (TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())  # fmt: skip
    started = time.monotonic()
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("ingest", total=len(messages))
        sent = asyncio.run(
            publish(settings, RAW, messages, on_sent=lambda n: progress.advance(task))
        )
    elapsed = max(time.monotonic() - started, 1e-6)
    total = sum(len(v) for _, v in messages)
    console.print(
        f"[bold]ingest[/] {sent} messages ({total / 1024:.1f} KiB) to "
        f"{settings.topic(RAW)} in {elapsed:.2f} s"
    )
    return sent


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    from streams.pipeline.process import InProcessPipeline, as_json_line
    from streams.pipeline.steps import PUBLIC_TOPICS, StepContext
    from streams.sources import iter_messages

    pipeline = InProcessPipeline(StepContext.from_settings(settings))
    out = sys.stdout.buffer
    for key, value in iter_messages(args.paths):
        for emit in pipeline.feed(value, key):
            if emit.topic in PUBLIC_TOPICS:  # through-topics are an implementation detail
                out.write(as_json_line(emit) + b"\n")
    out.flush()
    return 0


def cmd_tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka_io import read_topics, strip_prefix
    from streams.pipeline.steps import INTERNAL_TOPICS, PUBLIC_TOPICS

    if settings.embedded:
        raise CliError("'tail' needs NEWSFLOW_BROKER")
    if args.topic not in PUBLIC_TOPICS + INTERNAL_TOPICS:
        raise CliError(f"unknown topic {args.topic!r}; one of: {', '.join(PUBLIC_TOPICS)}")
    pretty = sys.stdout.isatty()
    if pretty:
        from rich.console import Console

        console = Console()

    async def follow() -> None:
        async for record in read_topics(
            settings, [args.topic], idle_timeout_s=args.idle, from_beginning=not args.new
        ):
            line = _record_line(strip_prefix(settings, record.topic), record.key, record.value)
            if pretty:
                console.print_json(line.decode())
            else:
                sys.stdout.buffer.write(line + b"\n")
                sys.stdout.flush()

    asyncio.run(follow())
    return 0


def _record_line(topic: str, key: bytes | None, value: bytes | None) -> bytes:
    try:
        decoded: Any = orjson.loads(value) if value else None
    except orjson.JSONDecodeError:
        decoded = (value or b"").decode("utf-8", "replace")
    key_text = key.decode("utf-8", "replace") if key is not None else None
    return orjson.dumps({"topic": topic, "key": key_text, "value": decoded})


# --- summary after ingest ------------------------------------------------------------------


def _print_summary(settings: Settings, console: Any, expected_inputs: int, idle_s: float) -> None:
    from rich.table import Table

    from streams.kafka_io import read_topics, strip_prefix
    from streams.pipeline.steps import PUBLIC_TOPICS, RAW

    async def collect() -> list[tuple[str, Any]]:
        seen = []
        async for record in read_topics(settings, [t for t in PUBLIC_TOPICS if t != RAW],
                                        idle_timeout_s=idle_s):  # fmt: skip
            seen.append((strip_prefix(settings, record.topic), orjson.loads(record.value)))
        return seen

    with console.status("waiting for the pipeline's output"):
        records = asyncio.run(collect())
    counts = Counter(topic for topic, _ in records)
    table = Table(title=f"output of {expected_inputs} raw messages")
    table.add_column("topic")
    table.add_column("messages", justify="right")
    for topic in PUBLIC_TOPICS[1:]:
        table.add_row(topic, str(counts.get(topic, 0)))
    console.print(table)

    articles = Table(title="clean articles")
    for column in ("article_id", "parent_id", "language", "title", "paragraphs"):
        articles.add_column(column)
    for topic, value in records:
        if topic == "articles.clean":
            articles.add_row(value["article_id"], value["parent_id"] or "", value["language"] or "",
                             (value["title"] or "")[:60], str(len(value["paragraphs"])))  # fmt: skip
    console.print(articles)

    verdicts = Table(title="duplicates")
    for column in ("article_id", "duplicate_of", "kind", "similarity", "rule"):
        verdicts.add_column(column)
    for value in _latest(records, "articles.duplicates"):
        verdicts.add_row(value["article_id"], value["duplicate_of"], value["kind"],
                         f"{value['similarity']:.2f}", value["rule"])  # fmt: skip
    console.print(verdicts)

    edges = Table(title="graph edges")
    for column in ("src", "dst", "score", "reasons"):
        edges.add_column(column)
    for topic, value in records:
        if topic == "graph.edges":
            edges.add_row(value["src"], value["dst"], f"{value['score']:.2f}", ", ".join(value["reasons"]))
    console.print(edges)

    dead = Table(title="dead letters")
    for column in ("stage", "reason", "error", "bytes"):
        dead.add_column(column)
    for topic, value in records:
        if topic == "articles.dead-letter":
            dead.add_row(value["stage"], value["reason"], value["error"][:70], str(value["original_bytes"]))
    console.print(dead)


def _latest(records: list[tuple[str, Any]], topic: str) -> Iterator[Any]:
    """The last value per article id: verdicts can change when an earlier article arrives."""
    latest: dict[str, Any] = {}
    for name, value in records:
        if name == topic:
            latest[value["article_id"]] = value
    return iter(latest.values())


# --- graph and schemas ---------------------------------------------------------------------


def cmd_graph(args: argparse.Namespace, settings: Settings) -> int:
    from urllib.parse import quote

    from rich.console import Console
    from rich.tree import Tree

    base = args.url or f"http://{settings.web_host}:{settings.web_port}"
    url = f"{base.rstrip('/')}/articles/{quote(args.article_id, safe='')}/related"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = orjson.loads(exc.read() or b"{}").get("error", exc.reason)
        raise CliError(f"{url}: {exc.code} {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(f"no newsflow worker at {base}: {exc}") from exc
    tree = Tree(f"[bold]{args.article_id}[/]")
    for item in body["related"]:
        tree.add(f"{item['article_id']}  score {item['score']:.2f}  ({', '.join(item['reasons'])})")
    Console().print(tree)
    return 0


def cmd_schemas(args: argparse.Namespace, settings: Settings) -> int:
    from streams import schema

    if args.check:
        stale = schema.drift()
        if stale:
            raise CliError(f"schemas out of date: {', '.join(stale)}; run 'newsflow schemas'")
        print("schemas up to date")
        return 0
    for path in schema.write():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
