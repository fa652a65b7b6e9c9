"""Milliseconds per article for the enrich stage and each of its parts.

    python scripts/bench_enrich.py [--rounds 200]

Runs on the Arabic sample article in ``tests/data/enrich`` (cut to 2.5 KB)
and on the English hand-annotated set, after one warm-up call that loads the
data files and models. One core, wall clock, median of the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.pipeline.dedup import fingerprints  # noqa: E402
from streams.pipeline.enrich import enrich  # noqa: E402
from streams.pipeline.enrich.dates import find_dates, parse_reference  # noqa: E402
from streams.pipeline.enrich.entities import find_entities  # noqa: E402
from streams.pipeline.enrich.keywords import find_keywords, stopwords  # noqa: E402
from streams.pipeline.enrich.language import detect  # noqa: E402
from streams.pipeline.enrich.quantities import find_quantities  # noqa: E402
from streams.pipeline.enrich.quotes import find_quotes  # noqa: E402
from streams.pipeline.enrich.tokens import tokenize  # noqa: E402
from streams.records import CleanArticle  # noqa: E402
from streams.text import normalize_text  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "enrich"


def arabic_text(limit: int = 2500) -> str:
    lines = [x.strip() for x in (DATA / "ar-page-two-articles.txt").read_text().split("\n") if x.strip()]
    text, paragraphs = "", []
    for line in lines[1:11]:
        if len((text + line).encode()) > limit:
            break
        paragraphs.append(normalize_text(line))
        text = "\n\n".join(paragraphs)
    return text


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def bench(label: str, text: str, language: str, rounds: int) -> None:
    article = CleanArticle(
        article_id="bench",
        parent_id=None,
        url=None,
        source=None,
        published_at="2024-06-25",
        fetched_at=None,
        language=language,
        title=None,
        paragraphs=text.split("\n\n"),
        text=text,
    )
    tokens = tokenize(text)
    ref = parse_reference("2024-06-25")
    entities = find_entities(text, tokens, language)
    _, used = find_dates(text, tokens, language, ref)
    stop = stopwords(language)
    parts: dict[str, Callable[[], object]] = {
        "language (pycld2)": lambda: detect(text),
        "tokens": lambda: tokenize(text),
        "entities, no tagger": lambda: find_entities(text, tokens, language, use_tagger=False),
        "entities, with tagger": lambda: find_entities(text, tokens, language),
        "dates": lambda: find_dates(text, tokens, language, ref),
        "quantities": lambda: find_quantities(text, tokens, language, used, stop),
        "quotes": lambda: find_quotes(text, tokens, language, entities),
        "keywords": lambda: find_keywords(text, tokens, language, []),
        "fingerprints": lambda: fingerprints(text),
        "enrich, no tagger": lambda: enrich(article, use_tagger=False),
        "enrich, with tagger": lambda: enrich(article),
    }
    print(f"\n{label}: {len(text.encode())} bytes, {len(tokens)} tokens")
    for name, fn in parts.items():
        print(f"  {name:24} {median_ms(fn, rounds):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    bench("Arabic sample article", arabic_text(), "ar", args.rounds)
    english = [json.loads(p.read_text())["text"] for p in sorted((DATA / "en").glob("*.json"))]
    bench("English article", normalize_text(english[0]), "en", max(args.rounds // 5, 5))


if __name__ == "__main__":
    main()
