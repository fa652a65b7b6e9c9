"""Measure the dedup stage against a brute-force reference, and on synthetic variants.

    python scripts/eval_dedup.py DATA_DIR            # DATA_DIR/ar-news-saudinewsnet/*.jsonl
    python scripts/eval_dedup.py --write-variants    # regenerate tests/data/dedup/variants.jsonl

The reference is exact Jaccard of matching-form word 5-grams
(``match_tokens(text, fold_vowels=True)``) over every pair: pairs at 0.8 or
above must share a story (recall), pairs in one story must not fall below 0.5
(precision). Every pair is affordable through prefix filtering: sort each
article's 5-grams rarest first; two sets with Jaccard >= t share one of the
first ``|A| - ceil(t|A|) + 1`` of either, so only those are indexed.

The synthetic set rewrites a few source articles the way outlets do (spelling
variants swapped, a paragraph added or dropped, the title changed, boilerplate
lines added). From the evaluation data it is built in memory only: that data
must never be copied into the repository; ``tests/data/dedup/`` is generated
from ``sources.jsonl``, articles written for this project.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path

import numpy as np
import orjson

from streams.pipeline import dedup
from streams.pipeline.process import InProcessDedup
from streams.records import EnrichedArticle
from streams.text import match_tokens, normalize_text

TEST_DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedup"
REFERENCE_SHINGLE = 5
MUST_LINK = 0.8
MUST_NOT_LINK = 0.5
MUST_CONTAIN = 0.8


# --- articles -------------------------------------------------------------------------


def build_article(
    article_id: str,
    text: str,
    *,
    published_at: str | None,
    title: str | None = None,
    url: str | None = None,
    source: str | None = None,
    language: str = "ar",
    config: dedup.DedupConfig = dedup.DEFAULT_CONFIG,
) -> EnrichedArticle:
    """An ``EnrichedArticle`` with only what dedup reads (the clean stage is out of scope)."""
    body = normalize_text(text)
    return EnrichedArticle(
        article_id=article_id,
        parent_id=None,
        url=url,
        source=source,
        published_at=published_at,
        fetched_at=published_at,
        language=language,
        title=title,
        paragraphs=[p for p in body.split("\n") if p],
        text=body,
        fingerprints=dedup.fingerprints(body, config),
    )


def saudinewsnet_rows(data_dir: Path) -> Iterator[dict]:
    for path in sorted((data_dir / "ar-news-saudinewsnet").glob("*.jsonl")):
        with path.open("rb") as lines:
            for line in lines:
                if line.strip():
                    yield orjson.loads(line)


def row_article(row: dict, config: dedup.DedupConfig) -> EnrichedArticle:
    return build_article(
        "sn-" + hashlib.sha1(row["url"].encode()).hexdigest()[:16],
        row["content"],
        published_at=row["date_extracted"].replace(" ", "T"),
        title=row.get("title") or None,
        url=row["url"],
        source=row["source"],
        config=config,
    )


# --- synthetic variants --------------------------------------------------------------

# (from, to) pairs applied in both directions: the spellings outlets disagree on.
SPELLING_SWAPS = [
    ("البنتاجون", "البنتاغون"),
    ("الأمريكي", "الأميركي"),
    ("أمريكا", "أميركا"),
    ("المتّحدة", "المتحدة"),
    ("إنّ", "إن"),
    ("أنّ", "أن"),
    ("جوجل", "غوغل"),
]
BOILERPLATE_HEAD = "تابع أحدث الأخبار عبر تطبيق"
BOILERPLATE_TAIL = ["المصدر: وكالات", "كلمات دلالية: أخبار عاجلة", "شارك هذا الخبر"]
EXTRA_PARAGRAPH = (
    "وفي سياق متصل، أكدت مصادر مطلعة أن الجهات المعنية ستواصل متابعة التطورات عن كثب، "
    "على أن تصدر بيانا مفصلا خلال الأيام المقبلة يوضح الخطوات التالية."
)


def swap_spellings(text: str) -> str:
    """Every listed spelling to its other form, and hamza / alef / ta marbuta dropped here and there."""
    for a, b in SPELLING_SWAPS:
        text = text.replace(a, "\0").replace(b, a).replace("\0", b)
    words = text.split(" ")
    for i in range(0, len(words), 3):  # every third word, as a careless copy-editor would
        words[i] = re.sub(r"^[أإآ]", "ا", words[i])
        words[i] = re.sub(r"ة([.,،؛:»\"]?)$", r"ه\1", words[i])
        words[i] = re.sub(r"ى$", "ي", words[i])
    return " ".join(words)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


VARIANTS = {
    "spelling": lambda title, text: (title, swap_spellings(text)),
    "paragraph_added": lambda title, text: (title, text + "\n\n" + EXTRA_PARAGRAPH),
    "paragraph_dropped": lambda title, text: (title, "\n\n".join(_paragraphs(text)[:-1])),
    "title_changed": lambda title, text: ("عاجل: " + (title or ""), text),
    "boilerplate": lambda title, text: (
        title,
        "\n\n".join([BOILERPLATE_HEAD, text, *BOILERPLATE_TAIL]),
    ),
    "all_edits": lambda title, text: (
        "تقرير: " + (title or ""),
        "\n\n".join([BOILERPLATE_HEAD, *_paragraphs(swap_spellings(text))[:-1], EXTRA_PARAGRAPH]),
    ),
}


def _an_hour_later(moment: str) -> str:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00")) + timedelta(hours=1)
    return parsed.isoformat().replace("+00:00", "Z")


def make_variants(sources: Iterable[dict]) -> list[dict]:
    """Each source and its variants, one dict each: ``family`` names the source's story.

    Deterministic: the same sources give byte-identical output. Variants are
    published one hour after their source (and arrive in a shuffled order).
    """
    out = []
    for source in sources:
        family = source["id"]
        out.append({**source, "family": family, "variant": "source"})
        for name, rewrite in VARIANTS.items():
            title, text = rewrite(source.get("title"), source["text"])
            published = _an_hour_later(source["published_at"])
            out.append(
                {
                    **source,
                    "id": f"{family}~{name}",
                    "title": title,
                    "text": text,
                    "published_at": published,
                    "url": None,
                    "family": family,
                    "variant": name,
                }
            )
    random.Random(7).shuffle(out)
    return out


def variant_articles(rows: Iterable[dict], config: dedup.DedupConfig) -> list[EnrichedArticle]:
    return [
        build_article(
            r["id"],
            r["text"],
            published_at=r["published_at"],
            title=r.get("title"),
            url=r.get("url"),
            language=r.get("language", "ar"),
            config=config,
        )
        for r in rows
    ]


def write_test_variants() -> Path:
    sources = [orjson.loads(line) for line in (TEST_DATA / "sources.jsonl").read_bytes().splitlines()]
    target = TEST_DATA / "variants.jsonl"
    target.write_bytes(b"".join(orjson.dumps(v) + b"\n" for v in make_variants(sources)))
    return target


# --- reference ----------------------------------------------------------------------


def reference_shingles(text: str) -> np.ndarray:
    tokens = match_tokens(text, fold_vowels=True)
    return np.unique(dedup.shingle_hashes(tokens, REFERENCE_SHINGLE))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared) if shared else 0.0


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """The share of the smaller set inside the larger."""
    smaller = min(a.size, b.size)
    return np.intersect1d(a, b, assume_unique=True).size / smaller if smaller else 0.0


def similar_pairs(sets: list[np.ndarray], threshold: float) -> dict[tuple[int, int], float]:
    """Every pair with exact Jaccard >= ``threshold`` (prefix filtering, then verification)."""
    nonempty = [i for i, s in enumerate(sets) if s.size]
    values, inverse, counts = np.unique(
        np.concatenate([sets[i] for i in nonempty]), return_inverse=True, return_counts=True
    )
    rarity = np.lexsort((values, counts)).argsort()  # rank of each distinct shingle, rarest first
    index: dict[int, list[int]] = defaultdict(list)
    candidates: set[tuple[int, int]] = set()
    offset = 0
    for i in nonempty:
        size = sets[i].size
        ranks = np.sort(rarity[inverse[offset : offset + size]])
        offset += size
        for rank in ranks[: size - math.ceil(threshold * size) + 1].tolist():
            for j in index[rank]:
                candidates.add((j, i))
            index[rank].append(i)
    pairs = {}
    for i, j in candidates:
        similarity = jaccard(sets[i], sets[j])
        if similarity >= threshold:
            pairs[(i, j)] = similarity
    return pairs


# --- scoring -------------------------------------------------------------------------


def score(
    articles: list[EnrichedArticle], stories: dict[str, str], sets: list[np.ndarray]
) -> dict[str, float]:
    """Recall of the >= 0.8 pairs and precision of the pairs placed in one story."""
    position = {a.article_id: i for i, a in enumerate(articles)}
    must = similar_pairs(sets, MUST_LINK)
    found = sum(stories[articles[i].article_id] == stories[articles[j].article_id] for i, j in must)
    members: dict[str, list[int]] = defaultdict(list)
    for article_id, story in stories.items():
        members[story].append(position[article_id])
    clustered = [pair for group in members.values() for pair in combinations(sorted(group), 2)]
    wrong = [p for p in clustered if jaccard(sets[p[0]], sets[p[1]]) < MUST_NOT_LINK]
    # Below 0.5 but one keeps 80% or more of the other's 5-grams: a re-post cut short or extended.
    excerpts = [p for p in wrong if containment(sets[p[0]], sets[p[1]]) >= MUST_CONTAIN]
    return {
        "pairs_at_0.8": len(must),
        "pairs_at_0.8_in_one_story": found,
        "recall": found / len(must) if must else 1.0,
        "pairs_in_one_story": len(clustered),
        "pairs_in_one_story_below_0.5": len(wrong),
        "precision": 1 - len(wrong) / len(clustered) if clustered else 1.0,
        "pairs_below_0.5_one_holding_80%_of_the_other": len(excerpts),
        "precision_counting_those": 1 - (len(wrong) - len(excerpts)) / len(clustered) if clustered else 1.0,
        "below_0.5_examples": [
            [articles[i].article_id, articles[j].article_id, round(jaccard(sets[i], sets[j]), 3)]
            for i, j in [p for p in wrong if p not in excerpts][:5]
        ],
        "stories_with_duplicates": sum(len(g) > 1 for g in members.values()),
    }


def exact_copies(articles: list[EnrichedArticle], stories: dict[str, str]) -> dict[str, int]:
    """Articles whose matching form equals an earlier one's, and how many share its story."""
    groups: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        form = " ".join(match_tokens(article.text))
        if form:
            groups[form].append(article.article_id)
    copies = [ids for ids in groups.values() if len(ids) > 1]
    return {
        "exact_copies": sum(len(ids) - 1 for ids in copies),
        "exact_copies_found": sum(sum(stories[i] == stories[ids[0]] for i in ids[1:]) for ids in copies),
    }


