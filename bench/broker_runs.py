"""Everything measured over the embedded broker: the ceiling, the pipeline, latency, RSS.

Times come from Kafka record timestamps (set by each producer when it sends),
so a throughput is "first input to last output" as the broker saw it, and a
latency is an output record's timestamp minus its input's, matched by key.
Every run has its own topic prefix: Faust names repartition topics without the
app id, and Tansu never deletes anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.articles import Page
from streams.broker import free_port, stop_processes
from streams.cli.deployment import http_ok
from streams.kafka_io import ensure_topics, producer, read_topics
from streams.pipeline.steps import (
    DEAD_LETTER,
    EDGES,
    INTERNAL_TOPICS,
    PUBLIC_TOPICS,
    RAW,
    TABLES,
    UNIQUE,
    VERDICTS,
)
from streams.settings import Settings

PARTITIONS = 4
OUTPUT_TOPICS = (VERDICTS, EDGES, DEAD_LETTER, UNIQUE)


def _prefix(label: str) -> str:
    return f"bench-{label}-{uuid.uuid4().hex[:6]}."


# --- the ceiling ---------------------------------------------------------------------------


async def passthrough_ceiling(address: str, pages: Sequence[Page], count: int, max_batch_size: int) -> float:
    """Messages per second of aiokafka consume -> orjson loads -> dumps -> produce, 4 partitions.

    The input topic is filled first, so the passthrough reads a backlog, as a
    worker catching up does; the clock runs from the first record consumed to
    the last produced one acknowledged (``acks="all"``).
    """
    prefix = _prefix("ceiling")
    source, sink = prefix + "in", prefix + "out"
    admin = AIOKafkaAdminClient(bootstrap_servers=address)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in (source, sink)])
    finally:
        await admin.close()
    common = dict(bootstrap_servers=address, acks="all", max_request_size=4 * 1024 * 1024)
    filler = AIOKafkaProducer(**common, max_batch_size=64 * 1024, linger_ms=5)
    await filler.start()
    try:
        futures = [
            await filler.send(source, pages[i % len(pages)].value, key=pages[i % len(pages)].key)
            for i in range(count)
        ]
        await asyncio.gather(*futures)
    finally:
        await filler.stop()

    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=address,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=52_428_800,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    forward = AIOKafkaProducer(**common, max_batch_size=max_batch_size)
    await consumer.start()
    await forward.start()
    try:
        pending = []
        seen = 0
        started: float | None = None
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=2000)
            for records in batches.values():
                for record in records:
                    if started is None:
                        started = time.perf_counter()
                    value = orjson.dumps(orjson.loads(record.value))
                    pending.append(await forward.send(sink, value, key=record.key))
                    seen += 1
            if len(pending) > 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        assert started is not None
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await forward.stop()


# --- CPU ------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU a process has used so far (``/proc/<pid>/stat``), 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces: count after it
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


# --- workers -------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    web_url: str
    log: Path

    def peak_rss_mb(self) -> float:
        """VmHWM of the process: the most resident memory it ever held."""
        return _proc_status_kb(self.process.pid, "VmHWM") / 1024

    def stop(self) -> None:
        stop_processes(self.process)


def _proc_status_kb(pid: int, field_name: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def bench_settings(address: str, data_dir: Path, label: str, broker_profile: str = "tansu") -> Settings:
    """The Tansu profile of the issue: session timeout 6 s, heartbeat 1 s, own topic prefix.

    ``broker_profile="kafka"`` lifts the one-record batches of the Tansu profile:
    an experiment that shows what those batches cost, not a safe way to run Tansu.
    """
    return replace(
        Settings(),
        broker=address,
        broker_profile=broker_profile,
        topic_prefix=_prefix(label),
        session_timeout_s=6.0,
        heartbeat_interval_s=1.0,
        data_dir=str(data_dir),
        partitions=PARTITIONS,
        log_level="warning",
    )


def start_workers(settings: Settings, count: int, timeout_s: float = 120) -> list[Worker]:
    """``newsflow worker`` processes, started together; returns once every one says ready."""
    asyncio.run(ensure_topics(settings))
    workers = []
    for index in range(count):
        port = free_port()
        data = Path(settings.data_dir) / f"worker-{index}"
        data.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **settings.as_env(),
            "NEWSFLOW_WEB_PORT": str(port),
            "NEWSFLOW_DATA_DIR": str(data),
        }
        log = Path(settings.data_dir) / f"worker-{index}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        workers.append(Worker(process, f"http://{settings.web_host}:{port}", log))
    deadline = time.monotonic() + timeout_s
    for worker in workers:
        while not http_ok(worker.web_url + "/readyz"):
            if worker.process.poll() is not None or time.monotonic() > deadline:
                tail = worker.log.read_text(errors="replace")[-3000:]
                for w in workers:
                    w.stop()
                raise RuntimeError(f"worker did not get ready; its log ends:\n{tail}")
            time.sleep(0.2)
    return workers


# --- reading outputs -----------------------------------------------------------------------


@dataclass
class Seen:
    """Output records seen so far: ``(topic, key, timestamp_ms)``, topic without prefix."""

    records: list[tuple[str, str, int]] = field(default_factory=list)
    keys: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in OUTPUT_TOPICS})
    last_arrival: float = field(default_factory=time.monotonic)
    # CPU of the watched processes when the last output arrived: work done, idle time after excluded.
    cpu_at_last_arrival: dict[str, float] = field(default_factory=dict)


class OutputWatcher:
    """Reads the output topics in the background while the bench publishes."""

    def __init__(self, settings: Settings, pids: dict[str, int] | None = None):
        self.settings = settings
        self.pids = pids or {}
        self.seen = Seen()
        self._task: asyncio.Task[None] | None = None
        self._consumer = AIOKafkaConsumer(
            *[settings.topic(t) for t in OUTPUT_TOPICS],
            bootstrap_servers=settings.broker,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            fetch_max_bytes=52_428_800,
        )

    async def __aenter__(self) -> OutputWatcher:
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        prefix = len(self.settings.topic_prefix)
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    topic = record.topic[prefix:]
                    key = record.key.decode("utf-8", "replace") if record.key is not None else ""
                    self.seen.records.append((topic, key, record.timestamp))
                    self.seen.keys[topic].add(key)
                    self.seen.last_arrival = time.monotonic()
            if batches and self.pids:
                self.seen.cpu_at_last_arrival = cpu_snapshot(self.pids)

    async def wait(self, done: Callable[[Seen], bool], settle_s: float, timeout_s: float) -> bool:
        """Until ``done`` holds and nothing arrived for ``settle_s``; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if done(self.seen) and time.monotonic() - self.seen.last_arrival >= settle_s:
                return True
            await asyncio.sleep(0.1)
        return False


