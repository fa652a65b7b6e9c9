"""The ``/stats`` document as types: what ``Observatory.snapshot`` builds and the web layer completes.

The dashboard and ``newsflow stats`` read it. ``schemas/http.stats.schema.json``
is generated from ``Stats`` (``newsflow schemas``); a test fails when the two
drift apart, and another checks a real snapshot against the schema.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class WorkerReport(TypedDict):
    """This worker; the web layer adds who it is and what it holds (``/healthz`` says the same)."""

    pid: int
    uptime_s: float
    id: NotRequired[str]
    app_id: NotRequired[str]
    topic_prefix: NotRequired[str]
    url: NotRequired[str | None]
    rss_bytes: NotRequired[int | None]
    partitions: NotRequired[list[int]]
    ready: NotRequired[bool]


class PeerReport(TypedDict):
    """A worker of the group as this one last heard of it (its ``/healthz``); of one never heard, the url."""

    url: str
    up: bool
    down_since: float | None
    self: bool
    last_seen: NotRequired[float]
    status: NotRequired[str]
    pid: NotRequired[int]
    uptime_s: NotRequired[float]
    id: NotRequired[str]
    app_id: NotRequired[str]
    topic_prefix: NotRequired[str]
    rss_bytes: NotRequired[int | None]
    partitions: NotRequired[list[int]]
    ready: NotRequired[bool]


# Functional syntax: ``in`` is a keyword. Series hold one value per bucket of the window, oldest first.
StepFigures = TypedDict(
    "StepFigures",
    {
        "step": str,
        "source": str,
        "in": int,
        "out": int,
        "rate_per_s": float,
        "lag": int,
        "series_in": list[int],
        "series_out": list[int],
        "series_lag": list[int | None],
    },
)


class PartitionFigures(TypedDict):
    topic: str
    partition: int
    highwater: int | None
    next_offset: int | None
    lag: int | None


class DeadLetterCount(TypedDict):
    stage: str
    reason: str
    count: int


class DeadLetterExample(TypedDict):
    at: float
    stage: str
    reason: str
    article_id: str | None
    error: str
    excerpt: str
    bytes: int | None


class DeadLetterFigures(TypedDict):
    by_reason: list[DeadLetterCount]
    latest: list[DeadLetterExample]


class DuplicateExample(TypedDict):
    at: float
    article_id: str | None
    title: str | None
    duplicate_of: str | None
    matched_title: str | None
    kind: str | None
    similarity: float | None
    rule: str | None
    story_id: str | None


class DuplicateFigures(TypedDict):
    verdicts: int
    by_kind: dict[str, int]
    ratio: dict[str, float]
    latest: list[DuplicateExample]


class LatencyFigures(TypedDict):
    count: int
    p50_ms: float | None
    p99_ms: float | None


class TopicLag(TypedDict):
    topic: str
    partitions: int
    lagging: int
    total: int
    max: int


class StoryFigures(TypedDict):
    story_id: str
    articles: int
    title: str | None
    at: NotRequired[float]  # in latest_stories: when this worker last heard of it


class EntityFigures(TypedDict):
    key: str
    name: str
    type: str
    articles: int


class GraphSize(TypedDict):
    nodes: int
    edges: int


class BrokerState(TypedDict):
    up: bool | None
    last_answer: float | None
    down_since: float | None


class Stats(TypedDict):
    """``/stats``: one worker's last ``window_s`` seconds; ``workers``: the group as it heard of it."""

    worker: WorkerReport
    now: float
    window_s: float
    bucket_s: float
    series_start: float
    steps: list[StepFigures]
    topics: dict[str, int]
    partitions: list[PartitionFigures]
    dead_letters: DeadLetterFigures
    duplicates: DuplicateFigures
    latency: dict[str, LatencyFigures]
    lag: list[TopicLag]
    top_stories: list[StoryFigures]
    latest_stories: list[StoryFigures]
    top_entities: list[EntityFigures]
    tables: dict[str, int]
    graph: GraphSize
    broker: BrokerState
    workers: NotRequired[list[PeerReport]]  # added by the web layer, which asks the peers
