"""``newsflow``: run workers, feed them, watch what comes out.

Every command prints one clear line and exits non-zero on a bad argument, a
missing file or an unreachable broker; never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

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
  newsflow tail articles.unique | jq -r .value.title    piped: one JSON line per message

On a terminal messages are pretty-printed in colour; piped, they are JSON lines
{"topic": ..., "key": ..., "value": ...}. --format forces either.
"""
EPILOG_WORKER = """examples:
  NEWSFLOW_BROKER=localhost:9092 newsflow worker
  NEWSFLOW_BROKER=kafka:9092 NEWSFLOW_WEB_PORT=6067 NEWSFLOW_LOG_FORMAT=json newsflow worker

The worker serves /dashboard, /stats, /metrics, /articles/ID and /readyz on
NEWSFLOW_WEB_HOST:NEWSFLOW_WEB_PORT (default 127.0.0.1:6066).
"""
EPILOG_STATS = """examples:
  newsflow stats                                 the worker at NEWSFLOW_WEB_HOST:NEWSFLOW_WEB_PORT
  newsflow stats --url http://w1:6066 --url http://w2:6066   several workers, added up
  newsflow stats --watch 2                       redraw every 2 s until Ctrl-C
  newsflow stats --json | jq .dead_letters       the raw /stats document
"""
EPILOG_GRAPH = """examples:
  newsflow graph sample-ar-1                     related articles, best first, with titles
  newsflow graph sample-ar-1 --depth 2           ... and theirs
  newsflow graph sample-ar-1 --url http://localhost:6067
"""
EPILOG_SCHEMAS = """examples:
  newsflow schemas             regenerate schemas/*.schema.json
  newsflow schemas --check     exit 2 if they are out of date (CI)
"""


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and the exit code 2), not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command not in (cmd_worker, cmd_run):  # those two keep their own logging
            from streams.logs import configure_cli

            configure_cli(settings)
        result: int = args.command(args, settings)
        return result
    except WorkerUnreachable as exc:
        _fail(exc)
        return 3
    except (CliError, SettingsError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        _fail(exc)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsflow process ... | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        from streams.broker import BrokerError
        from streams.kafka_io import BrokerUnreachable

        if isinstance(exc, BrokerUnreachable | BrokerError):
            _fail(exc)
            return 3
        if settings_debug():
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (NEWSFLOW_LOG_LEVEL=debug shows the traceback)")
        return 1


def _fail(problem: object) -> None:
    """One line on stderr: what went wrong and, where we know it, what to do."""
    text = " ".join(str(problem).split()) or type(problem).__name__
    print(f"newsflow: {text}", file=sys.stderr)


def settings_debug() -> bool:
    try:
        return Settings.from_env().log_level.lower() == "debug"
    except Exception:  # deciding how to report an error must not raise another
        return False


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsflow",
        description="Stream processor for news articles: clean, enrich, deduplicate, link.",
        epilog="""examples:
  newsflow run --ingest samples/      try it: embedded broker, a worker, the samples
  newsflow stats                      what a running worker did (also: /dashboard)
  newsflow COMMAND --help             examples for each command

Configuration: NEWSFLOW_* environment variables (see README).""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)

    def command(name: str, fn: Callable[..., int], help_: str, epilog: str = "") -> Any:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(command=fn)
        return p

    run = command("run", cmd_run, "Start workers (and the embedded broker if none is set).", EPILOG_RUN)
    run.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    run.add_argument("--ingest", nargs="+", metavar="PATH", help="files to publish once ready")
    run.add_argument(
        "--summary-wait",
        type=float,
        default=8.0,
        metavar="S",
        help="seconds without output before the summary is printed (default 8)",
    )
    run.add_argument("--exit-after-summary", action="store_true", help=argparse.SUPPRESS)

    command("worker", cmd_worker, "Run one worker in this process (needs NEWSFLOW_BROKER).", EPILOG_WORKER)

    ingest = command("ingest", cmd_ingest, "Publish files to articles.raw.", EPILOG_INGEST)
    ingest.add_argument("paths", nargs="+", metavar="PATH")

    process = command(
        "process",
        cmd_process,
        "Run the pipeline in-process on files, print every emitted message.",
        EPILOG_PROCESS,
    )
    process.add_argument("paths", nargs="+", metavar="PATH")

    tail = command("tail", cmd_tail, "Print the messages of a topic.", EPILOG_TAIL)
    tail.add_argument("topic", help="topic name without prefix, e.g. articles.unique")
    tail.add_argument("--new", action="store_true", help="only messages from now on")
    tail.add_argument("--idle", type=float, metavar="S", help="stop after S seconds without one")
    tail.add_argument(
        "--format",
        choices=("auto", "pretty", "json"),
        default="auto",
        help="pretty (colour) or json lines; auto: pretty on a terminal",
    )

    graph = command("graph", cmd_graph, "Print an article's related articles as a tree.", EPILOG_GRAPH)
    graph.add_argument("article_id")
    graph.add_argument("--url", help="a worker's HTTP address (default from NEWSFLOW_WEB_*)")
    graph.add_argument(
        "--depth",
        type=_bounded_int(1, GRAPH_MAX_DEPTH),
        default=1,
        help=f"levels of neighbours, 1 to {GRAPH_MAX_DEPTH} (default 1)",
    )
    graph.add_argument(
        "--limit",
        type=_positive_int,
        default=20,
        metavar="N",
        help="neighbours shown per article (default 20)",
    )

    stats = command(
        "stats", cmd_stats, "Print what running workers did: the figures of /stats.", EPILOG_STATS
    )
    stats.add_argument(
        "--url",
        action="append",
        metavar="URL",
        help="a worker's HTTP address; repeat for several (default from NEWSFLOW_WEB_*)",
    )
    stats.add_argument("--json", action="store_true", help="print the /stats JSON (of each worker)")
    stats.add_argument("--watch", type=float, metavar="S", help="redraw every S seconds until Ctrl-C")

    schemas = command("schemas", cmd_schemas, "Write schemas/ from streams/records.py.", EPILOG_SCHEMAS)
    schemas.add_argument("--check", action="store_true", help="fail if schemas/ is out of date")
    return parser


# --- worker and supervisor -------------------------------------------------------------


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if settings.embedded:
        raise CliError("'worker' needs NEWSFLOW_BROKER; 'newsflow run' starts a broker for you")
    from streams.app import create_app
    from streams.broker import port_is_free
    from streams.kafka_io import TopicMismatch, check_copartitioned, ensure_topics
    from streams.pipeline.steps import warm_up

    if not port_is_free(settings.web_host, settings.web_port):
        raise CliError(
            f"port {settings.web_port} on {settings.web_host} is taken "
            f"({_port_holder(settings.web_host, settings.web_port)}); set NEWSFLOW_WEB_PORT to a free port"
        )

    try:
        asyncio.run(ensure_topics(settings))
        asyncio.run(check_copartitioned(settings))
    except TopicMismatch as exc:
        raise CliError(str(exc)) from exc
    (settings.data_path() / "faust").mkdir(parents=True, exist_ok=True)
    warm_up()
    faust_worker(create_app(settings).app, settings).execute_from_commandline()
    return 0


# A worker asked to stop finishes or abandons the input in hand (an input whose outputs
# the broker has not taken stays unacknowledged and is processed again later) and leaves
# the group; past this many seconds it exits anyway: a worker whose broker is gone would
# otherwise retry it until it is killed.
WORKER_STOP_DEADLINE_S = 6.0
# The supervisor's wait for its workers, then for the broker: within 10 s in all.
SUPERVISOR_WORKER_WAIT_S = WORKER_STOP_DEADLINE_S + 1.5
SUPERVISOR_BROKER_WAIT_S = 1.5


def faust_worker(app: Any, settings: Settings) -> Any:
    """Faust's worker for ``app``, without its terminal spinner, with a bounded stop."""
    from streams.faust_internals import quiet_worker
    from streams.logs import logging_config

    signals: list[str] = []

    def stop_requested() -> None:
        """A stop signal starts a deadline; a second one, or the deadline, ends the process."""
        if signals:
            _exit_now("a second stop signal")
        signals.append("stop")
        timer = threading.Timer(WORKER_STOP_DEADLINE_S, _exit_now, (f"{WORKER_STOP_DEADLINE_S:.0f} s",))
        timer.daemon = True
        timer.start()

    config = logging_config(settings)
    return quiet_worker(app, stop_requested, loglevel=settings.log_level, quiet=True, logging_config=config)


def _exit_now(why: str) -> None:
    import logging

    logging.getLogger("newsflow.worker").warning("stopping now: %s", why)
    logging.shutdown()
    os._exit(1)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from streams import runfile
    from streams.broker import EmbeddedBroker, kill_now, stop_in_order
    from streams.kafka_io import ensure_topics

    if args.workers < 1:
        raise CliError("--workers needs at least 1")
    console = Console(stderr=False, highlight=False)
    data_dir = settings.data_path()
    data_dir.mkdir(parents=True, exist_ok=True)
    # Ctrl-C and SIGTERM (systemd, docker stop, kill) both stop in order. SIGINT is set
    # too: a shell starts a background job with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    ports = _web_ports(settings, args.workers, console)
    broker = None
    workers: list[subprocess.Popen[bytes]] = []
    info: runfile.RunInfo | None = None
    try:
        if settings.embedded:
            broker = EmbeddedBroker(log_path=data_dir / "broker.log")
            settings = settings.with_broker(broker.start())
            console.print(
                f"[bold]broker[/] embedded Tansu at {settings.broker} "
                f"(memory only; log {data_dir / 'broker.log'})"
            )
        info = runfile.RunInfo(
            pid=os.getpid(),
            broker=settings.broker,
            broker_pid=broker.process.pid if broker and broker.process else None,
            topic_prefix=settings.topic_prefix,
            data_dir=str(data_dir.resolve()),
        )
        runfile.write(data_dir, info)
        asyncio.run(ensure_topics(settings))
        workers = [_spawn_worker(settings, i, port) for i, port in enumerate(ports)]
        info = replace(
            info,
            workers=[
                {
                    "index": i,
                    "url": f"http://{settings.web_host}:{port}",
                    "pid": w.pid,
                    "log": str(_worker_log(settings, i)),
                }
                for i, (w, port) in enumerate(zip(workers, ports, strict=True))
            ],
        )
        runfile.write(data_dir, info)
        _wait_ready(settings, workers, ports, console)
        if args.ingest:
            sent = _ingest(settings, args.ingest, console)
            _print_summary(settings, console, expected_inputs=sent, idle_s=args.summary_wait)
        _print_where_to_look(console, settings, info)
        if args.exit_after_summary:
            return 0
        console.print("running; Ctrl-C to stop")
        while all(w.poll() is None for w in workers):
            time.sleep(0.5)
        failed = next(i for i, w in enumerate(workers) if w.poll() is not None)
        raise CliError(
            f"worker {failed} exited with code {workers[failed].returncode}; "
            f"see {_worker_log(settings, failed)}"
        )
    except KeyboardInterrupt:
        return 0
    finally:
        everything = [*workers, *([broker.process] if broker and broker.process else [])]

        def stop_at_once(signum: int, frame: Any) -> None:
            kill_now(everything)
            console.print("stopped at once: every worker and the broker killed")
            if info is not None:
                runfile.remove(data_dir, info.pid)
            os._exit(130)

        signal.signal(signal.SIGINT, stop_at_once)
        signal.signal(signal.SIGTERM, stop_at_once)
        if any(p.poll() is None for p in everything):
            console.print("stopping: workers first, then the broker (Ctrl-C again to stop at once)")
        named = [(f"worker {i}", w) for i, w in enumerate(workers)]
        stop_in_order(named, timeout_s=SUPERVISOR_WORKER_WAIT_S, report=console.print)
        if broker is not None and broker.process is not None:
            stop_in_order(
                [("broker", broker.process)], timeout_s=SUPERVISOR_BROKER_WAIT_S, report=console.print
            )
        if info is not None:
            runfile.remove(data_dir, info.pid)


def _worker_log(settings: Settings, index: int) -> Path:
    return settings.data_path() / f"worker-{index}.log"


def _web_ports(settings: Settings, count: int, console: Any) -> list[int]:
    """``count`` ports from NEWSFLOW_WEB_PORT up; a taken one is skipped and said on screen."""
    from streams.broker import port_is_free

    ports: list[int] = []
    port = settings.web_port
    while len(ports) < count:
        if port > 65535:
            raise CliError(f"no free port from {settings.web_port} up; set NEWSFLOW_WEB_PORT")
        if port_is_free(settings.web_host, port):
            ports.append(port)
        else:
            console.print(
                f"[yellow]port {port} is taken[/] ({_port_holder(settings.web_host, port)}); "
                f"worker {len(ports)} takes the next free port (NEWSFLOW_WEB_PORT sets the first)"
            )
        port += 1
    return ports


def _port_holder(host: str, port: int) -> str:
    """Who listens on ``host:port``, as far as asking it over HTTP tells."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=1) as response:
            body = orjson.loads(response.read())
    except Exception:
        return "by another program"
    pid = body.get("pid") if isinstance(body, dict) else None
    if pid:
        return f"by a newsflow worker, pid {pid}, perhaps left by an earlier run: kill {pid}"
    return "by a newsflow worker"


def _print_where_to_look(console: Any, settings: Settings, info: Any) -> None:
    from rich.markup import escape

    urls = ", ".join(info.worker_urls)
    console.print(
        f"[bold]http[/] {urls}  (/dashboard, /articles/ID, /articles/ID/related, /stories/ID, /metrics)"
    )
    data = settings.data_path()
    console.print(
        f"[bold]logs[/] {escape(str(data))}/worker-N.log, {escape(str(data))}/broker.log; "
        f"addresses in {escape(str(data / 'run.json'))}"
    )
    newsflow = _command_name()
    console.print(
        f"[bold]more[/] in another shell, from this folder: {newsflow} ingest FILE... | "
        f"{newsflow} tail articles.unique | {newsflow} stats | {newsflow} graph ID"
    )


def _command_name() -> str:
    """How to call newsflow from another shell: ``.venv/bin/newsflow`` unless it is on the PATH."""
    import shutil

    script = Path(sys.executable).with_name("newsflow")
    on_path = shutil.which("newsflow")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "newsflow"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _spawn_worker(settings: Settings, index: int, port: int) -> subprocess.Popen[bytes]:
    from streams.broker import die_with_parent

    env = {
        **os.environ,
        **settings.as_env(),
        "NEWSFLOW_WEB_PORT": str(port),
        "NEWSFLOW_DATA_DIR": str(settings.data_path() / f"worker-{index}"),
    }
    log = open(_worker_log(settings, index), "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops workers in order
        preexec_fn=die_with_parent(),  # and a supervisor killed outright takes its workers along
    )


def _wait_ready(
    settings: Settings, workers: list[subprocess.Popen[bytes]], ports: list[int], console: Any
) -> None:
    deadline = time.monotonic() + 120
    with console.status("starting workers"):
        for index, (worker, port) in enumerate(zip(workers, ports, strict=True)):
            url = f"http://{settings.web_host}:{port}/readyz"
            while not _http_ok(url):
                if worker.poll() is not None:
                    raise CliError(f"worker {index} exited at start; see {_worker_log(settings, index)}")
                if time.monotonic() > deadline:
                    raise CliError(
                        f"worker {index} not ready after 120 s; see {_worker_log(settings, index)}"
                    )
                time.sleep(0.25)
    console.print(f"[bold]workers[/] {len(workers)} ready")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


# --- finding a running deployment ---------------------------------------------------------


def with_broker(settings: Settings, command: str) -> Settings:
    """``settings`` with a broker: NEWSFLOW_BROKER, else the one ``newsflow run`` started here."""
    from streams import runfile

    if not settings.embedded:
        return settings
    info = runfile.read(settings.data_path())
    if info is None:
        raise CliError(
            f"'{command}' found no broker: start one with 'make run' (or 'newsflow run') in this folder, "
            f"or set NEWSFLOW_BROKER (no running deployment in {settings.data_path() / runfile.RUN_FILE})"
        )
    return replace(settings.with_broker(info.broker), topic_prefix=info.topic_prefix)


def worker_urls(settings: Settings, given: list[str] | None) -> list[str]:
    """Workers to ask: ``--url``, else those of the ``newsflow run`` started here, else NEWSFLOW_WEB_*."""
    from streams import runfile

    if given:
        return [url.rstrip("/") for url in given]
    if settings.embedded and (info := runfile.read(settings.data_path())) and info.worker_urls:
        return info.worker_urls
    return [f"http://{settings.web_host}:{settings.web_port}"]


# --- ingest, process, tail ---------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    _ingest(with_broker(settings, "ingest"), args.paths, Console(stderr=True))
    return 0


def _ingest(settings: Settings, paths: list[str], console: Any) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from streams.kafka_io import ensure_topics, publish
    from streams.pipeline.steps import RAW
    from streams.sources import iter_messages

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
    console.print(ingest_summary(sent, total_bytes, elapsed, settings.topic(RAW), len(paths)))
    return sent


def ingest_summary(sent: int, total_bytes: int, elapsed_s: float, topic: str, paths: int) -> str:
    """``ingest 7 messages (31.2 KiB) from 1 path to articles.raw in 0.21 s: 33 msg/s, 148.6 KiB/s``"""
    return (
        f"[bold]ingest[/] {sent:,} message{'s' if sent != 1 else ''} ({total_bytes / 1024:,.1f} KiB) "
        f"from {paths} path{'s' if paths != 1 else ''} to {topic} in {elapsed_s:.2f} s: "
        f"{sent / elapsed_s:,.0f} msg/s, {total_bytes / 1024 / elapsed_s:,.1f} KiB/s"
    )


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
    from streams import batches
    from streams.kafka_io import read_topics, strip_prefix
    from streams.pipeline.steps import INTERNAL_TOPICS, PUBLIC_TOPICS

    settings = with_broker(settings, "tail")
    if args.topic not in PUBLIC_TOPICS + INTERNAL_TOPICS:
        raise CliError(f"unknown topic {args.topic!r}; one of: {', '.join(PUBLIC_TOPICS)}")
    pretty = args.format == "pretty" or (args.format == "auto" and sys.stdout.isatty())
    printer = _PrettyPrinter() if pretty else None

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
                line = _record_line(item.channel, item.key, item.value)
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


class _PrettyPrinter:
    """A coloured header per message (topic, key, the gist), then its value as indented JSON."""

    STYLES = {
        "articles.dead-letter": "bold red",
        "articles.duplicates": "bold magenta",
        "articles.unique": "bold green",
        "graph.edges": "bold cyan",
    }

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(highlight=False)

    def print(self, message: dict[str, Any]) -> None:
        from rich.text import Text

        topic, key, value = message["topic"], message["key"], message["value"]
        header = Text()
        header.append(f"● {topic}", style=self.STYLES.get(topic, "bold blue"))
        header.append(f"  {key}" if key is not None else "  (no key)", style="yellow")
        gist = _gist(topic, value)
        if gist:
            header.append(f"  {gist}", style="dim")
        self.console.print(header)
        if isinstance(value, dict | list):
            self.console.print_json(data=value, indent=2)
        else:
            self.console.print(Text(str(value)))


def _gist(topic: str, value: Any) -> str:
    """One line that says what a message is, before its JSON."""
    if not isinstance(value, dict):
        return ""
    if topic == "articles.dead-letter":
        return f"{value.get('stage')}: {value.get('reason')}"
    if topic in ("articles.duplicates", "articles.verdicts"):
        if value.get("status") == "duplicate":
            similarity = value.get("similarity")
            return f"duplicate of {value.get('duplicate_of')} ({value.get('kind')}, {similarity})"
        return f"{value.get('status')} · story {value.get('story_id')}"
    if topic == "graph.edges":
        reasons = ", ".join(value.get("reasons", []))
        return f"{value.get('src')} → {value.get('dst')} {value.get('score')} {reasons}"
    title = value.get("title")
    return f"[{value.get('language')}] {title[:80]}" if title else ""


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
        async for record in read_topics(
            settings, [t for t in PUBLIC_TOPICS if t != RAW], idle_timeout_s=idle_s
        ):
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
            articles.add_row(
                value["article_id"],
                value["parent_id"] or "",
                value["language"] or "",
                (value["title"] or "")[:60],
                str(len(value["paragraphs"])),
            )
    console.print(articles)

    verdicts = Table(title="duplicates")
    for column in ("article_id", "duplicate_of", "kind", "similarity", "rule"):
        verdicts.add_column(column)
    for value in _latest(records, "articles.duplicates"):
        verdicts.add_row(
            value["article_id"],
            value["duplicate_of"],
            value["kind"],
            f"{value['similarity']:.2f}",
            value["rule"],
        )
    console.print(verdicts)

    edges = Table(title="related articles (graph.edges folded as in related_graph)")
    for column in ("article", "related", "score", "reasons"):
        edges.add_column(column)
    for article_id, related, score, reasons in _relations(records):
        edges.add_row(article_id, related, f"{score:.2f}", reasons)
    console.print(edges)

    dead = Table(title="dead letters")
    for column in ("stage", "reason", "error", "bytes"):
        dead.add_column(column)
    for topic, value in records:
        if topic == "articles.dead-letter":
            dead.add_row(value["stage"], value["reason"], value["error"][:70], str(value["original_bytes"]))
    console.print(dead)


def _relations(records: list[tuple[str, Any]], per_article: int = 3) -> Iterator[tuple[str, str, float, str]]:
    """Each article's best related articles, one row per pair, reasons summarised."""
    from streams.pipeline.link import apply_edge, neighbours
    from streams.records import Edge, from_dict

    graph: dict[str, Any] = {}
    for topic, value in records:
        if topic == "graph.edges":
            edge = from_dict(Edge, value)
            graph[edge.src] = apply_edge(graph.get(edge.src), edge, top_k=50)
    shown: set[frozenset[str]] = set()
    for article_id in sorted(graph):
        for item in neighbours(graph[article_id])[:per_article]:
            pair = frozenset((article_id, item["article_id"]))
            if pair not in shown:
                shown.add(pair)
                yield article_id, item["article_id"], item["score"], _summarise(item["reasons"])


def _summarise(reasons: list[str]) -> str:
    """``embedded, story, 5 entities, 2 keywords`` rather than every key."""
    plural = {"entity": "entities", "keyword": "keywords"}
    keyed = Counter(reason.split(":", 1)[0] for reason in reasons if ":" in reason)
    plain = [reason for reason in reasons if ":" not in reason]
    return ", ".join(plain + [f"{n} {plural.get(kind, kind)}" for kind, n in sorted(keyed.items())])


def _latest(records: list[tuple[str, Any]], topic: str) -> Iterator[Any]:
    """The last value per article id: verdicts can change when an earlier article arrives."""
    latest: dict[str, Any] = {}
    for name, value in records:
        if name == topic:
            latest[value["article_id"]] = value
    return iter(latest.values())


# --- graph and schemas ---------------------------------------------------------------------


class WorkerUnreachable(CliError):
    """No newsflow worker answered at the address asked (exit code 3, like an unreachable broker)."""


def _get_json(base: str, path: str, *, missing_ok: bool = False) -> Any:
    """GET a worker's JSON; one clear CliError for an unreachable worker or an error answer."""
    url = base + path
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return None
        try:
            detail = orjson.loads(exc.read() or b"{}").get("error", exc.reason)
        except (orjson.JSONDecodeError, AttributeError):
            detail = exc.reason
        raise CliError(f"{url}: {exc.code} {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkerUnreachable(
            f"no newsflow worker at {base} ({reason}); start one with 'make run' or pass --url"
        ) from exc
    except orjson.JSONDecodeError as exc:
        raise CliError(f"{url} did not answer JSON; is it a newsflow worker?") from exc


GRAPH_MAX_DEPTH = 2  # as /articles/{id}/related?depth=


def cmd_graph(args: argparse.Namespace, settings: Settings) -> int:
    from urllib.parse import quote

    from rich.console import Console

    base = worker_urls(settings, [args.url] if args.url else None)[0]
    article_id = quote(args.article_id, safe="")
    root = _get_json(base, f"/articles/{article_id}", missing_ok=True)
    body = _get_json(base, f"/articles/{article_id}/related?depth={args.depth}&limit=500")
    root_title = ((root or {}).get("article") or {}).get("title")
    Console().print(related_tree(args.article_id, root_title, body["related"], args.limit))
    return 0


def related_tree(root_id: str, root_title: str | None, related: list[dict[str, Any]], limit: int) -> Any:
    """A rich Tree: the first hop under the root, each second-hop article under its ``via``, once."""
    from rich.markup import escape
    from rich.tree import Tree

    def label(article_id: str, title: str | None, extra: str = "") -> str:
        shown = f"  [dim]{escape(title[:90])}[/]" if title else ""
        return f"[bold]{escape(article_id)}[/]{extra}{shown}"

    def item_label(item: dict[str, Any]) -> str:
        meta = " · ".join(str(item[k]) for k in ("language", "source") if item.get(k))
        extra = f"  [cyan]{item['score']:.2f}[/] [magenta]{escape(reason_summary(item['reasons']))}[/]"
        if meta:
            extra += f" [dim]({escape(meta)})[/]"
        return label(item["article_id"], item.get("title"), extra)

    def add_items(node: Any, items: list[dict[str, Any]]) -> None:
        for item in items[:limit]:
            child = node.add(item_label(item))
            add_items(child, children.get(item["article_id"], []))
        if len(items) > limit:
            node.add(f"[dim]… {len(items) - limit} more (--limit)[/]")

    children: dict[str, list[dict[str, Any]]] = {}
    for item in related:
        if item.get("via"):
            children.setdefault(item["via"], []).append(item)
    tree = Tree(label(root_id, root_title))
    first = [item for item in related if not item.get("via")]
    add_items(tree, first)
    if not first:
        tree.add("[dim]no related articles[/]")
    return tree


def reason_summary(reasons: list[str]) -> str:
    """``story, embedded, entity ×8, keyword ×2``: why two articles are related, in a few words."""
    kinds: Counter[str] = Counter(reason.split(":", 1)[0] for reason in reasons)
    return ", ".join(kind if n == 1 else f"{kind} ×{n}" for kind, n in kinds.items())


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _positive_int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low} and {high}")
        return value

    return parse


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


