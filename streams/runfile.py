"""What ``newsflow run`` leaves in its data folder so that other commands find it.

The embedded broker takes a new random port on every run. ``newsflow run``
writes ``<NEWSFLOW_DATA_DIR>/run.json`` (default ``.newsflow/run.json``) with
the broker's address, the workers' HTTP addresses and every process id, and
removes it when it stops. ``ingest``, ``tail``, ``stats`` and ``graph`` read it
when ``NEWSFLOW_BROKER`` is not set, so a second shell in the same folder needs
no variable. A file left by a run that was killed names a process that is gone,
and is ignored.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunInfo:
    pid: int  # the supervisor: ``newsflow run`` itself
    broker: str  # host:port
    broker_pid: int | None
    topic_prefix: str
    data_dir: str
    workers: list[dict[str, object]] = field(default_factory=list)  # {"index", "url", "pid", "log"}

    @property
    def worker_urls(self) -> list[str]:
        return [str(worker["url"]) for worker in self.workers]


def path_in(data_dir: Path) -> Path:
    return data_dir / RUN_FILE


def write(data_dir: Path, info: RunInfo) -> Path:
    """Write atomically: a reader never sees half a file."""
    path = path_in(data_dir)
    partial = path.with_suffix(".tmp")
    partial.write_bytes(orjson.dumps(asdict(info), option=orjson.OPT_INDENT_2) + b"\n")
    partial.replace(path)
    return path


def read(data_dir: Path) -> RunInfo | None:
    """The run that is still going in ``data_dir``, else None (no file, unreadable, or its process gone)."""
    try:
        raw = orjson.loads(path_in(data_dir).read_bytes())
        info = RunInfo(**raw)
    except (OSError, orjson.JSONDecodeError, TypeError):
        return None
    return info if alive(info.pid) else None


def remove(data_dir: Path, pid: int) -> None:
    """Remove the file if it is this process's (a newer run may have replaced it)."""
    path = path_in(data_dir)
    try:
        if orjson.loads(path.read_bytes()).get("pid") == pid:
            path.unlink()
    except (OSError, orjson.JSONDecodeError, AttributeError):
        pass


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
