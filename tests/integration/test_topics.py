"""A worker refuses topics partitioned differently: articles and their state would not meet."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.kafka_io import TopicMismatch, check_copartitioned, ensure_topics
from streams.pipeline.steps import RAW
from tests.integration.conftest import make_settings


def test_a_raw_topic_with_another_partition_count_is_refused_with_the_counts(broker, tmp_path):
    settings = make_settings(broker, tmp_path)

    async def go() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(settings.topic(RAW), settings.partitions + 2, 1)])
        finally:
            await admin.close()
        await ensure_topics(settings)  # the rest get NEWSFLOW_PARTITIONS
        await check_copartitioned(settings)

    with pytest.raises(TopicMismatch, match=f"{RAW} {settings.partitions + 2}"):
        asyncio.run(go())


def test_topics_newsflow_creates_itself_pass(broker, tmp_path):
    settings = make_settings(broker, tmp_path)
    asyncio.run(ensure_topics(settings))
    asyncio.run(check_copartitioned(settings))
