"""The fault tier: real Tansu brokers, real worker processes, and things going wrong.

Reuses the integration tier's broker fixture and helpers (``make_settings``,
``start_worker``, ``ingest``, ``collect``) and adds what faults need: a ``Tap``
that keeps reading the output topics in a background thread (so a test can
watch progress while it kills things), ``kill9`` / ``restart``, the in-process
baseline a disturbed run must equal, and a broker of its own for tests that
stop the broker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from streams.broker import EmbeddedBroker
from streams.pipeline import graph
from streams.pipeline.steps import CLEAN, DEAD_LETTER, EDGES, VERDICTS, StepContext
from streams.security import client_options
from streams.settings import Settings
from tests.integration.conftest import (  # noqa: F401  (broker is a fixture used by name)
    WorkerProcess,
    collect,
    ingest,
    start_worker,
)
from tests.integration.conftest import (
    broker as broker,
)
from tests.integration.conftest import make_settings as integration_settings


def make_settings(broker: str, data_dir: Path, **overrides: Any) -> Settings:
    """The corpus is dated March 2025 and arrives today: a window of ten years keeps
    expiry out of these tests (the in-process baseline they compare with has none)."""
    return integration_settings(broker, data_dir, **{"window_days": 3650.0, **overrides})


Raw = tuple[bytes | None, bytes]
OUTPUTS = [CLEAN, DEAD_LETTER, VERDICTS, EDGES]


@dataclass(frozen=True, slots=True)
class Seen:
    at: float  # time.monotonic() when the tap received it
    topic: str
    partition: int
    key: str | None
    value: Any


@dataclass
class Tap:
    """Reads ``topics`` from the beginning in a thread, for as long as the test runs."""

    settings: Settings
    topics: list[str]
    records: list[Seen] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    error: BaseException | None = None

    def __enter__(self) -> Tap:
        self._thread = threading.Thread(target=self._run, name="tap", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=20)

    def _run(self) -> None:
        try:
            asyncio.run(self._read())
        except BaseException as exc:  # surfaced by wait_until
            self.error = exc

    async def _read(self) -> None:
        prefix = self.settings.topic_prefix
        consumer = AIOKafkaConsumer(
            *[self.settings.topic(t) for t in self.topics],
            bootstrap_servers=self.settings.broker.split(","),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
            max_partition_fetch_bytes=16 * 1024 * 1024,
            **client_options(self.settings),
        )
        await consumer.start()
        try:
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=200)
                now = time.monotonic()
                for records in batch.values():
                    for r in records:
                        self.records.append(
                            Seen(
                                now,
                                r.topic[len(prefix) :],
                                r.partition,
                                r.key.decode() if r.key is not None else None,
                                orjson.loads(r.value),
                            )
                        )
        finally:
            await consumer.stop()

    def wait_until(
        self, predicate: Callable[[list[Seen]], bool], timeout_s: float, poll_s: float = 0.5
    ) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.error is not None:
                raise RuntimeError(f"the tap stopped: {self.error!r}") from self.error
            if predicate(list(self.records)):
                return True
            time.sleep(poll_s)
        return predicate(list(self.records))

    def settle(
        self,
        predicate: Callable[[list[Seen]], bool],
        timeout_s: float,
        idle_s: float = 20,
        workers: Sequence[WorkerProcess] = (),
    ) -> bool:
        """Wait until ``predicate`` holds, or the pipeline is done: nothing new came for
        ``idle_s`` and the ``workers`` consumed nothing either (a backlog between the
        stateful steps can hold the public outputs back for longer than that)."""
        deadline = time.monotonic() + timeout_s
        last_work, last_change = -1.0, time.monotonic()
        while time.monotonic() < deadline:
            if self.error is not None:
                raise RuntimeError(f"the tap stopped: {self.error!r}") from self.error
            records = list(self.records)
            if predicate(records):
                return True
            work = consumed(workers)
            if work != last_work:
                last_work, last_change = work, time.monotonic()
            newest = max(records[-1].at if records else 0.0, last_change)
            if records and time.monotonic() - newest > idle_s:
                return False
            time.sleep(1.0)
        return predicate(list(self.records))

    def count(self, topic: str) -> int:
        return sum(1 for r in list(self.records) if r.topic == topic)


# --- what a run accounts for ---------------------------------------------------------------


def input_ids(messages: list[Raw]) -> set[str]:
    return {orjson.loads(value)["id"] for _, value in messages}


def accounted(records: list[Seen]) -> set[str]:
    """Ids with an ``articles.clean`` output (an embedded ``X~e1`` counts for ``X``) or a dead letter."""
    found = set()
    for r in records:
        if r.topic == CLEAN:
            found.add(r.value["article_id"])
            if r.value.get("parent_id"):
                found.add(r.value["parent_id"])
        elif r.topic == DEAD_LETTER and r.key is not None:
            found.add(r.key)
    return found


def latest_verdicts(records: list[Seen]) -> dict[str, Any]:
    """The last verdict per article, as a compacted ``articles.verdicts`` keeps it."""
    return {r.key: r.value for r in records if r.topic == VERDICTS}


def matches_baseline(expected: Baseline, ids: set[str], top_k: int) -> Callable[[list[Seen]], bool]:
    """Every input accounted for, and the verdicts and graph equal the undisturbed run's."""

    def complete(records: list[Seen]) -> bool:
        return (
            accounted(records) >= ids
            and latest_verdicts(records) == expected.verdicts
            and stable(fold_graph(records)) == stable(expected.graph)
        )

    return complete


