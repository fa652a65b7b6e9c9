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
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.articles import Page
from streams.broker import free_port, stop_processes
from streams.kafka_io import ensure_topics, producer
from streams.pipeline.steps import DEAD_LETTER, EDGES, RAW, UNIQUE, VERDICTS
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
        while not _ready(worker.web_url + "/readyz"):
            if worker.process.poll() is not None or time.monotonic() > deadline:
                tail = worker.log.read_text(errors="replace")[-3000:]
                for w in workers:
                    w.stop()
                raise RuntimeError(f"worker did not get ready; its log ends:\n{tail}")
            time.sleep(0.2)
    return workers


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


# --- reading outputs -----------------------------------------------------------------------


@dataclass
class Seen:
    """Output records seen so far: ``(topic, key, timestamp_ms)``, topic without prefix."""

    records: list[tuple[str, str, int]] = field(default_factory=list)
    keys: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in OUTPUT_TOPICS})
    last_arrival: float = field(default_factory=time.monotonic)


class OutputWatcher:
    """Reads the output topics in the background while the bench publishes."""

    def __init__(self, settings: Settings):
        self.settings = settings
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
    latency_page_source: Callable[[int], Sequence[Page]] | None = None
    profile_s: float = 0.0
    profile_page_source: Callable[[int], Sequence[Page]] | None = None


def run_pipeline(
    address: str, worker_count: int, plan: PipelinePlan, label: str, broker_profile: str = "tansu"
) -> PipelineRun:
    """Start ``worker_count`` workers, warm them, time the pages; then profile and latency if planned."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"newsflow-bench-{label}-"))
    settings = bench_settings(address, data_dir, label, broker_profile)
    workers = start_workers(settings, worker_count)
    try:
        return asyncio.run(_drive(settings, workers, plan))
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _answered(keys: set[str]) -> Callable[[Seen], bool]:
    return lambda seen: keys <= (seen.keys[VERDICTS] | seen.keys[DEAD_LETTER])


def page_keys(pages: Sequence[Page]) -> set[str]:
    """Each page's own article is keyed (and so answered) by the page id."""
    return {p.key.decode() for p in pages}


async def _timed_batch(
    settings: Settings, watcher: OutputWatcher, pages: Sequence[Page], keys: set[str], timeout_s: float
) -> tuple[float, bool, dict[str, int]]:
    """Publish ``pages`` at once, wait for ``keys``; pages/s from first input to last output."""
    mark = len(watcher.seen.records)
    stamps = await publish_pages(settings, pages)
    complete = await watcher.wait(_answered(keys), settle_s=2.0, timeout_s=timeout_s)
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
    return done / (max(last_output - first_input, 1) / 1000), complete, counts


async def _drive(settings: Settings, workers: list[Worker], plan: PipelinePlan) -> PipelineRun:
    async with OutputWatcher(settings) as watcher:
        await publish_pages(settings, plan.warm_pages)
        if not await watcher.wait(_answered(page_keys(plan.warm_pages)), settle_s=1.0, timeout_s=120):
            raise RuntimeError("the warm-up pages got no verdicts within 120 s: see the worker logs")
        count = plan.page_count
        if count is None:
            rate, _, _ = await _timed_batch(
                settings, watcher, plan.calibration_pages, page_keys(plan.calibration_pages), 60
            )
            # early pages are cheaper (the link index is still small): aim at half the budget
            count = max(10, min(len(plan.pages), int(rate * plan.budget_s / 2)))
        pages = plan.pages[:count]
        rate, complete, counts = await _timed_batch(
            settings, watcher, pages, plan.expected_keys(count), timeout_s=1.5 * plan.budget_s + 20
        )
        run = PipelineRun(
            workers=len(workers),
            pages=count,
            articles_per_s=rate,
            complete=complete,
            seconds=count / rate,
            outputs=counts,
            peak_rss_mb=[],
        )
        drained = complete or await watcher.wait(lambda seen: True, settle_s=3.0, timeout_s=plan.budget_s / 2)
        if drained and plan.profile_page_source and plan.profile_s:
            profile_pages = plan.profile_page_source(max(5, int(rate * plan.profile_s)))
            run.profile = await _profile_worker(settings, workers[0], watcher, profile_pages)
        if drained and plan.latency_page_source and plan.latency_s:
            await _measure_latency(settings, watcher, plan, run)
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
    rate = run.articles_per_s / 2
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


async def measure_related_latency(
    workers: Sequence[Worker], ids: Sequence[str], requests: int
) -> dict[str, float]:
    """p50 / p99 of ``/articles/{id}/related`` with HTTP_CLIENTS clients at once, spread over workers.

    Each request goes to one worker in turn, whether it owns the article or
    forwards it, as a load balancer in front of the workers would send it.
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            n = queue.get_nowait()
            url = f"{workers[n % len(workers)].web_url}/articles/{ids[n % len(ids)]}/related?limit=20"
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                errors += response.status >= 500
            latencies.append((time.perf_counter() - started) * 1000)

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(HTTP_CLIENTS)))
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
