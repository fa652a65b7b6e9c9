"""How dedup forgets: buckets drop members seen before the window, nodes their article."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.pipeline.dedup.buckets import BucketState
from streams.pipeline.dedup.config import DEFAULT_CONFIG, DedupConfig
from streams.pipeline.dedup.nodes import NodeState


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