def check_final_state(records: list[Seen], expected: Baseline, top_k: int) -> None:
    """Verdicts (latest per article) and the graph's order-free relations equal the undisturbed run's.

    Dedup matches every answer to the question it asked and asks again when an
    undecided article is re-delivered, so at-least-once delivery cannot change a
    verdict; the graph folds edges by max per reason, so replays add nothing.
    """
    verdicts = latest_verdicts(records)
    missing = sorted(expected.verdicts.keys() - verdicts.keys())
    both = verdicts.keys() & expected.verdicts.keys()
    wrong = sorted(k for k in both if verdicts[k] != expected.verdicts[k])
    extra = sorted(verdicts.keys() - expected.verdicts.keys())
    assert not (missing or wrong or extra), (
        f"of {len(expected.verdicts)} verdicts {len(missing)} missing, {len(wrong)} wrong, "
        f"{len(extra)} unexpected; e.g. missing {missing[:3]}, "
        f"wrong {[(verdicts[k], expected.verdicts[k]) for k in wrong[:1]]}"
    )
    graph, want = stable(fold_graph(records)), stable(expected.graph)
    assert want, "the baseline relates nothing: the comparison would say nothing"
    differ = sorted(k for k in graph.keys() | want.keys() if graph.get(k) != want.get(k))
    assert not differ, (
        f"{len(differ)} graph nodes differ, e.g. {[(k, graph.get(k), want.get(k)) for k in differ[:2]]}"
    )


# Relations whose existence does not depend on the order articles arrive in. Which
# pairs share a rare entity, a key phrase or a content band depends on which articles
# an index entry held at the time (its rarity count, its most recent members), so a
# run with another interleaving, a crash or a rebalance may relate other pairs.
STABLE_REASONS = ("embedded", "explicit", "story")


def stable(graph: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, list[str]]]:
    """Each article's neighbours by their order-free reasons only (those that have one)."""
    out: dict[str, dict[str, list[str]]] = {}
    for src, items in graph.items():
        kept = {
            item["article_id"]: [r for r in item["reasons"] if r in STABLE_REASONS]
            for item in items
            if any(r in STABLE_REASONS for r in item["reasons"])
        }
        if kept:
            out[src] = kept
    return out


