"""Buckets: the articles that share an exact hash, a URL or one LSH band.

A bucket only remembers ids (with the times that order and expire them) and
answers "who else is here".
"""

from __future__ import annotations

from typing import Any

from streams.pipeline.dedup.config import DEFAULT_CONFIG, DedupConfig
from streams.pipeline.dedup.messages import NODES_TOPIC, Candidates, Join, Send, story_order

BucketState = dict[str, Any]  # {"members": {id: [published_at, observed_at]}}


def observe_bucket(
    state: BucketState | None, message: Join, config: DedupConfig = DEFAULT_CONFIG
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
        key=story_order,  # type: ignore[arg-type]
    )
    limit = 1 if message["bucket"].startswith("x:") else config.max_candidates
    reply: Candidates = {
        "type": "candidates",
        "bucket": message["bucket"],
        "ids": [o["id"] for o in others[:limit]],
    }
    return {"members": members}, [Send(NODES_TOPIC, member["id"], reply)]