def run(articles: list[EnrichedArticle], config: dedup.DedupConfig) -> tuple[dict[str, str], dict]:
    """Stream the articles through the in-process dedup; its stories and timings."""
    deduplicator = InProcessDedup(config)
    started = time.perf_counter()
    for article in articles:
        deduplicator.process(article)
    elapsed = time.perf_counter() - started
    state = deduplicator.state_bytes()
    return deduplicator.stories(), {
        "dedup_ms_per_article": 1000 * elapsed / len(articles),
        "messages_per_article": deduplicator.pipeline.messages / len(articles),
        "state_bytes_per_article": {k: v / len(articles) for k, v in state.items()},
    }


def fingerprint_ms(articles: list[EnrichedArticle], config: dedup.DedupConfig) -> float:
    started = time.perf_counter()
    for article in articles:
        dedup.fingerprints(article.text, config)
    return 1000 * (time.perf_counter() - started) / len(articles)


def evaluate(name: str, articles: list[EnrichedArticle], config: dedup.DedupConfig) -> dict:
    sets = [reference_shingles(a.text) for a in articles]
    stories, timings = run(articles, config)
    report = {"set": name, "articles": len(articles), **exact_copies(articles, stories)}
    report |= score(articles, stories, sets)
    report |= {"fingerprint_ms_per_article": fingerprint_ms(articles, config), **timings}
    shuffled = random.Random(11).sample(articles, len(articles))
    report["same_stories_when_shuffled"] = run(shuffled, config)[0] == stories
    return report


