"""The messages dedup's nodes and buckets exchange, as typed records.

They travel as JSON objects (on the through-topics, or in memory within a
batch), so they are ``TypedDict``s: a type checker knows their fields, and
nothing converts them on the way.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, TypedDict

from streams.pipeline.dedup.config import DEFAULT_CONFIG, DedupConfig
from streams.pipeline.dedup.signatures import TextSignature, analyse, band_keys, exact_key, url_key
from streams.records import EnrichedArticle

NODES_TOPIC = "dedup.nodes"  # keyed by article id
BUCKETS_TOPIC = (
    "dedup.buckets"  # keyed by bucket: ``x:`` exact hash, ``u:`` URL, ``o:`` opening, ``bNN:`` band
)


class Summary(TypedDict):
    """What dedup keeps of an article: ids, times, hashes and the shingle sketch."""

    id: str
    published_at: str | None
    observed_at: str | None
    url: str | None
    exact: str
    sketch: str
    shingles: int
    opening: str | None
    empty: bool


class StoryRef(TypedDict):
    """A story as its members know it: its canonical article's summary (no ``observed_at``)."""

    id: str
    published_at: str | None
    url: str | None
    exact: str
    sketch: str
    shingles: int


class Member(TypedDict):
    id: str
    published_at: str | None
    observed_at: str | None


class Admit(TypedDict):
    type: Literal["admit"]
    article: Summary
    keys: list[str]


class Join(TypedDict):
    type: Literal["join"]
    bucket: str
    member: Member


class Candidates(TypedDict):
    type: Literal["candidates"]
    bucket: str
    ids: list[str]


# ``from`` is a Python keyword: the functional form is the only way to name the field.
Verify = TypedDict("Verify", {"type": Literal["verify"], "to": str, "from": StoryRef, "story": StoryRef})
Verified = TypedDict(
    "Verified",
    {
        "type": Literal["verified"],
        "from": str | None,
        "similarity": float,
        "rule": str | None,
        "story": StoryRef | None,
    },
)
StoryUpdate = TypedDict("StoryUpdate", {"type": Literal["story"], "from": str, "story": StoryRef})

NodeMessage = Admit | Candidates | Verify | Verified | StoryUpdate
BucketMessage = Join


class Send(NamedTuple):
    """One message to a through-topic: ``NODES_TOPIC`` (key: article id) or ``BUCKETS_TOPIC``."""

    topic: str
    key: str
    value: NodeMessage | BucketMessage


def summarize(
    article: EnrichedArticle, config: DedupConfig = DEFAULT_CONFIG, signature: TextSignature | None = None
) -> Summary:
    """What dedup keeps of ``article``; ``signature`` is ``analyse(article.text)`` when the caller has it.

    The sketch comes from the text: the signature in ``article.fingerprints.near``
    is not enough to verify a pair.
    """
    signature = signature or analyse(article.text, config)
    return {
        "id": article.article_id,
        "published_at": article.published_at,
        "observed_at": article.fetched_at or article.published_at,
        "url": url_key(article.url),
        "exact": signature.fingerprints.exact,
        "sketch": signature.sketch,
        "shingles": signature.shingles,
        "opening": signature.opening,
        "empty": signature.empty,
    }


def admit(
    article: EnrichedArticle, config: DedupConfig = DEFAULT_CONFIG, summary: Summary | None = None
) -> Send:
    """The message that brings an enriched article into dedup (keyed by its id).

    It carries what dedup keeps of the article, not the article: the catalog
    holds that, and publishes it on ``articles.unique`` when the node says so.
    """
    summary = summary or summarize(article, config)
    keys: list[str] = []
    if not summary["empty"]:  # an empty body meets no other article
        url = [summary["url"]] if summary["url"] else []
        opening = [first] if (first := summary.get("opening")) else []
        keys = [exact_key(summary["exact"]), *url, *opening, *band_keys(article.fingerprints, config)]
    value: Admit = {"type": "admit", "article": summary, "keys": keys}
    return Send(NODES_TOPIC, article.article_id, value)


def story_order(ref: Summary | StoryRef | Member) -> tuple[str, str]:
    """Canonical order: earliest ``published_at`` (undated last), then ``article_id``."""
    return (ref["published_at"] or "\uffff", ref["id"])


def story_ref(summary: Summary) -> StoryRef:
    return {
        "id": summary["id"],
        "published_at": summary["published_at"],
        "url": summary["url"],
        "exact": summary["exact"],
        "sketch": summary["sketch"],
        "shingles": summary.get("shingles", 0),
    }
