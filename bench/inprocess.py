"""The in-process path (``newsflow process``): throughput and cost per stage.

Nothing here knows what the stages do inside: steps come from
``streams.pipeline.steps.STEPS`` and are wrapped with a timer, and the parts
of a stage are whatever functions the stage's package calls through its own
module namespace (``streams.pipeline.clean``, ``streams.pipeline.enrich``), so
the figures follow the code as it changes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from bench.articles import Page
from streams.pipeline import steps as steps_module
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import STEPS, Step, StepContext
from streams.settings import Settings

# Steps are named "<stage>" or "<stage>-<detail>"; these belong to another stage.
STAGE_OF_STEP = {"graph": "link", "catalog": "catalog", "article": "catalog", "unique": "catalog"}
# Packages whose inner calls are timed as the parts of their stage.
PART_MODULES = ("streams.pipeline.clean", "streams.pipeline.enrich")


def stage_of(step_name: str) -> str:
    head = step_name.split("-", 1)[0]
    return STAGE_OF_STEP.get(head, head)


@dataclass
class Timings:
    """Seconds spent, by key; ``calls`` counts the calls."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, elapsed: float) -> None:
        self.seconds[key] += elapsed
        self.calls[key] += 1

    def ms_per(self, count: int) -> dict[str, float]:
        return {key: round(1000 * value / count, 3) for key, value in sorted(self.seconds.items())}


def timed_steps(timings: Timings, step_list: Sequence[Step] = STEPS) -> list[Step]:
    """The same steps, each adding its run time to ``timings`` under its name."""

    def wrap(step: Step) -> Step:
        inner = step.run

        def run(*args: Any) -> Any:
            started = time.process_time()
            try:
                return inner(*args)
            finally:
                timings.add(step.name, time.process_time() - started)

        return dataclasses.replace(step, run=run)

    return [wrap(step) for step in step_list]


@contextlib.contextmanager
def timed_parts(module: ModuleType, timings: Timings, prefix: str) -> Iterator[None]:
    """Time every ``streams.*`` function ``module`` calls through its globals, outermost call only.

    A part that calls another part of the same module is counted once (the
    depth counter), so the parts add up to at most the stage.
    """
    depth = [0]
    originals: dict[str, Callable[..., Any]] = {}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return fn(*args, **kwargs)
            depth[0] += 1
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                depth[0] -= 1
                timings.add(f"{prefix}.{name}", time.process_time() - started)

        return timed

    for name, value in vars(module).items():
        if (
            callable(value)
            and not isinstance(value, type)
            and getattr(value, "__module__", "").startswith("streams.")
            and getattr(value, "__name__", "") == name
        ):
            originals[name] = value
    try:
        for name, fn in originals.items():
            setattr(module, name, wrap(name, fn))
        yield
    finally:
        for name, fn in originals.items():
            setattr(module, name, fn)


@dataclass
class InProcessResult:
    pages: int
    articles_per_s: float
    seconds: float
    stage_ms: dict[str, float]
    step_ms: dict[str, float]
    part_ms: dict[str, dict[str, float]]
    outputs: Counter[str]
    # Verdict and dead-letter keys each page caused: what the broker run must also emit.
    answered_by_page: list[set[str]]
    # Seconds from the start to the end of each page: the rate over any first n pages.
    elapsed_by_page: list[float]
    # CPU seconds of this process from the start to the end of each page.
    cpu_by_page: list[float]
    state_bytes: dict[str, int]
    state_entries: dict[str, int]

    def rate_over_first(self, count: int) -> float:
        """Pages per second over the first ``count`` pages: the same pages a broker run took."""
        count = max(1, min(count, len(self.elapsed_by_page)))
        return count / self.elapsed_by_page[count - 1]

    def cpu_per_page(self, count: int) -> float:
        """CPU seconds per page over the first ``count`` pages."""
        count = max(1, min(count, len(self.cpu_by_page)))
        return self.cpu_by_page[count - 1] / count

    def answered_keys(self, count: int) -> set[str]:
        return set().union(*self.answered_by_page[:count])


def new_pipeline(step_list: Sequence[Step] = STEPS) -> InProcessPipeline:
    return InProcessPipeline(StepContext.from_settings(Settings()), step_list)