async def publish_pages(
    settings: Settings, pages: Sequence[Page], rate_per_s: float | None = None
) -> dict[str, int]:
    """Send pages to ``articles.raw`` (as ``newsflow ingest`` does); ``{key: timestamp_ms}``.

    With ``rate_per_s`` the pages are paced evenly; without, sent as fast as the
    producer takes them.
    """
    client = producer(settings)
    await client.start()
    stamps: dict[str, int] = {}
    try:
        pending = []
        started = time.perf_counter()
        for index, page in enumerate(pages):
            if rate_per_s:
                delay = started + index / rate_per_s - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            pending.append((page.key, await client.send(settings.topic(RAW), page.value, key=page.key)))
        for key, future in pending:
            stamps[key.decode()] = (await future).timestamp
    finally:
        await client.stop()
    return stamps


# --- the pipeline ------------------------------------------------------------------------


@dataclass
class PipelineRun:
    workers: int
    pages: int
    articles_per_s: float
    complete: bool
    seconds: float
    outputs: dict[str, int]
    peak_rss_mb: list[float]
    latency_ms: dict[str, float] | None = None
    latency_rate_per_s: float | None = None
    latency_samples: int = 0
    profile: str | None = None
    http_ms: dict[str, float] | None = None
    # CPU seconds each process spent on the timed pages (workers, broker, this driver).
    cpu_s: dict[str, float] = field(default_factory=dict)
    # Records and bytes per topic the timed pages caused, by kind of topic.
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    http_during_ingest_ms: dict[str, float] | None = None


