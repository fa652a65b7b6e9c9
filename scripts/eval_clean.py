"""Measure the clean stage's HTML extraction against trafilatura, on the same pages, in one run.

    python scripts/eval_clean.py DATA_DIR [--limit N] [--worst K]

Reads ``DATA_DIR/html-extraction-aeb/html/*.html.gz`` and ``ground-truth.json``
(field ``articleBody``), never copies them anywhere. Each page goes through
newsflow's ``parse_raw`` + ``clean_page`` (the body is the page's own article,
``articles[0].text``) and through ``trafilatura.extract`` with its defaults
(plain text). Score: 4-token shingle precision and recall of the body against
``articleBody`` (tokens are ``\\w+`` runs, shingles counted as a multiset, as in
the article-extraction benchmark), averaged over pages; F1 is from the averages.
Pages per second are wall-clock over the extraction calls only, one core.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def precision_recall(truth: str, extracted: str) -> tuple[float, float]:
    """Per-page shingle precision and recall; an empty match of empty truth scores 1."""
    want, got = shingles(truth), shingles(extracted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    if fp == fn == 0:
        return 1.0, 1.0
    if tp == 0:
        return 0.0, 0.0
    return tp / (tp + fp), tp / (tp + fn)


@dataclass
class Score:
    name: str
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    def add(self, truth: str, extracted: str) -> None:
        p, r = precision_recall(truth, extracted)
        self.precision.append(p)
        self.recall.append(r)

    def line(self) -> str:
        n = len(self.precision)
        p, r = sum(self.precision) / n, sum(self.recall) / n
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rate = n / self.seconds if self.seconds else float("inf")
        return (
            f"{self.name:<12} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  "
            f"{rate:6.1f} pages/s  ({n} pages, {self.failures} without a body)"
        )


def newsflow_body(raw: bytes) -> str:
    from streams.pipeline.clean import clean_page
    from streams.pipeline.errors import PipelineError
    from streams.pipeline.parse import parse_raw

    try:
        return clean_page(parse_raw(raw))[0].text
    except PipelineError:
        return ""


def trafilatura_body(raw: bytes) -> str:
    import trafilatura

    return trafilatura.extract(raw) or ""


def timed(extract: Callable[[bytes], str], raw: bytes, score: Score) -> str:
    start = time.perf_counter()
    body = extract(raw)
    score.seconds += time.perf_counter() - start
    if not body:
        score.failures += 1
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=0, help="list the K pages newsflow loses most")
    args = parser.parse_args(argv)
    folder = args.data_dir / "html-extraction-aeb"
    truth = orjson.loads((folder / "ground-truth.json").read_bytes())
    pages = sorted((folder / "html").glob("*.html.gz"))[: args.limit or None]
    if not pages:
        print(f"no pages under {folder / 'html'}", file=sys.stderr)
        return 2
    ours, theirs = Score("newsflow"), Score("trafilatura")
    newsflow_body(b"<html><body><p>warm up</p></body></html>")  # imports out of the timing
    trafilatura_body(b"<html><body><p>warm up</p></body></html>")
    gaps: list[tuple[float, str]] = []
    for path in pages:
        page_id = path.name.removesuffix(".html.gz")
        body = truth[page_id]["articleBody"]
        raw = gzip.decompress(path.read_bytes())
        ours.add(body, timed(newsflow_body, raw, ours))
        theirs.add(body, timed(trafilatura_body, raw, theirs))
        f1 = [_f1(s.precision[-1], s.recall[-1]) for s in (ours, theirs)]
        gaps.append((f1[0] - f1[1], page_id))
    print(ours.line())
    print(theirs.line())
    for gap, page_id in sorted(gaps)[: args.worst]:
        print(f"  {gap:+.3f}  {page_id}")
    return 0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


if __name__ == "__main__":
    sys.exit(main())
