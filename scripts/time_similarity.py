"""What content similarity adds to an article's cost in-process: the signature (enrich) and the link steps.

    python scripts/time_similarity.py DATA_DIR [--limit N]   # DATA_DIR/ar-news-saudinewsnet/*.jsonl

Streams the first N SaudiNewsNet articles through the in-process pipeline twice,
once as it is and once with the content signature switched off (articles then
carry none, as from an older producer), and prints CPU ms an article for the
signature and for each link step, each run on its own. CPU time, so other work
on the machine counts less than in wall time; shared machines still vary.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval_graph import LINK_STEPS, envelopes  # noqa: E402
from pipeline_tables import TimedPipeline  # noqa: E402

from streams.pipeline import similarity  # noqa: E402
from streams.pipeline.steps import StepContext  # noqa: E402
from streams.settings import Settings  # noqa: E402


def run(messages: list[tuple[bytes, bytes, int]]) -> tuple[TimedPipeline, float]:
    pipeline = TimedPipeline(StepContext.from_settings(Settings()))
    started = time.process_time()
    for key, value, stamp in messages:
        for _ in pipeline.feed(value, key, timestamp_ms=stamp):
            pass
    return pipeline, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args(argv)
    messages = envelopes(args.data_dir, args.limit)
    similarity.content_signature(None, "warm up the model")
    n = len(messages)

    original = similarity.content_signature
    signing = [0.0]

    def timed_signature(title: str | None, text: str) -> str | None:
        started = time.process_time()
        try:
            return original(title, text)
        finally:
            signing[0] += time.process_time() - started

    similarity.content_signature = timed_signature
    import streams.pipeline.enrich as enrich_module

    enrich_module.content_signature = timed_signature
    with_similarity, cpu_with = run(messages)
    enrich_module.content_signature = lambda title, text: None
    without, cpu_without = run(messages)
    enrich_module.content_signature = original

    def link_ms(pipeline: TimedPipeline) -> float:
        return 1000 * sum(pipeline.seconds[s] for s in LINK_STEPS) / n

    print(f"{n} SaudiNewsNet articles, CPU ms an article")
    print(f"  content signature (sentence encoder + SimHash): {1000 * signing[0] / n:.2f}")
    print(f"  link steps with signatures {link_ms(with_similarity):.2f}, without {link_ms(without):.2f}")
    print(f"  whole pipeline with {1000 * cpu_with / n:.1f}, without {1000 * cpu_without / n:.1f}")
    print(f"  added: {1000 * (cpu_with - cpu_without) / n:.2f} ms an article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