@dataclass
class PipelinePlan:
    """What one pipeline run publishes, and how long it may take.

    With ``page_count`` unset, the run first times ``calibration_pages`` and
    takes as many of ``pages`` as it can do in ``budget_s`` (the count it chose
    is in the result, for the next run to reuse).
    """

    pages: Sequence[Page]
    warm_pages: Sequence[Page]
    expected_keys: Callable[[int], set[str]]  # verdict / dead-letter keys of the first n pages
    budget_s: float
    page_count: int | None = None
    # ``/articles/{id}/related`` requests, from HTTP_CLIENTS concurrent clients, after the run.
    http_requests: int = 0
    calibration_pages: Sequence[Page] = ()
    latency_s: float = 0.0
    # Publish the latency pages at this rate instead of half the rate the run sustained
    # (to compare two versions at one rate on a machine whose load varies).
    latency_rate_per_s: float | None = None
    latency_page_source: Callable[[int], Sequence[Page]] | None = None
    profile_s: float = 0.0
    profile_page_source: Callable[[int], Sequence[Page]] | None = None
    # ``/articles/{id}/related`` from HTTP_CLIENTS_DURING_INGEST clients while the worker
    # works through a backlog of this many pages (0: not measured).
    http_during_ingest_pages: int = 0
    http_page_source: Callable[[int], Sequence[Page]] | None = None


def run_pipeline(
    address: str,
    worker_count: int,
    plan: PipelinePlan,
    label: str,
    broker_profile: str = "tansu",
    broker_pid: int | None = None,
) -> PipelineRun:
    """Start ``worker_count`` workers, warm them, time the pages; then profile and latency if planned."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"newsflow-bench-{label}-"))
    settings = bench_settings(address, data_dir, label, broker_profile)
    workers = start_workers(settings, worker_count)
    pids = {f"worker-{i}": w.process.pid for i, w in enumerate(workers)} | {"driver": os.getpid()}
    if broker_pid is not None:
        pids["broker"] = broker_pid
    try:
        return asyncio.run(_drive(settings, workers, plan, pids))
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _answered(keys: set[str]) -> Callable[[Seen], bool]:
    return lambda seen: keys <= (seen.keys[VERDICTS] | seen.keys[DEAD_LETTER])


def page_keys(pages: Sequence[Page]) -> set[str]:
    """Each page's own article is keyed (and so answered) by the page id."""
    return {p.key.decode() for p in pages}


@dataclass
class TimedBatch:
    rate: float
    complete: bool
    outputs: dict[str, int]
    first_input_ms: int
    cpu_s: dict[str, float]


async def _timed_batch(
    settings: Settings, watcher: OutputWatcher, pages: Sequence[Page], keys: set[str], timeout_s: float
) -> TimedBatch:
    """Publish ``pages`` at once, wait for ``keys``; pages/s from first input to last output.

    CPU is counted from just before the first page to the last output's arrival.
    """
    mark = len(watcher.seen.records)
    cpu_before = cpu_snapshot(watcher.pids)
    stamps = await publish_pages(settings, pages)
    complete = await watcher.wait(_answered(keys), settle_s=2.0, timeout_s=timeout_s)
    cpu_after = watcher.seen.cpu_at_last_arrival or cpu_snapshot(watcher.pids)
    cpu = {name: round(cpu_after.get(name, 0.0) - cpu_before[name], 3) for name in cpu_before}
    first_input = min(stamps.values())
    outputs = [r for r in watcher.seen.records[mark:] if r[2] >= first_input]
    if complete:
        last_output = max((r[2] for r in outputs), default=first_input)
        done = len(pages)
    else:  # the rate of the pages answered so far: say so, do not hide it
        answered = [r for r in outputs if r[0] in (VERDICTS, DEAD_LETTER) and r[1] in stamps]
        last_output = max((r[2] for r in answered), default=first_input)
        done = len({r[1] for r in answered})
    counts: dict[str, int] = {}
    for topic, _, _ in outputs:
        counts[topic] = counts.get(topic, 0) + 1
    return TimedBatch(done / (max(last_output - first_input, 1) / 1000), complete, counts, first_input, cpu)


