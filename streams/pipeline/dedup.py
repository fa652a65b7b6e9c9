"""Deduplication: which articles tell a story that was already published.

A *story* is a connected group of articles linked by verified edges: the same
matching form (``exact``), the same URL (``revision``), or a verified word
shingle Jaccard at or above ``DedupConfig.near_threshold`` (``near``). Its
canonical is the member that sorts first by ``(published_at, article_id)``.
Both are functions of the set of articles alone, so every arrival order and
every partitioning gives the same stories: the state only has to converge.

State is partitioned on two kinds of key, each an explicit transition over
plain JSON values, so a Faust table and ``newsflow process`` (a dict) hold it
alike and a worker never needs another partition's state:

* a **bucket** (``dedup.buckets`` keyed by bucket key): the articles that share
  an exact fingerprint (``x:``), a URL (``u:``) or one MinHash-LSH band
  (``b<i>:``). It only remembers ids and answers "who else is here";
* a **node** (``dedup.nodes`` keyed by article id): one article's summary
  (matching-form hashes, a bounded shingle sketch), its verified neighbours
  and the canonical of its story as far as it knows.

Message flow (every arrow is one message on a through-topic)::

    articles.enriched ─admit─▶ node(A)          summary + bucket keys
    node(A) ─join─▶ bucket(k)                    for each exact / url / band key
    bucket(k) ─candidates─▶ node(A)              ids already in the bucket
    node(A) ─verify─▶ node(C)                    A's summary (sketch) and story
    node(C) ─verified─▶ node(A)                  real Jaccard; linked or not; C's story
    node(X) ─story─▶ node(Y)                     a smaller canonical, along edges
    node(X) ─▶ articles.verdicts / .duplicates   keyed by article id (compacted: latest wins)
    node(A) ─▶ articles.unique                   A's record, once, if its first verdict is unique

The canonical is the minimum propagated along edges (label propagation: it
only ever decreases, so it converges with no lock and no global partition).
A new article waits for all its buckets and verifications before it gives its
first verdict; later a backfill (an earlier member arriving) makes every
member's story smaller and each of them publishes its changed verdict.

``Deduplicator`` runs the same transitions in one process, with dicts.
"""

from __future__ import annotations

import base64
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

import numpy as np
import orjson
import xxhash

from streams.pipeline.errors import PipelineError
from streams.records import EnrichedArticle, Fingerprints, Verdict
from streams.text import fold_inner_vowels, match_tokens

NODES_TOPIC = "dedup.nodes"
BUCKETS_TOPIC = "dedup.buckets"

BucketState = dict[str, Any]
NodeState = dict[str, Any]
Summary = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """The knobs, with the defaults measured on SaudiNewsNet (``scripts/eval_dedup.py``).

    ``num_perm = bands * rows``. With 16 bands of 4 rows a pair is a candidate
    with probability 0.90 at Jaccard 0.6 and 0.9998 at 0.8 (the 0.8-tuned
    banding the issue measured missed a pair at 0.87); candidates are then
    verified on the shingle sketch, so a loose banding only costs messages.
    """

    shingle_size: int = 5
    bands: int = 16
    rows: int = 4
    # Verified Jaccard at or above which two articles are linked as one story.
    near_threshold: float = 0.7
    # Or: the shorter keeps at least half the longer and this share of its shingles
    # is in the longer (a re-post with a paragraph dropped, cut short or extended).
    containment_threshold: float = 0.9
    containment_min_ratio: float = 0.5
    containment_min_shingles: int = 20
    # Shingle hashes kept per article (bottom-k): the Jaccard is exact when both
    # articles have at most this many shingles, a k-sample estimate beyond.
    sketch_size: int = 512
    # How long buckets and nodes remember an article (by its fetched_at).
    window_days: float = 7.0
    # A bucket answers with at most this many members (earliest first); buckets
    # that large are boilerplate, and exact buckets answer with one member anyway.
    max_candidates: int = 64
    seed: int = 1

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


