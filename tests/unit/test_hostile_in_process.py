"""Hostile input through the whole topology in one process: never an exception, never silence.

The same corpus (``tests/data/hostile/``), big cases and mutations as the fuzz
test against a real worker (``tests/faults/test_hostile.py``), fast: every
input must give at least one message, and every dead letter a reason.
"""

from __future__ import annotations

import time

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import CLEAN, DEAD_LETTER, StepContext
from streams.settings import Settings
from tests.faults.hostile import BIG, corpus, mutations, raw_messages

# CPU seconds of this process, not wall time: other processes on a loaded machine do not count.
SECONDS_PER_CASE = 30.0


@pytest.fixture(scope="module")
def pipeline() -> InProcessPipeline:
    return InProcessPipeline(StepContext.from_settings(Settings()))


def _check(pipeline: InProcessPipeline, value: bytes) -> list[tuple[str, dict]]:
    emitted = [(emit.topic, orjson.loads(emit.value)) for emit in pipeline.feed(value, b"hostile")]
    assert emitted, "no output and no dead letter"
    assert any(topic in (CLEAN, DEAD_LETTER) for topic, _ in emitted)
    for topic, body in emitted:
        if topic == DEAD_LETTER:
            assert body["reason"] and body["stage"] and body["original_bytes"] == len(value) or body["stage"]
    return emitted


@pytest.mark.parametrize("name", sorted(corpus()))
def test_every_corpus_case_gives_output_or_a_dead_letter(pipeline, name):
    _check(pipeline, corpus()[name])


@pytest.mark.parametrize("name", sorted(BIG))
def test_every_big_case_gives_output_or_a_dead_letter_in_bounded_time(pipeline, name):
    started = time.process_time()
    emitted = _check(pipeline, BIG[name]())
    assert time.process_time() - started < SECONDS_PER_CASE
    if name == "over-the-limit":
        assert [body["reason"] for topic, body in emitted if topic == DEAD_LETTER] == ["too_large"]
    if name == "giant-id":  # an id is a Kafka key, a table key and a URL segment
        assert [body["reason"] for topic, body in emitted if topic == DEAD_LETTER] == ["invalid_envelope"]


def test_five_hundred_mutations_of_good_messages(pipeline):
    for value in mutations(500, seed=1):
        _check(pipeline, value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw_messages)
def test_random_messages(pipeline, value):
    _check(pipeline, value)
