"""Where the time goes: pyinstrument on the in-process path, py-spy on a worker.

Both are reduced to the same small table (function, self %, total %), so the
hot spots of one process can be read next to the other's in the result file.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.articles import Page
from bench.inprocess import new_pipeline, warm_up


@dataclass(frozen=True)
class HotSpot:
    function: str  # "name (file:line)"
    self_pct: float
    total_pct: float


def profile_in_process(
    pages: Sequence[Page], warm_pages: Sequence[Page], budget_s: float, html_path: Path | None = None
) -> tuple[list[HotSpot], list[HotSpot], int]:
    """Profile ``newsflow process`` on ``pages`` (until ``budget_s``).

    Returns the hot spots by self time, the project's functions by inclusive
    time, and the number of pages done.
    """
    from pyinstrument import Profiler

    pipeline = new_pipeline()
    warm_up(pipeline, warm_pages)
    profiler = Profiler(interval=0.001)
    done = 0
    started = time.perf_counter()
    profiler.start()
    for page in pages:
        for _ in pipeline.feed(page.value, page.key):
            pass
        done += 1
        if time.perf_counter() - started > budget_s:
            break
    session = profiler.stop()
    if html_path is not None:
        html_path.write_text(profiler.output_html())
    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()

    def walk(frame: Any, on_stack: frozenset[str]) -> None:
        # pyinstrument keeps a frame's own time in synthetic "[self]" children
        real = [child for child in frame.children if not child.is_synthetic]
        if not frame.is_synthetic:
            name = _frame_name(frame)
            self_time[name] += frame.time - sum(child.time for child in real)
            if name not in on_stack:  # recursion: count a function once per stack
                total_time[name] += frame.time
            on_stack = on_stack | {name}
        for child in real:
            walk(child, on_stack)

    root = session.root_frame()
    if root is None:
        return [], [], done
    walk(root, frozenset())
    own = sorted((n for n in total_time if "(streams/" in n), key=lambda n: -total_time[n])[:12]
    whole = root.time
    by_total = [
        HotSpot(n, round(100 * self_time[n] / whole, 1), round(100 * total_time[n] / whole, 1)) for n in own
    ]
    return _top(self_time, total_time, root.time), by_total, done


def _frame_name(frame: object) -> str:
    path = Path(getattr(frame, "file_path", "") or "?")
    return f"{frame.function} ({_short(path)}:{frame.line_no})"  # type: ignore[attr-defined]


def _short(path: Path) -> str:
    """``streams/pipeline/link.py`` for project files, ``aiokafka/conn.py`` for libraries."""
    parts = path.parts
    for anchor in ("streams", "site-packages"):
        if anchor in parts:
            index = parts.index(anchor)
            return "/".join(parts[index + (1 if anchor == "site-packages" else 0) :])
    return "/".join(parts[-2:])


def hot_spots_from_collapsed(collapsed: str) -> list[HotSpot]:
    """py-spy ``--format raw`` (one ``frame;frame;frame count`` per line) to hot spots by self time.

    Idle time (the event loop waiting in ``select``/``epoll``) stays in: a
    worker that mostly waits is itself a finding.
    """
    self_samples, total_samples, all_samples = _collapsed_counts(collapsed)
    return _top(self_samples, total_samples, all_samples)


def streams_hot_spots(collapsed: str, count: int = 12) -> list[HotSpot]:
    """The project's own functions by inclusive time: which stage a worker spends its CPU in."""
    self_samples, total_samples, all_samples = _collapsed_counts(collapsed)
    own = [name for name in total_samples if "(streams/" in name]
    own.sort(key=lambda name: -total_samples[name])
    return [
        HotSpot(
            name,
            round(100 * self_samples[name] / all_samples, 1),
            round(100 * total_samples[name] / all_samples, 1),
        )
        for name in own[:count]
    ]


def _collapsed_counts(collapsed: str) -> tuple[Counter[str], Counter[str], int]:
    """Samples per function: as the leaf (self), anywhere on the stack (total), and in all."""
    self_samples: Counter[str] = Counter()
    total_samples: Counter[str] = Counter()
    all_samples = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_collapsed_frame(f) for f in stack.split(";")]
        all_samples += count
        self_samples[frames[-1]] += count
        for name in set(frames):
            total_samples[name] += count
    return self_samples, total_samples, all_samples


def _collapsed_frame(frame: str) -> str:
    """``process_tokens (streams/pipeline/enrich/tokens.py:42)`` from py-spy's ``name (path:line)``."""
    name, _, location = frame.partition(" (")
    location = location.rstrip(")")
    path, _, line = location.rpartition(":")
    return f"{name} ({_short(Path(path))}:{line})" if path else name


def _top(self_time: Counter[str], total_time: Counter[str], whole: float, count: int = 15) -> list[HotSpot]:
    if whole <= 0:
        return []
    return [
        HotSpot(name, round(100 * seconds / whole, 1), round(100 * total_time[name] / whole, 1))
        for name, seconds in self_time.most_common(count)
    ]