def fold_graph(records: list[Seen]) -> dict[str, list[dict[str, Any]]]:
    """``graph.edges`` as a consumer reads it: the latest record of a pair is the relation
    (score 0 and no reason: gone), each article's neighbours best first."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in records:
        if r.topic == EDGES:
            latest[(r.value["src"], r.value["dst"])] = r.value
    graph: dict[str, list[dict[str, Any]]] = {}
    for (src, dst), edge in latest.items():
        if edge["reasons"]:
            graph.setdefault(src, []).append(
                {"article_id": dst, "score": edge["score"], "reasons": sorted(edge["reasons"])}
            )
    return {src: sorted(items, key=lambda n: (-n["score"], n["article_id"])) for src, items in graph.items()}


@dataclass(frozen=True)
class Baseline:
    """What an undisturbed in-process run gives for the same input."""

    accounted: set[str]
    verdicts: dict[str, Any]
    graph: dict[str, list[dict[str, Any]]]
    edges: int


def in_process_baseline(messages: list[Raw], settings: Settings) -> Baseline:
    from streams.pipeline.process import InProcessPipeline

    pipeline = InProcessPipeline(StepContext.from_settings(settings))
    records = [
        Seen(0.0, emit.topic, 0, emit.key, orjson.loads(emit.value))
        for key, value in messages
        for emit in pipeline.feed(value, key)
        if emit.topic in OUTPUTS
    ]
    related = {
        key: graph.neighbours(orjson.loads(stored))
        for key, stored in pipeline.tables["related_graph"].items()
    }
    return Baseline(
        accounted(records), latest_verdicts(records), related, sum(1 for r in records if r.topic == EDGES)
    )


class BaselineInBackground:
    """The in-process baseline computed in a forked process while the workers run (2 cores)."""

    # What an article costs in-process on a core shared with the workers under test, and more.
    SECONDS_PER_MESSAGE = 0.15

    def __init__(self, messages: list[Raw], settings: Settings):
        self.timeout_s = 120 + self.SECONDS_PER_MESSAGE * len(messages)
        context = multiprocessing.get_context("fork")
        self._queue: Any = context.Queue()
        self._process = context.Process(target=self._work, args=(messages, settings), daemon=True)
        self._process.start()

    def _work(self, messages: list[Raw], settings: Settings) -> None:
        self._queue.put(orjson.dumps(_as_json(in_process_baseline(messages, settings))))

    def result(self) -> Baseline:
        data = orjson.loads(self._queue.get(timeout=self.timeout_s))
        self._process.join(timeout=10)
        return Baseline(set(data["accounted"]), data["verdicts"], data["graph"], data["edges"])


def _as_json(baseline: Baseline) -> dict[str, Any]:
    return {
        "accounted": sorted(baseline.accounted),
        "verdicts": baseline.verdicts,
        "graph": baseline.graph,
        "edges": baseline.edges,
    }


# --- processes -------------------------------------------------------------------------------


def kill9(worker: WorkerProcess) -> float:
    """``kill -9`` the worker; returns the monotonic time of the kill."""
    at = time.monotonic()
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=10)
    return at


def restart(worker: WorkerProcess, name: str = "worker", **kwargs: Any) -> WorkerProcess:
    """Start a worker again with the same settings, data directory and log."""
    return start_worker(worker.settings, name, **kwargs)


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (``VmHWM``) so far, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def http(url: str, headers: dict[str, str] | None = None, timeout_s: float = 10) -> tuple[int, Any]:
    """GET ``url``: ``(status, JSON body or raw text)``; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, orjson.loads(body)
    except orjson.JSONDecodeError:
        return status, body.decode("utf-8", "replace")


def consumed(workers: Sequence[WorkerProcess]) -> float:
    """Messages the live ones of ``workers`` consumed so far, by their ``/metrics``."""
    total = 0.0
    for worker in workers:
        try:
            lines = metric_lines(worker, "newsflow_messages_in_total{")
        except OSError:
            continue  # killed, or not up yet
        total += sum(float(line.split()[-1]) for line in lines)
    return total


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout_s} s waiting for {what}"
        time.sleep(0.5)


def metric_lines(worker: WorkerProcess, name: str) -> list[str]:
    status, body = http(worker.url + "/metrics")
    assert status == 200, body
    return [line for line in str(body).splitlines() if line.startswith(name)]


def assigned(worker: WorkerProcess, topic: str) -> set[int]:
    """The partitions of ``topic`` this worker says it holds (``newsflow_partition_assigned``)."""
    wanted = f'topic="{topic}"'
    found = set()
    for line in metric_lines(worker, "newsflow_partition_assigned{"):
        labels, _, value = line.rpartition(" ")
        if wanted in labels and float(value) == 1.0:
            found.add(int(labels.split('partition="')[1].split('"')[0]))
    return found


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker for this test alone: tests that stop the broker must not stop everybody's."""
    own = EmbeddedBroker(log_path=tmp_path / "tansu.log")
    own.start()
    try:
        yield own
    finally:
        if own.process is not None and own.process.poll() is None:
            os.kill(own.process.pid, signal.SIGCONT)
        own.stop()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    """Workers a test starts; stopped (or killed) at the end whatever happened."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()
