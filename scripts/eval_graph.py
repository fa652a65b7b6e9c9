"""Measure the related-article graph on SaudiNewsNet: do the closest neighbours make sense?

    python scripts/eval_graph.py DATA_DIR [--limit N] [--seed S]   # DATA_DIR/ar-news-saudinewsnet/*.jsonl

Streams the articles, oldest first, through the whole in-process pipeline (so
dedup stories and enriched entities are the real ones), then, for a fixed
random sample of articles, counts how many of their top-5 neighbours share a
story, at least one rare entity (rare: named in under 1% of the articles) or
high content similarity (the cosine of their content signatures),
reports the mean score by reason and by kind of evidence (the graph should rank
story > several rare entities > one rare entity > common entities only), prints
five neighbourhoods for a person to read, and the link stage's cost per article.
Nothing is written: the evaluation data must never enter the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline_tables import TimedPipeline, table, table_bytes  # noqa: E402

from streams.pipeline import graph as related  # noqa: E402
from streams.pipeline import link, similarity  # noqa: E402
from streams.pipeline.steps import StepContext  # noqa: E402
from streams.settings import Settings  # noqa: E402

LINK_STEPS = ("link", "link-index", "link-title", "link-story", "graph")
RARE_SHARE = 0.01
# High content similarity: a cosine that about 3 random pairs of SaudiNewsNet articles in 1,000 reach.
HIGH_COSINE = 0.5
SAMPLE = 100
TOP = 5
SHOWN = 5


def envelopes(data_dir: Path, limit: int | None) -> list[tuple[bytes, bytes, int]]:
    """(key, envelope, timestamp ms), oldest first: the first ``limit`` articles of the stream."""
    rows = []
    for path in sorted((data_dir / "ar-news-saudinewsnet").glob("*.jsonl")):
        rows += [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    rows.sort(key=lambda r: (r["date_extracted"], r["url"]))
    out = []
    for row in rows[:limit]:
        article_id = "sn-" + hashlib.sha1(row["url"].encode()).hexdigest()[:16]
        published = row["date_extracted"].replace(" ", "T") + "Z"
        envelope = {
            "id": article_id,
            "url": row["url"],
            "source": row["source"],
            "published_at": published,
            "title": row.get("title") or None,
            "author": row.get("author") or None,
            "text": row["content"],
        }
        stamp = int(time.mktime(time.strptime(published, "%Y-%m-%dT%H:%M:%SZ")) * 1000)
        out.append((article_id.encode(), orjson.dumps(envelope), stamp))
    return out


def evidence(a: dict[str, Any], b: dict[str, Any], rare: set[str]) -> str:
    """What a reader would see two articles share, strongest first."""
    if a["story"] and a["story"] == b["story"]:
        return "story"
    shared = a["entities"] & b["entities"]
    shared_rare = len(shared & rare)
    if shared_rare >= 2:
        return "2+ rare entities"
    if shared_rare == 1:
        return "1 rare entity"
    if a["signature"] and b["signature"] and similarity.cosine(a["signature"], b["signature"]) >= HIGH_COSINE:
        return "high content similarity"
    return "common entities only" if shared else "no shared entity"


def reason_kind(reason: str) -> str:
    return reason.split(":", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="the first N articles only (oldest first)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)

    messages = envelopes(args.data_dir, args.limit)
    settings = Settings()
    pipeline = TimedPipeline(StepContext.from_settings(settings))
    started, cpu_started = time.perf_counter(), time.process_time()
    sent: Counter[str] = Counter()
    for i, (key, value, stamp) in enumerate(messages, 1):
        for emit in pipeline.feed(value, key, timestamp_ms=stamp):
            sent[emit.topic] += 1
        if i % 500 == 0:
            print(f"  {i} articles, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    catalog = table(pipeline, "articles")
    graph = table(pipeline, "related_graph")
    docs = {
        key: {
            "title": entry["article"].get("title") or entry["article"]["text"][:80],
            "source": entry["article"].get("source"),
            "story": (entry.get("verdict") or {}).get("story_id"),
            "entities": {e["key"] for e in entry["article"].get("entities", [])},
            "signature": entry["article"].get("content_signature"),
        }
        for key, entry in catalog.items()
        if "article" in entry
    }
    frequency = Counter(k for d in docs.values() for k in d["entities"])
    rare = {k for k, n in frequency.items() if n < RARE_SHARE * len(docs)}
    print(
        f"articles: {len(messages)} streamed, {len(docs)} in the catalog, "
        f"{len(graph)} with neighbours; {elapsed:.0f} s in all ({cpu:.0f} s CPU)"
    )
    print(
        f"entities: {len(frequency)} keys, {len(rare)} rare (in under {RARE_SHARE:.0%} of articles, "
        f"i.e. fewer than {RARE_SHARE * len(docs):.0f})"
    )

    # Top-5 neighbours of a fixed sample: how many share a story or a rare entity.
    sample = random.Random(args.seed).sample(sorted(docs), min(SAMPLE, len(docs)))
    top_counts: Counter[str] = Counter()
    with_neighbours = 0
    for key in sample:
        top = related.neighbours(graph.get(key))[:TOP]
        with_neighbours += bool(top)
        for n in top:
            if n["article_id"] in docs:
                top_counts[evidence(docs[key], docs[n["article_id"]], rare)] += 1
    shown = sum(top_counts.values())
    good = sum(
        top_counts[k] for k in ("story", "2+ rare entities", "1 rare entity", "high content similarity")
    )
    print(
        f"\nsample of {len(sample)} (seed {args.seed}): {with_neighbours} have neighbours; "
        f"of their {shown} top-{TOP} neighbours {good} ({good / max(shown, 1):.0%}) "
        f"share a story, a rare entity or high content similarity (cosine >= {HIGH_COSINE})"
    )
    for kind, count in top_counts.most_common():
        print(f"  {kind:22} {count:5}")

    # Scores by reason, and by the evidence a reader would see, over every edge of the graph.
    by_reason: dict[str, list[float]] = defaultdict(list)
    by_evidence: dict[str, list[float]] = defaultdict(list)
    for src, node in graph.items():
        for dst, reasons in node["neighbours"].items():
            for reason, score in reasons.items():
                by_reason[reason_kind(reason)].append(score)
            if src < dst and src in docs and dst in docs:
                by_evidence[evidence(docs[src], docs[dst], rare)].append(related.combined(reasons))
    print("\nscore by reason (every directed edge):          n     mean   median")
    for kind, scores in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"  {kind:40} {len(scores):7} {statistics.mean(scores):8.3f} {statistics.median(scores):8.3f}")
    print("combined score of a pair by what it shares:      n     mean   median   p90")
    order = [
        "story",
        "2+ rare entities",
        "1 rare entity",
        "high content similarity",
        "common entities only",
        "no shared entity",
    ]
    for kind in order:
        scores = sorted(by_evidence.get(kind, []))
        if scores:
            p90 = scores[int(0.9 * (len(scores) - 1))]
            print(
                f"  {kind:40} {len(scores):7} {statistics.mean(scores):8.3f} "
                f"{statistics.median(scores):8.3f} {p90:6.3f}"
            )
    medians = [statistics.median(by_evidence[k]) for k in order[:3] + order[4:5] if by_evidence.get(k)]
    ordered = medians == sorted(medians, reverse=True)
    print(f"  ordered story > 2+ rare > 1 rare > common (medians): {ordered}")

    # Neighbourhoods for a person to read.
    readable = [k for k in sample if len(graph.get(k, {}).get("neighbours", {})) >= 3][:SHOWN]
    for key in readable:
        print(f"\n■ {docs[key]['title']}  [{docs[key]['source']}]")
        for n in related.neighbours(graph[key])[:TOP]:
            other = docs.get(n["article_id"], {"title": n["article_id"], "source": "?"})
            reasons = ", ".join(n["reasons"][:4]) + (" …" if len(n["reasons"]) > 4 else "")
            print(f"   {n['score']:.3f}  {other['title'][:90]}  [{other['source']}]\n          {reasons}")

    # What the link stage costs.
    link_s = sum(pipeline.seconds[s] for s in LINK_STEPS)
    per_step = ", ".join(f"{s} {1000 * pipeline.seconds[s] / len(messages):.2f}" for s in LINK_STEPS)
    graph_bytes = sum(len(v) for v in pipeline.tables["related_graph"].values())
    n = len(messages)
    print(
        f"graph_index: {table_bytes(pipeline, 'graph_index') / n:.0f} bytes an article "
        f"(similar: bands {table_bytes(pipeline, 'graph_index', link.SIMILAR_PREFIX) / n:.0f}); "
        f"messages an article: graph.edges {sent['graph.edges'] / n:.1f}, "
        f"graph.links {sent['graph.links'] / n:.1f}, "
        f"graph.by-key {sent['graph.by-key'] / n:.1f}"
    )
    print(
        f"\nlink stage: {1000 * link_s / len(messages):.2f} ms CPU per article ({per_step}); "
        f"whole pipeline {1000 * cpu / len(messages):.1f} ms CPU per article; "
        f"related_graph {graph_bytes / max(len(docs), 1) / 1024:.1f} KiB per article"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
