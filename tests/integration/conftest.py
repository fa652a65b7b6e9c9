"""A real broker process (Tansu) for the session, and real worker processes.

Each test module gets its own topic prefix, so tests never read each other's
messages. Session timeouts are short (2 s / 0.5 s) so that nothing waits on a
rebalance (DESIGN.md: Tansu holds a group join for half the session timeout).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.broker import EmbeddedBroker, free_port, stop_processes
from streams.kafka_io import ensure_topics, publish, read_topics, strip_prefix
from streams.settings import Settings

pytestmark = pytest.mark.broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log) as address:
        yield address


@dataclass
class WorkerProcess:
    settings: Settings
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, orjson.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, orjson.loads(exc.read() or b"null")

    def stop(self) -> None:
        stop_processes(self.process)


def make_settings(broker: str, tmp_path: Path, **overrides: Any) -> Settings:
    return replace(
        Settings(),
        broker=broker,
        broker_profile="tansu",
        topic_prefix=f"t{uuid.uuid4().hex[:8]}.",
        session_timeout_s=2.0,
        heartbeat_interval_s=0.5,
        data_dir=str(tmp_path),
        web_port=free_port(),
        **overrides,
    )


def start_worker(settings: Settings, name: str = "worker", timeout_s: float = 90) -> WorkerProcess:
    """Start ``newsflow worker`` and wait until ``/readyz`` says it is consuming."""
    asyncio.run(ensure_topics(settings))
    log = Path(settings.data_dir) / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings.as_env(), "NEWSFLOW_DATA_DIR": str(Path(settings.data_dir) / name)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "worker"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    worker = WorkerProcess(settings, process, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if worker.get("/readyz")[0] == 200:
                return worker
        except OSError:
            pass
        time.sleep(0.2)
    worker.stop()
    raise RuntimeError(f"worker not ready in {timeout_s} s:\n{log.read_text()[-3000:]}")


def ingest(
    settings: Settings, messages: list[tuple[bytes | None, bytes]], timestamp_ms: int | None = None
) -> None:
    asyncio.run(publish(settings, "articles.raw", messages, timestamp_ms=timestamp_ms))


def collect(
    settings: Settings,
    topics: list[str],
    until: Callable[[list[tuple[str, str | None, Any]]], bool],
    timeout_s: float = 90,
    *,
    fail_on_timeout: bool = True,
) -> list[tuple[str, str | None, Any]]:
    """Read ``topics`` from the beginning until ``until(records)`` holds.

    After ``timeout_s`` the test fails, or with ``fail_on_timeout=False`` gets what
    came, for its own assertions to show what is missing.
    """
    records: list[tuple[str, str | None, Any]] = []

    async def read() -> None:
        async for record in read_topics(settings, topics, idle_timeout_s=None):
            key = record.key.decode() if record.key is not None else None
            records.append((strip_prefix(settings, record.topic), key, orjson.loads(record.value)))
            if until(records):
                return

    async def bounded() -> None:
        await asyncio.wait_for(read(), timeout_s)

    try:
        asyncio.run(bounded())
    except TimeoutError:
        if fail_on_timeout:
            pytest.fail(f"timed out after {timeout_s} s waiting on {topics}")
    return records


@pytest.fixture(scope="module")
def pipeline_worker(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One running worker with its own topic prefix, shared by the tests of a module."""
    worker = start_worker(make_settings(broker, tmp_path_factory.mktemp("worker")))
    yield worker
    worker.stop()