def changelog_topics(settings: Settings) -> list[str]:
    """Faust names a table's changelog ``<app id>-<table>-changelog``."""
    return [f"{settings.topic_prefix}{settings.app_id}-{table}-changelog" for table in TABLES]


async def count_records(settings: Settings, since_ms: int) -> dict[str, dict[str, int]]:
    """Records and bytes (key + value) on every topic of a run, stamped at or after ``since_ms``.

    ``public``: what the workers publish; ``internal``: the through-topics;
    ``changelog``: the tables'. ``articles.raw`` (what the driver publishes) on its own.
    """
    kinds = {settings.topic(t): "public" for t in PUBLIC_TOPICS}
    kinds[settings.topic(RAW)] = "raw"
    kinds.update({settings.topic(t): "internal" for t in INTERNAL_TOPICS})
    kinds.update({t: "changelog" for t in changelog_topics(settings)})
    totals: dict[str, dict[str, int]] = {}
    bare = replace(settings, topic_prefix="")  # changelog names carry the prefix already
    async for record in read_topics(bare, list(kinds), idle_timeout_s=2.0):
        if record.timestamp < since_ms:
            continue
        for name in (kinds[record.topic], record.topic[len(settings.topic_prefix) :]):
            entry = totals.setdefault(name, {"records": 0, "bytes": 0})
            entry["records"] += 1
            entry["bytes"] += len(record.key or b"") + len(record.value or b"")
    return totals


async def _drive(
    settings: Settings, workers: list[Worker], plan: PipelinePlan, pids: dict[str, int]
) -> PipelineRun:
    async with OutputWatcher(settings, pids) as watcher:
        await publish_pages(settings, plan.warm_pages)
        if not await watcher.wait(_answered(page_keys(plan.warm_pages)), settle_s=1.0, timeout_s=120):
            raise RuntimeError("the warm-up pages got no verdicts within 120 s: see the worker logs")
        count = plan.page_count
        if count is None:
            calibration = await _timed_batch(
                settings, watcher, plan.calibration_pages, page_keys(plan.calibration_pages), 60
            )
            # early pages are cheaper (the link index is still small): aim at half the budget
            count = max(10, min(len(plan.pages), int(calibration.rate * plan.budget_s / 2)))
        pages = plan.pages[:count]
        timed = await _timed_batch(
            settings, watcher, pages, plan.expected_keys(count), timeout_s=1.5 * plan.budget_s + 20
        )
        rate = timed.rate
        run = PipelineRun(
            workers=len(workers),
            pages=count,
            articles_per_s=rate,
            complete=timed.complete,
            seconds=count / rate,
            outputs=timed.outputs,
            peak_rss_mb=[],
            cpu_s=timed.cpu_s,
            records=await count_records(settings, timed.first_input_ms),
        )
        complete = timed.complete
        drained = complete or await watcher.wait(lambda seen: True, settle_s=3.0, timeout_s=plan.budget_s / 2)
        if drained and plan.profile_page_source and plan.profile_s:
            profile_pages = plan.profile_page_source(max(5, int(rate * plan.profile_s)))
            run.profile = await _profile_worker(settings, workers[0], watcher, profile_pages)
        if drained and plan.latency_page_source and plan.latency_s:
            await _measure_latency(settings, watcher, plan, run)
        if drained and plan.http_page_source and plan.http_during_ingest_pages:
            backlog = plan.http_page_source(plan.http_during_ingest_pages)
            run.http_during_ingest_ms = await _related_latency_while_ingesting(
                settings, watcher, workers, sorted(page_keys(pages)), backlog
            )
        if plan.http_requests:
            ids = sorted(page_keys(pages))
            run.http_ms = await measure_related_latency(workers, ids, plan.http_requests)
    run.peak_rss_mb = [round(w.peak_rss_mb(), 1) for w in workers]
    return run


