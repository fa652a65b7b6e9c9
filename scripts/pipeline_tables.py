"""What the evaluation scripts read of the in-process pipeline: one place to change with the runner.

``TimedPipeline`` times each step in CPU seconds; ``table`` decodes one table;
``pair_score`` is the score ``related_graph`` holds for two articles (0 when
neither keeps the other).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import orjson

from streams.pipeline import graph as related
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import Step, StepContext


class TimedPipeline(InProcessPipeline):
    """The in-process pipeline, timing each step (CPU seconds per step name: other work on the
    machine does not count)."""

    def __init__(self, ctx: StepContext):
        super().__init__(ctx)
        self.seconds: Counter[str] = Counter()
        make_batch = self.runner.batch

        def timed_batch(agent: str, read: Any, partition_of: Any) -> Any:
            batch = make_batch(agent, read, partition_of)
            run = batch._run

            def timed_run(step: Step, *args: Any, **kwargs: Any) -> Any:
                started = time.process_time()
                try:
                    return run(step, *args, **kwargs)
                finally:
                    self.seconds[step.name] += time.process_time() - started

            batch._run = timed_run  # type: ignore[method-assign]
            return batch

        self.runner.batch = timed_batch  # type: ignore[method-assign]


def table(pipeline: InProcessPipeline, name: str) -> dict[str, Any]:
    return {key: orjson.loads(value) for key, value in pipeline.tables[name].items()}


def table_bytes(pipeline: InProcessPipeline, name: str, prefix: str = "") -> int:
    """Encoded bytes of a table's entries (keys included) whose key starts with ``prefix``."""
    return sum(len(k) + len(v) for k, v in pipeline.tables[name].items() if k.startswith(prefix))


def pair_reasons(graph: dict[str, Any], a: str, b: str) -> dict[str, float]:
    """The reasons either article's entry keeps for the other (the graph is symmetric until top-k)."""
    forward = (graph.get(a) or {}).get("neighbours", {}).get(b, {})
    backward = (graph.get(b) or {}).get("neighbours", {}).get(a, {})
    return {r: max(forward.get(r, 0.0), backward.get(r, 0.0)) for r in {*forward, *backward}}


def pair_score(graph: dict[str, Any], a: str, b: str) -> float:
    return related.combined(pair_reasons(graph, a, b))
