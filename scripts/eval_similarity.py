"""Do newsflow's related-article scores order pairs as people do? SemEval-2022 task 8 pairs.

    python scripts/eval_similarity.py DATA_DIR   # DATA_DIR/news-similarity-semeval22/pairs.jsonl

Every text of every pair goes through the whole in-process pipeline in one run
(one window: they meet, or not, through the index like any articles). Each
pair's score is what ``related_graph`` keeps for it, 0 when neither article
keeps the other; it is rank-correlated (Spearman) with the negated ``overall``
rating (1 = very similar, 4 = very dissimilar), separately for same-language
pairs (Arabic-Arabic and English-English) and cross-lingual pairs (with
English). Beside it, in the same run: plain TF-IDF cosine over words, the
multilingual Universal Sentence Encoder's cosine over the first 3,000
characters, and the mean of the two. Nothing is written.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline_tables import TimedPipeline, pair_reasons, pair_score, table  # noqa: E402

from streams.pipeline.similarity import _Encoder  # noqa: E402
from streams.pipeline.steps import StepContext  # noqa: E402
from streams.settings import Settings  # noqa: E402

SAME_LANGUAGE = {("ar", "ar"), ("en", "en")}
ENCODER_CHARS = 3000
# One article a minute: the whole set fits in one window.
START_MS = 1_700_000_000_000


def read_pairs(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "news-similarity-semeval22" / "pairs.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def articles(pairs: list[dict[str, Any]]) -> dict[str, str]:
    """article id -> text, each article once (an article can be in several pairs)."""
    texts: dict[str, str] = {}
    for pair in pairs:
        first, second = pair["pair_id"].split("_")
        texts.setdefault(first, pair["text1"])
        texts.setdefault(second, pair["text2"])
    return texts


def ranks(values: list[float]) -> np.ndarray:
    """Ranks with ties averaged (as Spearman wants)."""
    array = np.asarray(values, dtype=float)
    order = np.argsort(array, kind="mergesort")
    out = np.empty(len(array))
    i = 0
    while i < len(array):
        j = i
        while j + 1 < len(array) and array[order[j + 1]] == array[order[i]]:
            j += 1
        out[order[i : j + 1]] = (i + j) / 2
        i = j + 1
    return out


def spearman(scores: list[float], ratings: list[float]) -> float:
    if len(scores) < 3:
        return float("nan")
    return float(np.corrcoef(ranks(scores), ranks([-r for r in ratings]))[0, 1])


def tfidf_cosines(texts: dict[str, str]) -> dict[str, dict[str, float]]:
    """Plain TF-IDF over lower-cased words (smoothed idf, l2-normalised), as a reader of the task would."""
    words = {key: re.findall(r"\w\w+", text.lower()) for key, text in texts.items()}
    df = Counter(w for ws in words.values() for w in set(ws))
    n = len(texts)
    vectors = {}
    for key, ws in words.items():
        counts = Counter(ws)
        vector = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors[key] = {w: v / norm for w, v in vector.items()}
    return vectors


def run_pipeline(texts: dict[str, str]) -> tuple[dict[str, Any], TimedPipeline, float]:
    pipeline = TimedPipeline(StepContext.from_settings(Settings()))
    started = time.process_time()
    for i, key in enumerate(sorted(texts)):
        envelope = orjson.dumps({"id": key, "text": texts[key]})
        for _ in pipeline.feed(envelope, key.encode(), timestamp_ms=START_MS + 60_000 * i):
            pass
    return table(pipeline, "related_graph"), pipeline, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)

    pairs = read_pairs(args.data_dir)
    texts = articles(pairs)
    graph, pipeline, cpu = run_pipeline(texts)
    tfidf = tfidf_cosines(texts)
    keys = sorted(texts)
    started = time.process_time()
    vectors = dict(zip(keys, (_Encoder.encode(texts[k].strip()[:ENCODER_CHARS]) for k in keys), strict=True))
    encoder_ms = 1000 * (time.process_time() - started) / len(keys)

    systems: dict[str, list[float]] = defaultdict(list)
    reasons_seen: Counter[str] = Counter()
    for pair in pairs:
        a, b = pair["pair_id"].split("_")
        cosine_tfidf = sum(v * tfidf[b].get(w, 0.0) for w, v in tfidf[a].items())
        cosine_encoder = float(vectors[a] @ vectors[b])
        systems["newsflow"].append(pair_score(graph, a, b))
        systems["tf-idf"].append(cosine_tfidf)
        systems["encoder"].append(cosine_encoder)
        systems["tf-idf + encoder"].append((cosine_tfidf + cosine_encoder) / 2)
        reasons_seen.update({r.split(":", 1)[0] for r in pair_reasons(graph, a, b)})

    groups: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        languages = (pair["lang1"], pair["lang2"])
        kind = "same-language" if languages in SAME_LANGUAGE else "cross-lingual"
        groups[kind].append(i)
        groups[f"  {languages[0]}-{languages[1]}"].append(i)
    order = ["same-language", "  ar-ar", "  en-en", "cross-lingual"]
    order += sorted(g for g in groups if g not in order)

    print(f"{len(pairs)} pairs, {len(texts)} articles through the whole pipeline in one window")
    print("Spearman with the negated 'overall' rating; linked: pairs with an edge")
    header = "".join(f"{name:>18}" for name in systems)
    print(f"{'':16}{'pairs':>6}{'linked':>8}{header}")
    for group in order:
        members = groups[group]
        ratings = [pairs[i]["overall"] for i in members]
        linked = sum(systems["newsflow"][i] > 0 for i in members)
        cells = "".join(f"{spearman([systems[s][i] for i in members], ratings):18.3f}" for s in systems)
        print(f"{group:16}{len(members):6}{linked:8}{cells}")
    print("reasons on the rated pairs: " + ", ".join(f"{r} {n}" for r, n in reasons_seen.most_common()))

    by_rating: dict[int, list[float]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        by_rating[round(pair["overall"])].append(systems["newsflow"][i])
    print(
        "median newsflow score by rating: "
        + ", ".join(f"{r}: {statistics.median(by_rating[r]):.2f}" for r in sorted(by_rating))
    )
    stages = ", ".join(f"{s} {1000 * t / len(texts):.1f}" for s, t in pipeline.seconds.most_common(6))
    print(
        f"whole pipeline {1000 * cpu / len(texts):.1f} ms CPU an article ({stages}); "
        f"encoder baseline over {ENCODER_CHARS} characters {encoder_ms:.1f} ms an article; "
        f"related_graph keeps {sum(len(n['neighbours']) for n in graph.values()) / len(texts):.1f} "
        f"neighbours an article (top-k {pipeline.ctx.graph_top_k})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
