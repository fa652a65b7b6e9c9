"""``newsflow run``: a broker (embedded unless one is set), workers, and an orderly stop."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape

from streams import runfile
from streams.broker import EmbeddedBroker, die_with_parent, kill_now, port_is_free, stop_in_order
from streams.cli import render
from streams.cli.deployment import http_ok, port_holder
from streams.cli.errors import CliError
from streams.cli.ingest import publish_files
from streams.cli.worker import WORKER_STOP_DEADLINE_S
from streams.records import Edge, from_dict
from streams.settings import Settings

NAME = "run"
HELP = "Start workers (and the embedded broker if none is set)."
EPILOG = """examples:
  newsflow run                          embedded broker + 1 worker, until Ctrl-C
  newsflow run --ingest samples/        ... and feed it the samples, print what came out
  NEWSFLOW_BROKER=kafka:9092 newsflow run --workers 2
"""

# The supervisor's wait for its workers, then for the broker: within 10 s in all.
SUPERVISOR_WORKER_WAIT_S = WORKER_STOP_DEADLINE_S + 1.5
SUPERVISOR_BROKER_WAIT_S = 1.5
WORKER_READY_WAIT_S = 120


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--ingest", nargs="+", metavar="PATH", help="files to publish once ready")
    parser.add_argument(
        "--summary-wait",
        type=float,
        default=8.0,
        metavar="S",
        help="seconds without output before the summary is printed (default 8)",
    )
    parser.add_argument("--exit-after-summary", action="store_true", help=argparse.SUPPRESS)


def command(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka_io import ensure_topics  # heavy: aiokafka and the pipeline's topics

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
            sent = publish_files(settings, args.ingest, console)
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


def _web_ports(settings: Settings, count: int, console: Console) -> list[int]:
    """``count`` ports from NEWSFLOW_WEB_PORT up; a taken one is skipped and said on screen."""
    ports: list[int] = []
    port = settings.web_port
    while len(ports) < count:
        if port > 65535:
            raise CliError(f"no free port from {settings.web_port} up; set NEWSFLOW_WEB_PORT")
        if port_is_free(settings.web_host, port):
            ports.append(port)
        else:
            console.print(
                f"[yellow]port {port} is taken[/] ({port_holder(settings.web_host, port)}); "
                f"worker {len(ports)} takes the next free port (NEWSFLOW_WEB_PORT sets the first)"
            )
        port += 1
    return ports


def _spawn_worker(settings: Settings, index: int, port: int) -> subprocess.Popen[bytes]:
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
    settings: Settings, workers: list[subprocess.Popen[bytes]], ports: list[int], console: Console
) -> None:
    deadline = time.monotonic() + WORKER_READY_WAIT_S
    with console.status("starting workers"):
        for index, (worker, port) in enumerate(zip(workers, ports, strict=True)):
            url = f"http://{settings.web_host}:{port}/readyz"
            while not http_ok(url):
                if worker.poll() is not None:
                    raise CliError(f"worker {index} exited at start; see {_worker_log(settings, index)}")
                if time.monotonic() > deadline:
                    raise CliError(
                        f"worker {index} not ready after {WORKER_READY_WAIT_S} s; "
                        f"see {_worker_log(settings, index)}"
                    )
                time.sleep(0.25)
    console.print(f"[bold]workers[/] {len(workers)} ready")


def _print_summary(settings: Settings, console: Console, expected_inputs: int, idle_s: float) -> None:
    """What the pipeline put out for the files just ingested, once it has been quiet ``idle_s``."""
    # heavy: aiokafka and the pipeline
    from streams.kafka_io import read_topics, strip_prefix
    from streams.pipeline.graph import relations_from_records
    from streams.pipeline.steps import EDGES, PUBLIC_TOPICS, RAW

    outputs = tuple(t for t in PUBLIC_TOPICS if t != RAW)

    async def collect() -> list[tuple[str, Any]]:
        seen = []
        async for record in read_topics(settings, list(outputs), idle_timeout_s=idle_s):
            seen.append((strip_prefix(settings, record.topic), orjson.loads(record.value)))
        return seen

    with console.status("waiting for the pipeline's output"):
        records = asyncio.run(collect())
    edges = (from_dict(Edge, value) for topic, value in records if topic == EDGES)
    related = relations_from_records(edges, top_k=settings.graph_top_k)
    render.print_run_summary(console, records, expected_inputs, related, outputs)


def _print_where_to_look(console: Console, settings: Settings, info: runfile.RunInfo) -> None:
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
    script = Path(sys.executable).with_name("newsflow")
    on_path = shutil.which("newsflow")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "newsflow"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)
