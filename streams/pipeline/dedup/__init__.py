"""Deduplication: which articles tell a story that was already published.

A *story* is a connected group of articles linked by verified edges: the same
matching form (``exact``), the same URL (``revision``), a verified word
shingle Jaccard at or above ``DedupConfig.near_threshold`` (``near``), or one
article holding most of the other's shingles (``containment``: a re-post cut
short or extended). Its canonical is the member that sorts first by
``(published_at, article_id)``.
Both are functions of the set of articles alone, so every arrival order and
every partitioning gives the same stories: the state only has to converge.

State is partitioned on two kinds of key, each an explicit transition over
plain JSON values, so a Faust table and ``newsflow process`` hold it alike and
a worker never needs another partition's state:

* a **bucket** (``buckets.py``, keyed by bucket key): the articles that share an
  exact fingerprint (``x:``), a URL (``u:``), their opening words (``o:``) or one
  MinHash-LSH band (``b<i>:``);
* a **node** (``nodes.py``, keyed by article id): one article's summary
  (matching-form hashes, a bounded shingle sketch), its verified neighbours and
  the canonical of its story as far as it knows.

Message flow (``messages.py``; every arrow crosses a key, so a through-topic)::

    enrich ─admit─▶ node(A)                      summary + bucket keys
    node(A) ─join─▶ bucket(k)                    for each exact / url / opening / band key
    bucket(k) ─candidates─▶ node(A)              ids already in the bucket
    node(A) ─verify─▶ node(C)                    A's summary (sketch) and story
    node(C) ─verified─▶ node(A)                  real Jaccard; linked or not; C's story
    node(X) ─story─▶ node(Y)                     a smaller canonical, along edges
    node(X) ─▶ articles.verdicts / .duplicates   keyed by article id (compacted: latest wins)

``signatures.py`` turns a text into fingerprints and a sketch (once per
article); ``expiry.py`` forgets what left the window.
"""

from streams.pipeline.dedup.buckets import BucketState, observe_bucket
from streams.pipeline.dedup.config import DEFAULT_CONFIG, DedupConfig
from streams.pipeline.dedup.expiry import expire_bucket, expire_node
from streams.pipeline.dedup.messages import (
    BUCKETS_TOPIC,
    NODES_TOPIC,
    Send,
    Summary,
    admit,
    story_order,
    summarize,
)
from streams.pipeline.dedup.nodes import (
    NodeResult,
    NodeState,
    containment,
    link_rule,
    on_node_message,
    story_of,
    verdict_of,
)
from streams.pipeline.dedup.signatures import (
    TextSignature,
    analyse,
    band_keys,
    exact_key,
    fingerprints,
    minhash,
    near_tokens,
    shingle_hashes,
    sketch,
    sketch_jaccard,
    url_key,
)

__all__ = [
    "BUCKETS_TOPIC",
    "DEFAULT_CONFIG",
    "NODES_TOPIC",
    "BucketState",
    "DedupConfig",
    "NodeResult",
    "NodeState",
    "Send",
    "Summary",
    "TextSignature",
    "admit",
    "analyse",
    "band_keys",
    "containment",
    "exact_key",
    "expire_bucket",
    "expire_node",
    "fingerprints",
    "link_rule",
    "minhash",
    "near_tokens",
    "observe_bucket",
    "on_node_message",
    "shingle_hashes",
    "sketch",
    "sketch_jaccard",
    "story_of",
    "story_order",
    "summarize",
    "url_key",
    "verdict_of",
]