def family_score(rows: list[dict], stories: dict[str, str]) -> dict[str, float]:
    """Synthetic set: each variant must share its source's story, and no other family's."""
    by_id = {r["id"]: r for r in rows}
    variants = [r for r in rows if r["variant"] != "source"]
    found = sum(stories[r["id"]] == stories[r["family"]] for r in variants)
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, story in stories.items():
        members[story].append(article_id)
    pairs = [p for g in members.values() for p in combinations(g, 2)]
    wrong = sum(by_id[a]["family"] != by_id[b]["family"] for a, b in pairs)
    missed = sorted(r["id"] for r in variants if stories[r["id"]] != stories[r["family"]])
    return {
        "variants": len(variants),
        "variants_in_source_story": found,
        "recall": found / len(variants),
        "precision": 1 - wrong / len(pairs) if pairs else 1.0,
        "missed": missed,
    }


def synthetic(name: str, rows: list[dict], config: dedup.DedupConfig) -> dict:
    stories, _ = run(variant_articles(rows, config), config)
    return {"set": name, **family_score(rows, stories)}


def saudinewsnet_sources(articles: list[EnrichedArticle], count: int) -> list[dict]:
    """A deterministic pick of long, many-paragraph articles to rewrite."""
    long = [a for a in articles if len(a.paragraphs) >= 6 and len(a.text.split()) >= 250]
    picked = random.Random(3).sample(long, min(count, len(long)))
    return [
        {
            "id": a.article_id + "-syn",
            "title": a.title,
            "text": a.text,
            "published_at": a.published_at,
            "url": None,
        }
        for a in picked
    ]