# --- stats ---------------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    urls = worker_urls(settings, args.url)
    console = Console()
    if args.watch is not None and args.watch <= 0:
        raise CliError("--watch needs a positive number of seconds")
    while True:
        snapshots = [_get_json(url, "/stats") for url in urls]
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


def print_stats(console: Any, stats: dict[str, Any], urls: list[str]) -> None:
    from rich.columns import Columns
    from rich.markup import escape
    from rich.table import Table

    from streams.pipeline.steps import PUBLIC_TOPICS, RAW

    workers = stats.get("workers") or [stats["worker"]]
    console.print(
        f"[bold]newsflow[/] {len(workers)} worker{'s' if len(workers) != 1 else ''}: {', '.join(urls)}"
        f"  [dim](window {stats['window_s'] / 60:.0f} min)[/]"
    )
    topics = Table(title="messages out, by topic", title_justify="left")
    topics.add_column("topic")
    topics.add_column("messages", justify="right")
    clean = next((s for s in stats["steps"] if s["step"] == "clean"), None)
    topics.add_row(f"{RAW} [dim](read)[/]", f"{clean['in'] if clean else 0:,}")
    for topic in PUBLIC_TOPICS[1:]:
        count = stats["topics"].get(topic, 0)
        style = "red" if topic.endswith("dead-letter") and count else ""
        topics.add_row(topic, f"[{style}]{count:,}[/]" if style else f"{count:,}")

    steps = Table(title="stages", title_justify="left")
    for column, justify in (
        ("step", "left"),
        ("reads", "left"),
        ("in", "right"),
        ("out", "right"),
        ("msg/s (1 min)", "right"),
        ("lag", "right"),
    ):
        steps.add_column(column, justify=justify)  # type: ignore[arg-type]
    for step in stats["steps"]:
        lag = step["lag"] or 0
        steps.add_row(
            step["step"],
            f"[dim]{step['source']}[/]",
            f"{step['in']:,}",
            f"{step['out']:,}",
            f"{step['rate_per_s']:.2f}",
            f"[yellow]{lag:,}[/]" if lag else "0",
        )
    console.print(Columns([topics, steps]))

    latency = Table(title="latency from articles.raw (last 10 min)", title_justify="left")
    for column in ("topic", "p50", "p99", "messages"):
        latency.add_column(column, justify="left" if column == "topic" else "right")
    for topic, figures in (stats.get("latency") or {}).items():
        latency.add_row(topic, _ms(figures["p50_ms"]), _ms(figures["p99_ms"]), f"{figures['count']:,}")
    group = Table(title="workers", title_justify="left")
    for column in ("worker", "state", "pid", "partitions", "memory"):
        group.add_column(column, justify="right" if column in ("pid", "memory") else "left")
    for worker in stats.get("workers_seen") or stats.get("workers") or []:
        state = "[green]up[/]" if worker.get("up", True) else "[red]down[/]"
        rss = worker.get("rss_bytes")
        group.add_row(
            escape(str(worker.get("url"))),
            state,
            str(worker.get("pid") or "–"),
            ", ".join(map(str, worker.get("partitions") or [])) or "–",
            f"{rss / 1048576:,.0f} MiB" if rss else "–",
        )
    console.print(Columns([latency, group]))

    dead = Table(title="dead letters", title_justify="left")
    for column in ("stage", "reason", "count"):
        dead.add_column(column, justify="right" if column == "count" else "left")
    for row in stats["dead_letters"]["by_reason"]:
        dead.add_row(row["stage"], f"[red]{escape(row['reason'])}[/]", f"{row['count']:,}")
    latest = Table(title="latest dead letters", title_justify="left")
    for column in ("reason", "article", "error"):
        latest.add_column(column, overflow="fold")
    for item in stats["dead_letters"]["latest"][:5]:
        article = escape(str(item["article_id"] or "–"))
        latest.add_row(escape(item["reason"]), article, escape(item["error"][:100]))
    console.print(Columns([dead, latest]))

    dup = stats["duplicates"]
    ratio = ", ".join(f"{kind} {share:.1%}" for kind, share in dup["ratio"].items())
    duplicates = Table(title=f"duplicates: {dup['verdicts']:,} verdicts, {ratio}", title_justify="left")
    for column in ("duplicate", "matches", "kind", "similarity"):
        duplicates.add_column(column, overflow="fold")
    for item in dup["latest"][:8]:
        similarity = f"{item['similarity']:.2f}" if item["similarity"] is not None else "–"
        duplicates.add_row(
            _titled(item["article_id"], item.get("title")),
            _titled(item["duplicate_of"], item.get("matched_title")),
            escape(str(item["kind"])),
            similarity,
        )
    console.print(duplicates)

    stories = Table(title="top stories", title_justify="left")
    stories.add_column("articles", justify="right")
    stories.add_column("story", overflow="fold")
    for item in stats["top_stories"]:
        stories.add_row(str(item["articles"]), _titled(item["story_id"], item.get("title")))
    entities = Table(title="top entities", title_justify="left")
    for column in ("articles", "entity", "type"):
        entities.add_column(column, justify="right" if column == "articles" else "left")
    for item in stats["top_entities"]:
        entities.add_row(str(item["articles"]), escape(item["name"]), item["type"])
    console.print(Columns([stories, entities]))

    lagging = sorted((p for p in stats["partitions"] if p.get("lag")), key=lambda p: -p["lag"])[:10]
    assigned = len(stats["partitions"])
    summary = (
        f"{assigned} partitions assigned, graph {stats['graph']['nodes']:,} nodes / "
        f"{stats['graph']['edges']:,} edges"
    )
    if lagging:
        summary += "; lagging: " + ", ".join(f"{p['topic']}[{p['partition']}] {p['lag']:,}" for p in lagging)
    console.print(f"[dim]{summary}[/]")


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f} ms" if value < 1000 else f"{value / 1000:,.1f} s"


def _titled(article_id: str | None, title: str | None) -> str:
    from rich.markup import escape

    if not title:
        return escape(str(article_id))
    return f"{escape(title[:70])} [dim]{escape(str(article_id))}[/]"


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
