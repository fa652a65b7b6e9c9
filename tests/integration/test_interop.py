"""The contract holds for consumers that are neither Python-Faust nor aiokafka.

confluent-kafka (librdkafka, the client most non-Python services use) produces
raw articles and reads the output topics.
"""

from __future__ import annotations

import time

import orjson
from confluent_kafka import Consumer, Producer

from streams.pipeline.steps import CLEAN, DUPLICATES, ENRICHED, UNIQUE
from tests.conftest import assert_valid
from tests.integration.conftest import WorkerProcess


def test_librdkafka_producer_and_consumer_speak_the_contract(pipeline_worker: WorkerProcess, validators):
    settings = pipeline_worker.settings
    producer = Producer({"bootstrap.servers": settings.broker, "acks": "all"})
    body = "Heavy rain flooded the old city of Jeddah on Tuesday, closing schools and roads."
    for article_id, source in (("rd-1", "first.example"), ("rd-2", "second.example")):
        envelope = {
            "id": article_id,
            "source": source,
            "text": body,
            "language": "en",
            "published_at": f"2025-02-0{article_id[-1]}T08:00:00Z",
        }
        producer.produce(settings.topic("articles.raw"), key=article_id, value=orjson.dumps(envelope))
    assert producer.flush(30) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": settings.broker,
            "group.id": f"{settings.topic_prefix}interop",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            # Tansu holds a group join for half the session timeout: keep it short.
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
        }
    )
    topics = [CLEAN, ENRICHED, UNIQUE, DUPLICATES]
    consumer.subscribe([settings.topic(t) for t in topics])
    seen: dict[tuple[str, str], dict] = {}
    wanted = {(CLEAN, "rd-1"), (ENRICHED, "rd-2"), (UNIQUE, "rd-1"), (DUPLICATES, "rd-2")}
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and not wanted <= seen.keys():
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            topic = message.topic().removeprefix(settings.topic_prefix)
            value = orjson.loads(message.value())
            assert_valid(validators, topic, value)
            seen[(topic, message.key().decode())] = value
    finally:
        consumer.close()
    assert seen[(CLEAN, "rd-1")]["text"] == body
    assert seen[(ENRICHED, "rd-2")]["language"] == "en"
    assert seen[(UNIQUE, "rd-1")]["article_id"] == "rd-1"
    assert seen[(DUPLICATES, "rd-2")]["duplicate_of"] == "rd-1"