TRUNCATED_SHARE = (0.60, 0.75)


def truncations(sources: list[dict], seed: int = 5) -> list[dict]:
    """Each source and a copy cut to its first 60-75% of whole paragraphs, as agencies' clients do."""
    rng = random.Random(seed)
    out = []
    for source in sources:
        paragraphs = _paragraphs(source["text"])
        low, high = (math.ceil(share * len(paragraphs)) for share in TRUNCATED_SHARE)
        keep = rng.randint(low, max(low, min(high, len(paragraphs) - 1)))
        family = source["id"]
        out.append({**source, "family": family, "variant": "source"})
        out.append(
            {
                **source,
                "id": f"{family}~truncated",
                "text": "\n\n".join(paragraphs[:keep]),
                "published_at": _an_hour_later(source["published_at"]),
                "url": None,
                "family": family,
                "variant": "truncated",
            }
        )
    rng.shuffle(out)
    return out


def override(config: dedup.DedupConfig, assignments: list[str]) -> dedup.DedupConfig:
    changes = {}
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        kind = type(getattr(config, name))
        changes[name] = kind(value)
    return replace(config, **changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, help="folder holding ar-news-saudinewsnet/")
    parser.add_argument("--write-variants", action="store_true", help="regenerate tests/data/dedup")
    parser.add_argument("--synthetic-sources", type=int, default=40)
    parser.add_argument("--truncated-sources", type=int, default=200)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a DedupConfig field, e.g. --set shingle_size=3 (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.write_variants:
        print(f"wrote {write_test_variants()}")
        return 0
    if args.data_dir is None:
        parser.error("DATA_DIR is required (e.g. ../shared/eval)")
    config = override(dedup.DEFAULT_CONFIG, args.set)
    print(orjson.dumps({"config": config}).decode())
    articles = [row_article(row, config) for row in saudinewsnet_rows(args.data_dir)]
    own_variants = (TEST_DATA / "variants.jsonl").read_bytes().splitlines()
    sources = saudinewsnet_sources(articles, args.synthetic_sources)
    reports = (
        lambda: evaluate("saudinewsnet", articles, config),
        lambda: synthetic("synthetic from saudinewsnet", make_variants(sources), config),
        lambda: synthetic("synthetic tests/data/dedup", [orjson.loads(v) for v in own_variants], config),
        lambda: synthetic(
            "truncated re-posts of saudinewsnet (first 60-75% of whole paragraphs)",
            truncations(saudinewsnet_sources(articles, args.truncated_sources)),
            config,
        ),
    )
    for report in reports:
        print(orjson.dumps(report(), option=orjson.OPT_INDENT_2).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