def warm_up(pipeline: InProcessPipeline, pages: Sequence[Page]) -> None:
    """First calls load language data and build caches: keep them out of the figures."""
    for page in pages:
        for _ in pipeline.feed(page.value, page.key):
            pass


def run_in_process(
    pages: Sequence[Page], warm_pages: Sequence[Page], budget_s: float = float("inf")
) -> InProcessResult:
    """Feed ``pages`` through every step on one core; time steps and the parts of clean and enrich.

    Stops after ``budget_s`` (at a page boundary): ``pages`` of the result says
    how many were done, and the broker runs then take exactly those.
    """
    import importlib

    step_timings, part_timings = Timings(), Timings()
    pipeline = new_pipeline(timed_steps(step_timings))
    warm_up(pipeline, warm_pages)
    step_timings.seconds.clear()
    step_timings.calls.clear()
    outputs: Counter[str] = Counter()
    answered_by_page: list[set[str]] = []
    elapsed_by_page: list[float] = []
    cpu_by_page: list[float] = []
    with contextlib.ExitStack() as stack:
        for name in PART_MODULES:
            module = importlib.import_module(name)
            stack.enter_context(timed_parts(module, part_timings, name.rsplit(".", 1)[1]))
        stack.enter_context(_timed_parse(part_timings))
        count = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        for page in pages:
            answered = set()
            for emit in pipeline.feed(page.value, page.key):
                outputs[emit.topic] += 1
                if emit.topic in (steps_module.VERDICTS, steps_module.DEAD_LETTER):
                    answered.add(emit.key or "")
            answered_by_page.append(answered)
            count += 1
            elapsed_by_page.append(time.perf_counter() - started)
            cpu_by_page.append(time.process_time() - cpu_started)
            if elapsed_by_page[-1] > budget_s:
                break
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # Stage figures are CPU time of this process: a shared machine's wall clock counts other jobs.
    step_ms = step_timings.ms_per(count)
    stage_ms: dict[str, float] = defaultdict(float)
    for name, ms in step_ms.items():
        stage_ms[stage_of(name)] += ms
    # The clean step parses the raw message first: report parse on its own.
    parse_ms = part_timings.ms_per(count).pop("parse.parse_raw", 0.0)
    if "clean" in stage_ms:
        stage_ms["parse"] = parse_ms
        stage_ms["clean"] -= parse_ms
    total_ms = 1000 * cpu / count
    stage_ms["runner"] = total_ms - sum(stage_ms.values())  # encoding between steps, queueing
    stage_ms["total"] = total_ms
    parts: dict[str, dict[str, float]] = defaultdict(dict)
    for key, ms in part_timings.ms_per(count).items():
        stage, part = key.split(".", 1)
        parts[stage][part] = ms
    return InProcessResult(
        pages=count,
        articles_per_s=count / elapsed,
        seconds=elapsed,
        stage_ms={k: round(v, 3) for k, v in stage_ms.items()},
        step_ms=step_ms,
        part_ms=dict(parts),
        outputs=outputs,
        answered_by_page=answered_by_page,
        elapsed_by_page=elapsed_by_page,
        cpu_by_page=cpu_by_page,
        state_bytes=table_bytes(pipeline),
        state_entries={name: len(table) for name, table in pipeline.tables.items()},
    )


@contextlib.contextmanager
def _timed_parse(timings: Timings) -> Iterator[None]:
    """``parse_raw`` is called from ``steps``; time it there."""
    original = steps_module.parse_raw

    def parse_raw(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            timings.add("parse.parse_raw", time.process_time() - started)

    steps_module.parse_raw = parse_raw
    try:
        yield
    finally:
        steps_module.parse_raw = original


def table_bytes(pipeline: InProcessPipeline) -> dict[str, int]:
    """Key plus encoded value bytes per table: what a changelog and a store hold."""
    return {
        name: sum(len(key.encode()) + len(value) for key, value in table.items())
        for name, table in pipeline.tables.items()
    }


def clean_pages_per_s(page: bytes, budget_s: float = 3.0) -> tuple[float, int]:
    """Parse + clean of one page, repeated for ``budget_s``: pages per second, repetitions."""
    from streams.pipeline.clean import clean_page
    from streams.pipeline.parse import parse_raw

    clean_page(parse_raw(page))  # load rules
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < budget_s:
        clean_page(parse_raw(page))
        count += 1
    return count / (time.perf_counter() - started), count
