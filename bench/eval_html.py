"""The HTML evaluation pages: the whole pipeline per page against trafilatura's extraction alone.

Reads ``<eval_data>/html-extraction-aeb/html/*.html.gz`` when present (the
data stays outside the repository and no test depends on it); returns None
otherwise, and the bench goes on without the figure.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path
from typing import Any

from bench.inprocess import new_pipeline


def compare_with_trafilatura(eval_data: Path, rounds: int = 1) -> dict[str, Any] | None:
    folder = eval_data / "html-extraction-aeb" / "html"
    paths = sorted(folder.glob("*.html.gz")) if folder.is_dir() else []
    if not paths:
        return None
    import trafilatura

    pages = [gzip.decompress(path.read_bytes()) for path in paths]
    pipeline = new_pipeline()
    for index, page in enumerate(pages[:3]):  # warm both sides
        list(pipeline.feed(page, f"warm-{index}".encode()))
        trafilatura.extract(page.decode("utf-8", "replace"))

    started, cpu_started = time.perf_counter(), time.process_time()
    for round_ in range(rounds):
        for index, page in enumerate(pages):
            for _ in pipeline.feed(page, f"eval-{round_}-{index}".encode()):
                pass
    pipeline_s, pipeline_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started

    texts = [page.decode("utf-8", "replace") for page in pages]
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for text in texts:
            trafilatura.extract(text)
    trafilatura_s, trafilatura_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    count = rounds * len(pages)
    return {
        "pages": len(pages),
        # CPU of this process: on a shared machine the wall clock also counts other jobs' turns.
        "pipeline_ms": round(1000 * pipeline_cpu_s / count, 2),
        "trafilatura_ms": round(1000 * trafilatura_cpu_s / count, 2),
        "pipeline_wall_ms": round(1000 * pipeline_s / count, 2),
        "trafilatura_wall_ms": round(1000 * trafilatura_s / count, 2),
        "pipeline_faster": pipeline_cpu_s < trafilatura_cpu_s,
    }
