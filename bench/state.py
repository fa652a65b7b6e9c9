"""State size after 100,000 articles, in minutes rather than the 45 it would take to enrich them.

Only the stateful stages (dedup, link, the graph, the catalog) hold state, and
what they keep of an article depends on its enrichment, not on how long that
took. So a pool of pages goes through clean and enrich once, for real, and the
state steps are then fed round after round of the pool's enriched articles,
each round made new:

- ids, URLs, titles and related headlines carry the round (titles and
  headlines a marker word, so headlines still meet the titles they name);
- fingerprints are XORed with the round's salt, a bijection: within a round an
  exact repost keeps its original's hashes and a near copy shares the same
  bands and sketch values as before, while no two rounds share any;
- times are spread over six days in feed order, so all of them are in the
  7-day window when the sizes are taken (the worst case for a feed of 100,000
  articles a week; the workers' sweeps would only make it smaller).

Entities and keywords the pool names on more than ``RARE_PAGES`` pages stay
as they are: the same people and places keep appearing, as in the news, and
their index entries reach their bound (``MAX_COUNTED_MEMBERS``). The rarer
ones get new names in every round, as the news keeps naming new people: a
round names as many rare keys as a fresh stretch of the stream would, and
they are what relates articles in the graph (a key in every article weighs
nothing). Checked against 3,000 fresh pages: six rounds of a 500-page pool
hold 2% fewer bytes an article in all (dedup nodes and buckets within 3%,
related_graph 18% fewer, graph_index 6% and graph_titles 12% more).
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import xxhash

from bench.articles import START, Page
from bench.inprocess import new_pipeline, table_bytes
from streams.pipeline import dedup
from streams.pipeline.steps import CLEAN, ENRICHED, STEPS, Message, encode
from streams.records import EnrichedArticle, Fingerprints

STATE_STEPS = tuple(step for step in STEPS if step.name not in ("clean", "enrich"))
SPREAD = timedelta(days=6)
DIGIT_LETTERS = "ابتثجحخدذر"  # the round as a word titles keep (digits are not title tokens)
RARE_PAGES = 2


@dataclass
class StateResult:
    pages: int
    seconds: float
    pool_pages: int
    bytes_per_page: dict[str, float]
    entries: dict[str, int]
    reached_target: bool
    # (pages fed, bytes per page over every table but the catalogs) along the way
    growth: list[tuple[int, float]]


@dataclass(frozen=True)
class Pool:
    pages: list[list[EnrichedArticle]]  # each page's enriched articles (one that embeds another: two)
    # What dedup keeps of each article, by id: its sketch is costly, so computed once.
    summaries: dict[str, dedup.Summary]
    # Entity keys and keywords at most RARE_PAGES pages name: new names in every round.
    rare: frozenset[str]


def enrich_pool(pages: Iterable[Page]) -> Pool:
    clean_step, enrich_step = (next(s for s in STEPS if s.name == name) for name in ("clean", "enrich"))
    ctx = new_pipeline(()).ctx
    enriched_pages = []
    for page in pages:
        _, cleaned = clean_step(None, Message(page.key, page.value, None), ctx)
        articles = []
        for emit in cleaned:
            if emit.topic != CLEAN:
                continue  # a dead letter: nothing reaches the state
            _, enriched = enrich_step(None, Message(emit.key.encode(), encode(emit.value), None), ctx)
            articles += [e.value for e in enriched if e.topic == ENRICHED]
        if articles:
            enriched_pages.append(articles)
    summaries = {a.article_id: dedup.summarize(a) for articles in enriched_pages for a in articles}
    named = Counter(name for articles in enriched_pages for name in set().union(*map(_names, articles)))
    rare = frozenset(name for name, pages in named.items() if pages <= RARE_PAGES)
    return Pool(enriched_pages, summaries, rare)


def _names(article: EnrichedArticle) -> set[str]:
    return {e.key for e in article.entities} | set(article.keywords)


def derive(article: EnrichedArticle, round_: int, at: datetime, pool: Pool) -> list[tuple[str, Message]]:
    """The pool ``article`` as round ``round_`` publishes it: what enrich would send for it."""
    marker = "".join(DIGIT_LETTERS[int(d)] for d in str(round_))
    salt = xxhash.xxh32_intdigest(str(round_).encode())
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    near = (np.array(article.fingerprints.near, dtype="<u4") ^ np.uint32(salt)).tolist()
    exact = xxhash.xxh3_64_hexdigest(f"{article.fingerprints.exact}:{round_}".encode())
    new = dataclasses.replace(
        article,
        article_id=f"{article.article_id}.r{round_}",
        parent_id=article.parent_id and f"{article.parent_id}.r{round_}",
        url=article.url and f"{article.url}.r{round_}",
        published_at=stamp,
        fetched_at=None,
        title=article.title and f"{article.title} {marker}",
        related_headlines=[f"{headline} {marker}" for headline in article.related_headlines],
        entities=[
            dataclasses.replace(e, key=f"{e.key}.r{round_}") if e.key in pool.rare else e
            for e in article.entities
        ],
        keywords=[f"{k} {marker}" if k in pool.rare else k for k in article.keywords],
        fingerprints=Fingerprints(exact=exact, near=near),
        content_signature=_salted_signature(article.content_signature, round_),
    )
    summary = pool.summaries[article.article_id]
    summary = {
        **summary,
        "id": new.article_id,
        "published_at": stamp,
        "observed_at": stamp,
        "url": dedup.url_key(new.url),
        "exact": exact,
        "sketch": _salted_sketch(summary["sketch"], salt),
    }
    admit = dedup.admit(new, summary=summary)
    return [
        (ENRICHED, Message(new.article_id.encode(), encode(new), None)),
        (admit.topic, Message(admit.key.encode(), encode(admit.value), None)),
    ]


def _salted_signature(signature: str | None, round_: int) -> str | None:
    """The content signature XORed with a mask of the round: pairs within a round keep their
    distance (their cosine), pairs across rounds look unrelated, as different news would."""
    if not signature:
        return signature
    raw = base64.b64decode(signature)
    mask = np.frombuffer(
        xxhash.xxh3_128_digest(f"sig:{round_}".encode()) * (len(raw) // 16 + 1), dtype=np.uint8
    )
    salted = np.frombuffer(raw, dtype=np.uint8) ^ mask[: len(raw)]
    return base64.b64encode(salted.tobytes()).decode("ascii")


def _salted_sketch(encoded: str, salt: int) -> str:
    values = np.frombuffer(base64.b64decode(encoded), dtype="<u4") ^ np.uint32(salt)
    return base64.b64encode(np.sort(values).astype("<u4").tobytes()).decode("ascii")


def measure_state(
    pool: Pool,
    target_pages: int,
    budget_s: float,
    skip_tables: frozenset[str] = frozenset(),
    checkpoints: int = 10,
) -> StateResult:
    """Feed derived pages until ``target_pages`` or ``budget_s``; table bytes per page at the end.

    ``growth`` holds the bytes per page (tables in ``skip_tables`` left out) at
    ``checkpoints`` points on the way, to show whether it levels off.
    """
    pipeline = new_pipeline(STATE_STEPS)
    step = SPREAD / max(target_pages, 1)
    every = max(target_pages // checkpoints, 1)
    growth: list[tuple[int, float]] = []
    fed = 0
    started = time.perf_counter()
    gc.disable()  # the steps make no reference cycles: the collector would only walk the tables
    try:
        while fed < target_pages and time.perf_counter() - started < budget_s:
            round_, index = divmod(fed, len(pool.pages))
            at = START + step * fed
            messages = [m for article in pool.pages[index] for m in derive(article, round_, at, pool)]
            for _ in pipeline.feed_messages(messages):
                pass
            fed += 1
            if fed % every == 0 and fed < target_pages:
                growth.append((fed, _bytes_per_page(table_bytes(pipeline), fed, skip_tables)))
    finally:
        gc.enable()
    sizes = table_bytes(pipeline)
    growth.append((fed, _bytes_per_page(sizes, fed, skip_tables)))
    return StateResult(
        pages=fed,
        seconds=time.perf_counter() - started,
        pool_pages=len(pool.pages),
        bytes_per_page={name: round(size / max(fed, 1), 1) for name, size in sizes.items()},
        entries={name: len(table) for name, table in pipeline.tables.items()},
        reached_target=fed >= target_pages,
        growth=growth,
    )


def _bytes_per_page(sizes: dict[str, int], pages: int, skip: frozenset[str]) -> float:
    return round(sum(size for name, size in sizes.items() if name not in skip) / max(pages, 1), 1)
