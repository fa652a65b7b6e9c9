"""Every topic, declared once, with its partition count.

Values and keys are raw bytes on every topic: the project encodes and decodes
with orjson itself, so a producer in any language can write ``articles.raw``
and a bad message is a dead letter, not a crashed agent.
"""

from __future__ import annotations

import faust

from streams.pipeline.steps import DUPLICATES, INTERNAL_TOPICS, PUBLIC_TOPICS, VERDICTS
from streams.settings import Settings

# Topics whose latest value per key is what a consumer wants: compact them.
COMPACTED = (VERDICTS, DUPLICATES)


def declare_topics(app: faust.App, settings: Settings) -> dict[str, faust.TopicT]:
    """``{name: topic}`` for every public and through topic, all keyed by bytes."""
    return {
        name: app.topic(
            settings.topic(name),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            replicas=settings.replication_factor,
            compacting=name in COMPACTED,
            # internal: Faust creates it with these partitions if it does not exist.
            internal=True,
        )
        for name in PUBLIC_TOPICS + INTERNAL_TOPICS
    }