DEFAULT_CONFIG = DedupConfig()


# --- signatures -------------------------------------------------------------

_MASK64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _permutations(config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Multiply-add hash functions (mod 2**64, top 32 bits kept): stable across versions."""
    seeds = [_splitmix64(config.seed * 1_000_003 + i) for i in range(2 * config.num_perm)]
    multipliers = np.array([s | 1 for s in seeds[: config.num_perm]], dtype=np.uint64)
    offsets = np.array(seeds[config.num_perm :], dtype=np.uint64)
    return multipliers, offsets


_PERMUTATIONS: dict[DedupConfig, tuple[np.ndarray, np.ndarray]] = {}


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """64-bit hashes of the word ``size``-grams of ``tokens`` (one gram if the text is shorter).

    Each token is hashed once; a gram's hash is a polynomial of its tokens'
    hashes, finished by a mixing multiply, so this is numpy, not a Python loop
    over grams.
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    token_hashes = np.fromiter(
        (xxhash.xxh3_64_intdigest(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens)
    )
    width = min(size, len(tokens))
    count = len(tokens) - width + 1
    grams = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        grams = grams * np.uint64(0x100000001B3) + token_hashes[offset : offset + count]
    grams ^= grams >> np.uint64(29)
    grams *= np.uint64(0xBF58476D1CE4E5B9)
    return grams ^ (grams >> np.uint64(32))


def near_tokens(text: str) -> tuple[list[str], list[str]]:
    """The body's matching-form tokens, and the same with inner long vowels folded.

    The first gives the ``exact`` fingerprint (only spelling that cannot change a
    word is folded); the second the shingles, where ``الأمريكي`` / ``الأميركي`` and
    ``ديميتري`` / ``دميتري`` must meet.
    """
    tokens = match_tokens(text)
    return tokens, [fold_inner_vowels(t) for t in tokens]


def exact_hash(tokens: list[str]) -> str:
    return xxhash.xxh3_128_hexdigest(" ".join(tokens).encode())


def minhash(hashes: np.ndarray, config: DedupConfig = DEFAULT_CONFIG) -> list[int]:
    """``num_perm`` 32-bit minimums of the shingle hashes; ``[]`` for an empty text."""
    if hashes.size == 0:
        return []
    if config not in _PERMUTATIONS:
        _PERMUTATIONS[config] = _permutations(config)
    multipliers, offsets = _PERMUTATIONS[config]
    permuted = (hashes[:, None] * multipliers[None, :] + offsets[None, :]) >> np.uint64(32)
    return [int(v) for v in permuted.min(axis=0)]


def fingerprints(text: str, config: DedupConfig = DEFAULT_CONFIG) -> Fingerprints:
    """``exact``: hash of the body's matching form. ``near``: its MinHash signature."""
    tokens, folded = near_tokens(text)
    near = minhash(shingle_hashes(folded, config.shingle_size), config)
    return Fingerprints(exact=exact_hash(tokens), near=near)


def band_keys(prints: Fingerprints, config: DedupConfig = DEFAULT_CONFIG) -> list[str]:
    """One Kafka key per LSH band: two articles sharing a key are candidates.

    ``b03:1f2e...``: the band number, then a hash of that band's rows. An empty
    text has no signature and so no band.
    """
    if not prints.near:
        return []
    if len(prints.near) != config.num_perm:
        raise PipelineError(
            "fingerprint_mismatch",
            "dedup",
            f"near signature has {len(prints.near)} values, DedupConfig wants {config.num_perm}:"
            " enrich and dedup must run with the same bands and rows",
        )
    signature = np.array(prints.near, dtype="<u4")
    keys = []
    for band in range(config.bands):
        rows = signature[band * config.rows : (band + 1) * config.rows].tobytes()
        keys.append(f"b{band:02d}:{xxhash.xxh3_64_hexdigest(rows)}")
    return keys


def exact_key(exact: str) -> str:
    return f"x:{exact}"


# A re-post cut short or extended keeps the story's opening words, though its
# Jaccard with the whole may be too low for the LSH bands to bring the two together.
OPENING_TOKENS = 24


def opening_key(folded: list[str]) -> str | None:
    """``o:<hash>`` of the body's first ``OPENING_TOKENS`` words; ``None`` for a shorter body."""
    if len(folded) < OPENING_TOKENS:
        return None
    return f"o:{xxhash.xxh3_64_hexdigest(' '.join(folded[:OPENING_TOKENS]).encode())}"


def url_key(url: str | None) -> str | None:
    return f"u:{xxhash.xxh3_64_hexdigest(url.strip().encode())}" if url else None


def sketch(hashes: np.ndarray, size: int) -> str:
    """The ``size`` smallest distinct shingle hashes (top 32 bits), base64 of little-endian uint32."""
    values = np.unique((hashes >> np.uint64(32)).astype("<u4"))[:size]
    return base64.b64encode(values.tobytes()).decode("ascii")


def _sketch_values(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype="<u4")


def sketch_jaccard(a: str, b: str, size: int) -> float:
    """Jaccard of two articles' shingle sets from their bottom-k sketches.

    Exact when both sets fit in the sketch; otherwise the bottom-k estimator:
    the share of the union's ``size`` smallest hashes that both sets hold.
    """
    va, vb = _sketch_values(a), _sketch_values(b)
    if va.size == 0 or vb.size == 0:
        return 0.0
    union = np.union1d(va, vb)[:size]
    both = np.intersect1d(va, vb, assume_unique=True)
    shared = int(np.searchsorted(both, union[-1], side="right"))
    return round(shared / union.size, 4)


# --- summaries and messages ------------------------------------------------------


class Send(NamedTuple):
    """One message to a through-topic: ``NODES_TOPIC`` (key: article id) or ``BUCKETS_TOPIC``."""

    topic: str
    key: str
    value: dict[str, Any]


def summarize(article: EnrichedArticle, config: DedupConfig = DEFAULT_CONFIG) -> Summary:
    """What dedup keeps of an article: ids, times, hashes and the shingle sketch.

    The sketch is recomputed from ``text`` (the signature in
    ``article.fingerprints.near`` is not enough to verify a pair).
    """
    tokens, folded = near_tokens(article.text)
    hashes = shingle_hashes(folded, config.shingle_size)
    return {
        "id": article.article_id,
        "published_at": article.published_at,
        "observed_at": article.fetched_at or article.published_at,
        "url": url_key(article.url),
        "exact": exact_hash(tokens),
        "sketch": sketch(hashes, config.sketch_size),
        "shingles": int(np.unique(hashes).size),
        "opening": opening_key(folded),
        "empty": not tokens,
    }


def admit(
    article: EnrichedArticle, config: DedupConfig = DEFAULT_CONFIG, summary: Summary | None = None
) -> Send:
    """The message that brings an enriched article into dedup (keyed by its id).

    ``summary`` is ``summarize(article)`` when the caller has it already.
    """
    summary = summary or summarize(article, config)
    keys: list[str] = []
    if not summary["empty"]:  # an empty body meets no other article
        url = [summary["url"]] if summary["url"] else []
        opening = [summary["opening"]] if summary.get("opening") else []
        keys = [exact_key(summary["exact"]), *url, *opening, *band_keys(article.fingerprints, config)]
    # The record rides along (and waits in the node) until the first verdict,
    # so the node can publish it on ``articles.unique`` if it leads a story.
    value = {"type": "admit", "article": summary, "keys": keys, "record": article}
    return Send(NODES_TOPIC, article.article_id, value)


def story_order(summary: Summary) -> tuple[str, str]:
    """Canonical order: earliest ``published_at`` (undated last), then ``article_id``."""
    return (summary["published_at"] or "\uffff", summary["id"])


def _story_ref(summary: Summary) -> Summary:
    ref = {k: summary[k] for k in ("id", "published_at", "url", "exact", "sketch")}
    if "shingles" in summary:  # summaries from before containment have no size
        ref["shingles"] = summary["shingles"]
    return ref


# --- buckets: who shares a key ---------------------------------------------------


def observe_bucket(
    state: BucketState | None, message: dict[str, Any], config: DedupConfig = DEFAULT_CONFIG
) -> tuple[BucketState, list[Send]]:
    """A ``join`` arrives at bucket ``message["bucket"]``: remember the member, name the others.

    An exact bucket names only its earliest member (every member is the same
    text, so one edge joins the story); URL and band buckets name up to
    ``max_candidates`` members, earliest first. Re-joining is harmless.
    """
    members: dict[str, list[Any]] = dict((state or {}).get("members", {}))
    member = message["member"]
    members[member["id"]] = [member["published_at"], member["observed_at"]]
    others = sorted(
        ({"published_at": p, "id": i} for i, (p, _) in members.items() if i != member["id"]),
        key=story_order,
    )
    limit = 1 if message["bucket"].startswith("x:") else config.max_candidates
    reply = {"type": "candidates", "bucket": message["bucket"], "ids": [o["id"] for o in others[:limit]]}
    return {"members": members}, [Send(NODES_TOPIC, member["id"], reply)]


# --- nodes: one article, its edges, its story ------------------------------------


class NodeResult(NamedTuple):
    """A node transition's outcome. ``first_of_story``: the article record to
    publish on ``articles.unique`` (given once, when its first verdict says unique)."""

    state: NodeState | None
    sends: list[Send]
    verdicts: list[Verdict]
    first_of_story: tuple[Any, ...] = ()


def on_node_message(
    state: NodeState | None, message: dict[str, Any], config: DedupConfig = DEFAULT_CONFIG
) -> NodeResult:
    """Apply one ``dedup.nodes`` message to the node it is keyed by."""
    handler = _NODE_HANDLERS[message["type"]]
    return handler(state, message, config)


def _admit(state: NodeState | None, message: dict[str, Any], config: DedupConfig) -> NodeResult:
    article = message["article"]
    if state is not None and state["article"]["exact"] == article["exact"]:
        # Re-delivery: nothing changes; say again what was said. A node still
        # waiting asks again whoever has not answered: after a crash, the first
        # asks may never have left (asking twice is harmless, answers are matched).
        if state["decided"]:
            return NodeResult(state, [], [_verdict(state, config)])
        return NodeResult(state, _asks(state, state["awaiting"]), [])
    if state is None:
        state = {
            "article": article,
            "story": None,
            "neighbors": {},
            "checked": [],
            "awaiting": [],
            "decided": False,
            "revised": False,
        }
    else:
        # Revision: same id, new body. Edges found for the old body stay (the
        # story only ever grows, which keeps it order-independent); the new body
        # looks for its own candidates. Order keeps the first published_at.
        kept = {"id": state["article"]["id"], "published_at": state["article"]["published_at"]}
        state = {**state, "article": {**article, **kept}, "revised": True, "decided": False}
    state["record"] = message["record"]
    tokens = [f"b:{key}" for key in message["keys"]]
    state["awaiting"] = sorted(set(state["awaiting"]) | set(tokens))
    return _settle(state, _asks(state, tokens), [], config)


def _asks(state: NodeState, tokens: Iterable[str]) -> list[Send]:
    """The messages that ask for the awaited answers: ``b:<bucket>`` joins, ``v:<id>`` verifies."""
    me = state["article"]
    member = {k: me[k] for k in ("id", "published_at", "observed_at")}
    sends = []
    for token in tokens:
        kind, target = token.split(":", 1)
        if kind == "b":
            sends.append(Send(BUCKETS_TOPIC, target, {"type": "join", "bucket": target, "member": member}))
        else:
            value = {"type": "verify", "to": target, "from": _story_ref(me), "story": _story(state)}
            sends.append(Send(NODES_TOPIC, target, value))
    return sends


def _candidates(state: NodeState | None, message: dict[str, Any], config: DedupConfig) -> NodeResult:
    if state is None:  # expired meanwhile
        return NodeResult(None, [], [])
    token = f"b:{message['bucket']}"
    if token not in state["awaiting"]:
        return NodeResult(state, [], [])  # an answer heard before (a re-delivery)
    checked = set(state["checked"])
    new = [other for other in message["ids"] if other != state["article"]["id"] and other not in checked]
    asks = [f"v:{other}" for other in new]
    awaiting = (set(state["awaiting"]) - {token}) | set(asks)
    state = {**state, "checked": sorted(checked | set(new)), "awaiting": sorted(awaiting)}
    return _settle(state, _asks(state, asks), [], config)


def _verify(state: NodeState | None, message: dict[str, Any], config: DedupConfig) -> NodeResult:
    asker = message["from"]
    if state is None:  # expired meanwhile: no link
        reply = {
            "type": "verified",
            "from": message.get("to"),
            "similarity": 0.0,
            "rule": None,
            "story": None,
        }
        return NodeResult(None, [Send(NODES_TOPIC, asker["id"], reply)], [])
    similarity, rule = link_rule(state["article"], asker, config)
    sends: list[Send] = []
    verdicts: list[Verdict] = []
    if rule is not None:
        state = _add_neighbor(state, asker["id"], similarity, rule)
        state, sends, verdicts = _learn_story(state, message["story"], asker["id"], config)
    reply = {
        "type": "verified",
        "from": state["article"]["id"],
        "similarity": similarity,
        "rule": rule,
        "story": _story(state),
    }
    return NodeResult(state, [Send(NODES_TOPIC, asker["id"], reply), *sends], verdicts)


def _verified(state: NodeState | None, message: dict[str, Any], config: DedupConfig) -> NodeResult:
    if state is None:
        return NodeResult(None, [], [])
    state = {**state, "awaiting": [t for t in state["awaiting"] if t != f"v:{message['from']}"]}
    sends: list[Send] = []
    verdicts: list[Verdict] = []
    if message["rule"] is not None:
        other = message["from"]
        state = _add_neighbor(state, other, message["similarity"], message["rule"])
        if story_order(_story(state)) < story_order(message["story"]):
            # Our story got smaller after we asked: the new neighbour must hear it.
            sends.append(
                Send(
                    NODES_TOPIC,
                    other,
                    {"type": "story", "from": state["article"]["id"], "story": _story(state)},
                )
            )
        else:
            state, more, verdicts = _learn_story(state, message["story"], other, config)
            sends += more
    return _settle(state, sends, verdicts, config)


def _story_message(state: NodeState | None, message: dict[str, Any], config: DedupConfig) -> NodeResult:
    if state is None:
        return NodeResult(None, [], [])
    return NodeResult(*_learn_story(state, message["story"], message["from"], config))


_NODE_HANDLERS = {
    "admit": _admit,
    "candidates": _candidates,
    "verify": _verify,
    "verified": _verified,
    "story": _story_message,
}


def link_rule(a: Summary, b: Summary, config: DedupConfig = DEFAULT_CONFIG) -> tuple[float, str | None]:
    """The verified similarity of two articles and the rule that links them (``None``: no link).

    Symmetric, so it does not matter which of the two nodes checks. Empty
    bodies link to nothing, not even to each other.
    """
    if a.get("empty") or b.get("empty") or not a["sketch"] or not b["sketch"]:
        return 0.0, None
    if a["exact"] == b["exact"]:
        return 1.0, "exact_fingerprint"
    similarity = sketch_jaccard(a["sketch"], b["sketch"], config.sketch_size)
    if a["url"] is not None and a["url"] == b["url"]:
        return similarity, "same_url"
    if similarity >= config.near_threshold:
        return similarity, "near_jaccard"
    if containment(a, b, similarity, config) >= config.containment_threshold:
        return similarity, "near_containment"
    return similarity, None


def containment(a: Summary, b: Summary, jaccard: float, config: DedupConfig = DEFAULT_CONFIG) -> float:
    """The share of the shorter article's shingles that the longer one holds.

    From the Jaccard and the two set sizes (``|A ∩ B| = J (|A| + |B|) / (1 + J)``),
    so it is exact where the Jaccard is. 0 when the shorter holds less than
    ``containment_min_ratio`` of the longer: a paragraph quoted in a long piece is
    not a re-post of it, and a text of a line or two is too short to tell.
    """
    sizes = sorted((a.get("shingles") or 0, b.get("shingles") or 0))
    if sizes[0] < max(config.containment_min_shingles, config.containment_min_ratio * sizes[1]):
        return 0.0
    shared = jaccard * (sizes[0] + sizes[1]) / (1 + jaccard)
    return round(min(shared / sizes[0], 1.0), 4)


def _story(state: NodeState) -> Summary:
    return state["story"] or _story_ref(state["article"])


def _add_neighbor(state: NodeState, other: str, similarity: float, rule: str) -> NodeState:
    neighbors = {**state["neighbors"], other: [similarity, rule]}
    checked = state["checked"] if other in state["checked"] else sorted([*state["checked"], other])
    return {**state, "neighbors": neighbors, "checked": checked}


def _learn_story(
    state: NodeState, story: Summary, source: str | None, config: DedupConfig
) -> tuple[NodeState, list[Send], list[Verdict]]:
    """Adopt ``story`` if it sorts before ours; tell every other neighbour; re-judge."""
    if story_order(story) >= story_order(_story(state)):
        return state, [], []
    own = story["id"] == state["article"]["id"]
    state = {**state, "story": None if own else story}
    sends = [
        Send(NODES_TOPIC, n, {"type": "story", "from": state["article"]["id"], "story": story})
        for n in sorted(state["neighbors"])
        if n != source
    ]
    return state, sends, [_verdict(state, config)] if state["decided"] else []


def _settle(state: NodeState, sends: list[Send], verdicts: list[Verdict], config: DedupConfig) -> NodeResult:
    """Give the first verdict once every bucket and verification has answered."""
    if state["awaiting"] or state["decided"]:
        return NodeResult(state, sends, verdicts)
    record = state.get("record")
    state = {k: v for k, v in state.items() if k != "record"} | {"decided": True}
    verdict = _verdict(state, config)
    first = (record,) if verdict.status == "unique" and record is not None else ()
    return NodeResult(state, sends, [*verdicts, verdict], first)


def _verdict(state: NodeState, config: DedupConfig) -> Verdict:
    me = state["article"]
    story = state["story"]
    if story is None:
        revised = state["revised"]
        rule = "empty_body" if me["empty"] else ("revision" if revised else "first_of_story")
        return Verdict(
            article_id=me["id"],
            status="unique",
            duplicate_of=None,
            kind="revision" if revised else None,
            similarity=None,
            story_id=me["id"],
            rule=rule,
            published_at=me["published_at"],
        )
    similarity, direct_rule = link_rule(me, story, config)
    # Below the threshold the article joined the story through another member.
    rule = direct_rule or "near_via_story"
    kinds: dict[str, Literal["exact", "revision", "containment"]] = {
        "exact_fingerprint": "exact",
        "same_url": "revision",
        "near_containment": "containment",
    }
    kind: Literal["exact", "near", "revision", "containment"] = kinds.get(rule, "near")
    return Verdict(
        article_id=me["id"],
        status="duplicate",
        duplicate_of=story["id"],
        kind=kind,
        similarity=similarity,
        story_id=story["id"],
        rule=rule,
        published_at=me["published_at"],
    )


# --- expiry ----------------------------------------------------------------------


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _expired(observed_at: str | None, cutoff: datetime) -> bool:
    moment = _instant(observed_at)
    return moment is not None and moment < cutoff


def _cutoff(now: datetime, config: DedupConfig) -> datetime:
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return now - timedelta(days=config.window_days)


def expire_bucket(
    state: BucketState, now: datetime, config: DedupConfig = DEFAULT_CONFIG
) -> BucketState | None:
    """Drop members seen before the window; ``None`` when the bucket is empty (delete the key)."""
    cutoff = _cutoff(now, config)
    members = {i: m for i, m in state["members"].items() if not _expired(m[1], cutoff)}
    return {"members": members} if members else None


def expire_node(state: NodeState, now: datetime, config: DedupConfig = DEFAULT_CONFIG) -> NodeState | None:
    """``None`` (delete the key) when the article was seen before the window.

    Undated articles never expire here; give them a ``fetched_at`` upstream. A node
    still waiting for its first verdict is kept, or its answers would never come.
    """
    if not state.get("decided"):
        return state
    return None if _expired(state["article"]["observed_at"], _cutoff(now, config)) else state


# --- in-process -------------------------------------------------------------------


class Deduplicator:
    """All dedup state in two dicts; the same transitions as the workers, FIFO order.

    ``roundtrip=True`` passes every message and state through orjson, as the
    topics and tables do, to prove the transitions need nothing else. With a
    ``shuffle`` random source, ``run`` takes pending messages in random order,
    as workers on many partitions would (tests use it to prove convergence).
    """

    def __init__(
        self,
        config: DedupConfig = DEFAULT_CONFIG,
        *,
        roundtrip: bool = False,
        shuffle: random.Random | None = None,
    ):
        self.config = config
        self.roundtrip = roundtrip
        self.shuffle = shuffle
        self.nodes: dict[str, NodeState] = {}
        self.buckets: dict[str, BucketState] = {}
        self.messages = 0
        # What the workers would publish on ``articles.unique``, in order.
        self.first_of_story: list[Any] = []

    def process(self, article: EnrichedArticle) -> list[Verdict]:
        """Every verdict the article causes (its own first, or changed ones of others)."""
        return self.run([admit(article, self.config)])

    def run(self, sends: Iterable[Send]) -> list[Verdict]:
        queue = deque(sends)
        verdicts: list[Verdict] = []
        while queue:
            if self.shuffle is not None:
                queue.rotate(-self.shuffle.randrange(len(queue)))
            topic, key, value = queue.popleft()
            self.messages += 1
            if self.roundtrip:
                value = orjson.loads(orjson.dumps(value))
            if topic == BUCKETS_TOPIC:
                state, out = observe_bucket(self.buckets.get(key), value, self.config)
                self.buckets[key] = self._stored(state)
            else:
                state, out, new, first = on_node_message(self.nodes.get(key), value, self.config)
                verdicts += new
                self.first_of_story += first
                if state is not None:
                    self.nodes[key] = self._stored(state)
            queue.extend(out)
        return verdicts

    def _stored(self, state: dict[str, Any]) -> dict[str, Any]:
        return orjson.loads(orjson.dumps(state)) if self.roundtrip else state

    def expire(self, now: datetime) -> None:
        for table, expire in ((self.nodes, expire_node), (self.buckets, expire_bucket)):
            for key in list(table):
                kept = expire(table[key], now, self.config)
                if kept is None:
                    del table[key]
                else:
                    table[key] = kept

    def verdict(self, article_id: str) -> Verdict | None:
        state = self.nodes.get(article_id)
        return _verdict(state, self.config) if state and state["decided"] else None

    def stories(self) -> dict[str, str]:
        """article id -> story id (its canonical), for every article held."""
        return {aid: _story(state)["id"] for aid, state in self.nodes.items()}

    def state_bytes(self) -> dict[str, int]:
        """orjson-encoded size of the node and bucket tables (keys included)."""
        return {
            name: sum(len(k) + len(orjson.dumps(v)) for k, v in table.items())
            for name, table in (("nodes", self.nodes), ("buckets", self.buckets))
        }


# --- exact-only step (kept until steps.py routes through nodes and buckets) --------
