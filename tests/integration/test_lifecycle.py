"""``newsflow run`` stopped as people and machines stop it: real signals to real processes.

Ctrl-C at a terminal is a SIGINT to the whole foreground process group;
systemd, ``docker stop`` and Kubernetes send SIGTERM to the main process; a
supervisor can also die outright. Each way, the workers stop first (the broker
still answers them), then the broker, within 10 s, and no process is left
holding a port or retrying a dead broker.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from streams.broker import free_port, port_is_free
from tests.conftest import ROOT

STOP_WITHIN_S = 10.0


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    data_dir: Path
    output: Path
    info: dict

    @property
    def children(self) -> list[int]:
        return [w["pid"] for w in self.info["workers"]] + [self.info["broker_pid"]]

    @property
    def ports(self) -> list[int]:
        return [int(w["url"].rsplit(":", 1)[1]) for w in self.info["workers"]]

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def start_run(tmp_path: Path, web_port: int | None = None) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env |= {
        "NEWSFLOW_DATA_DIR": str(tmp_path / "data"),
        "NEWSFLOW_WEB_PORT": str(web_port or free_port()),
        "NEWSFLOW_SESSION_TIMEOUT_S": "2",
        "NEWSFLOW_HEARTBEAT_INTERVAL_S": "0.5",
    }
    output = tmp_path / "run.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "run"],
        cwd=ROOT,
        env=env,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    run_file = tmp_path / "data" / "run.json"
    deadline = time.monotonic() + 120
    while "running; Ctrl-C to stop" not in output.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"newsflow run did not start:\n{output.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    return Run(process, tmp_path / "data", output, orjson.loads(run_file.read_bytes()))


def wait_stopped(run: Run) -> float:
    """Seconds until ``newsflow run`` and every process it started are gone."""
    started = time.monotonic()
    while run.process.poll() is None or any(alive(pid) for pid in run.children):
        if time.monotonic() - started > 30:
            break
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    """Whatever a failed test leaves running is killed."""
    started: list[Run] = []
    yield started
    for run in started:
        for pid in [run.process.pid, *run.children]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        run.process.wait()


def assert_clean_stop(run: Run, took: float) -> None:
    assert took < STOP_WITHIN_S, f"stopped in {took:.1f} s:\n{run.text()}"
    assert not any(alive(pid) for pid in run.children), run.text()
    assert all(port_is_free("127.0.0.1", port) for port in run.ports)
    assert not (run.data_dir / "run.json").exists()
    text = run.text()
    assert "stopped worker 0" in text and "stopped broker" in text and "killed" not in text, text
    log = (run.data_dir / "worker-0.log").read_text(errors="replace")
    assert "Unable connect" not in log and "Traceback" not in log, log[-3000:]


def test_ctrl_c_to_the_process_group_stops_workers_then_the_broker(tmp_path, runs):
    run = start_run(tmp_path)
    runs.append(run)
    os.killpg(run.process.pid, signal.SIGINT)
    took = wait_stopped(run)
    assert run.process.returncode == 0
    assert_clean_stop(run, took)
    text = run.text()
    assert text.index("stopped worker 0") < text.index("stopped broker")


def test_sigterm_to_newsflow_run_stops_in_order_and_a_taken_port_is_skipped(tmp_path, runs):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        if not port_is_free("127.0.0.1", port + 1):
            pytest.skip(f"port {port + 1} is in use by another process")
        run = start_run(tmp_path, web_port=port)
        runs.append(run)
        assert f"port {port} is taken" in run.text() and "NEWSFLOW_WEB_PORT" in run.text()
        assert run.ports == [port + 1]
        run.process.send_signal(signal.SIGTERM)
        took = wait_stopped(run)
    assert run.process.returncode == 0
    assert_clean_stop(run, took)


def test_a_second_ctrl_c_stops_at_once(tmp_path, runs):
    run = start_run(tmp_path)
    runs.append(run)
    os.killpg(run.process.pid, signal.SIGINT)
    deadline = time.monotonic() + 5
    while "stopping:" not in run.text() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(run.process.pid, signal.SIGINT)
    took = wait_stopped(run)
    assert took < 3, run.text()
    assert run.process.returncode == 130
    assert "stopped at once" in run.text()
    assert not any(alive(pid) for pid in run.children)


def test_workers_and_broker_stop_when_their_supervisor_is_killed(tmp_path, runs):
    run = start_run(tmp_path)
    runs.append(run)
    run.process.kill()  # kill -9: no cleanup of its own
    took = wait_stopped(run)
    assert took < STOP_WITHIN_S, f"children still alive after {took:.1f} s"
    assert all(port_is_free("127.0.0.1", port) for port in run.ports)