async def _measure_latency(
    settings: Settings, watcher: OutputWatcher, plan: PipelinePlan, run: PipelineRun
) -> None:
    """Raw -> ``articles.unique`` at half the rate this run sustained, by record timestamps."""
    assert plan.latency_page_source is not None
    rate = plan.latency_rate_per_s or run.articles_per_s / 2
    pages = plan.latency_page_source(max(10, int(rate * plan.latency_s)))
    mark = len(watcher.seen.records)
    stamps = await publish_pages(settings, pages, rate_per_s=rate)
    await watcher.wait(_answered(page_keys(pages)), settle_s=1.0, timeout_s=plan.latency_s + plan.budget_s)
    records = watcher.seen.records[mark:]
    latencies = sorted(ts - stamps[key] for topic, key, ts in records if topic == UNIQUE and key in stamps)
    run.latency_rate_per_s = round(rate, 2)
    run.latency_samples = len(latencies)
    if latencies:
        run.latency_ms = {
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "max": float(latencies[-1]),
        }


HTTP_CLIENTS = 50
HTTP_CLIENTS_DURING_INGEST = 10


async def _related_latency_while_ingesting(
    settings: Settings,
    watcher: OutputWatcher,
    workers: Sequence[Worker],
    ids: Sequence[str],
    backlog: Sequence[Page],
) -> dict[str, float]:
    """``/related`` p50 / p99 while the workers work through ``backlog`` as fast as they can.

    The backlog is published at once, so the workers ingest at their sustainable
    rate; requests run from the first page until the last page's answer.
    """
    publishing = asyncio.create_task(publish_pages(settings, backlog))
    answered = asyncio.create_task(watcher.wait(_answered(page_keys(backlog)), settle_s=0.0, timeout_s=300))
    result = await measure_related_latency(
        workers, ids, requests=None, until=answered, clients=HTTP_CLIENTS_DURING_INGEST
    )
    await publishing
    result["backlog_pages"] = float(len(backlog))
    result["complete"] = float(bool(answered.result()))
    return result


async def measure_related_latency(
    workers: Sequence[Worker],
    ids: Sequence[str],
    requests: int | None,
    *,
    until: asyncio.Task[Any] | None = None,
    clients: int = HTTP_CLIENTS,
) -> dict[str, float]:
    """p50 / p99 of ``/articles/{id}/related`` with ``clients`` clients at once, spread over workers.

    Each request goes to one worker in turn, whether it owns the article or
    forwards it, as a load balancer in front of the workers would send it.
    ``requests`` of them, or as many as fit until ``until`` is done.
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests if requests is not None else 10**9))

    def next_request() -> int | None:
        if until is not None and until.done():
            return None
        return next(counter, None)

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while (n := next_request()) is not None:
            url = f"{workers[n % len(workers)].web_url}/articles/{ids[n % len(ids)]}/related?limit=20"
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                errors += response.status >= 500
            latencies.append((time.perf_counter() - started) * 1000)

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    if until is not None:
        await until
    latencies.sort()
    return {
        "p50": round(percentile(latencies, 50), 1),
        "p99": round(percentile(latencies, 99), 1),
        "requests": float(len(latencies)),
        "server_errors": float(errors),
    }


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, min(len(sorted_values), math.ceil(pct / 100 * len(sorted_values))))
    return float(sorted_values[rank - 1])


async def _profile_worker(
    settings: Settings, worker: Worker, watcher: OutputWatcher, pages: Sequence[Page]
) -> str | None:
    """py-spy (sampling, non-blocking) on one worker while it works through the profile pages.

    Returns the collapsed stacks, or None when py-spy is missing or may not attach.
    """
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        return None
    out = Path(settings.data_dir) / "worker.collapsed"
    recorder = await asyncio.create_subprocess_exec(
        py_spy,
        "record",
        "--pid",
        str(worker.process.pid),
        "--format",
        "raw",
        "--rate",
        "200",
        "--nonblocking",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(1.0)  # attached
    await publish_pages(settings, pages)
    await watcher.wait(_answered(page_keys(pages)), settle_s=0.5, timeout_s=120)
    recorder.send_signal(2)  # SIGINT: py-spy writes what it has and exits
    _, err = await recorder.communicate()
    if not out.exists():
        sys.stderr.write(f"py-spy gave no profile: {err.decode(errors='replace')[-500:]}\n")
        return None
    return out.read_text()
