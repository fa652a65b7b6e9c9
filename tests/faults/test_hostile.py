"""Hostile input and hostile HTTP against a real worker that requires a bearer token.

10,000+ messages (the ``tests/data/hostile/`` corpus, big cases, seeded mutations
of good messages, hypothesis draws) go to ``articles.raw``. Every one must come
out of the door as the clean stage says in-process (the same clean articles, the
same dead letters with a reason), no agent may crash, and afterwards the worker
is healthy and a good article still comes out. Then bad ids, huge parameters and
path tricks over HTTP: 4xx, never 5xx; the token guards everything but the probes
and the metrics, and never shows up in the log.
"""

from __future__ import annotations

import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator

import orjson
import pytest

from streams.pipeline.steps import CLEAN, DEAD_LETTER, STEPS, Message, StepContext
from streams.settings import Settings
from tests.faults.conftest import (
    Seen,
    Tap,
    WorkerProcess,
    http,
    ingest,
    kill9,
    make_settings,
    restart,
    start_worker,
)
from tests.faults.hostile import BIG, corpus, hypothesis_messages, mutations

TOKEN = "fault-tier-token-7c1d9e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Seeded mutations of good messages and hypothesis draws, each this many: with the
# corpus and the big cases, over 10,000 messages on every CI run.
COUNT = 5_000
GOOD = orjson.dumps({"id": "good-after-fuzz", "text": "Rotterdam reopened its terminals on Friday."})


@pytest.fixture(scope="module")
def guarded_worker(broker, tmp_path_factory) -> Iterator[WorkerProcess]:
    settings = make_settings(broker, tmp_path_factory.mktemp("hostile"), web_token=TOKEN)
    worker = start_worker(settings)
    yield worker
    worker.stop()


Output = tuple[str, str | None, str | None]


def _door(messages: list[tuple[bytes, bytes]]) -> tuple[Counter[Output], dict[Output, bytes]]:
    """What the clean step gives in-process: ``(topic, key, dead-letter reason)`` per
    output, and the message that gave each (for the failure message)."""
    clean = next(step for step in STEPS if step.name == "clean")
    ctx = StepContext.from_settings(Settings())
    expected: Counter[Output] = Counter()
    origin: dict[Output, bytes] = {}
    for key, value in messages:
        _, emits = clean(None, Message(key, value, 1_700_000_000_000), ctx)
        assert emits, f"the clean step gave nothing for {value[:80]!r}"
        for emit in emits:
            output = (emit.topic, emit.key, emit.value.reason if emit.topic == DEAD_LETTER else None)
            expected[output] += 1
            origin.setdefault(output, value)
    return expected, origin


def _seen(records: list[Seen]) -> Counter[Output]:
    return Counter(
        (r.topic, r.key, r.value.get("reason") if r.topic == DEAD_LETTER else None)
        for r in records
        if r.topic in (CLEAN, DEAD_LETTER)
    )


@pytest.mark.timeout(900)
def test_hostile_messages_each_give_output_or_a_dead_letter(guarded_worker):
    values = (
        list(corpus().values())
        + [build() for build in BIG.values()]
        + mutations(COUNT, seed=COUNT)
        + hypothesis_messages(COUNT)
    )
    messages = [(f"z{i:05d}".encode(), value) for i, value in enumerate(values)]
    expected, origin = _door(messages)
    settings = guarded_worker.settings
    started = time.monotonic()
    with Tap(settings, [CLEAN, DEAD_LETTER]) as tap:
        ingest(settings, messages)

        def through(records: list[Seen]) -> bool:
            return not (expected - _seen(records))

        tap.settle(through, timeout_s=600, idle_s=30, workers=[guarded_worker])
        missing = expected - _seen(list(tap.records))
        assert not missing, f"{sum(missing.values())} expected outputs never came: " + "; ".join(
            f"{output} from {origin[output][:300]!r}" for output in list(missing)[:3]
        )
        dead = [r.value for r in tap.records if r.topic == DEAD_LETTER]
        assert all(d["reason"] and d["stage"] and d["original_bytes"] >= 0 for d in dead)
        elapsed = time.monotonic() - started

        ingest(settings, [(b"good", GOOD)])
        came_out = lambda rs: any(r.topic == CLEAN and r.key == "good-after-fuzz" for r in rs)  # noqa: E731
        assert tap.wait_until(came_out, timeout_s=120), "a good article did not come out after the fuzz"

    assert guarded_worker.process.poll() is None, "the worker died"
    assert http(guarded_worker.url + "/healthz")[0] == 200
    log = guarded_worker.log.read_text(errors="replace")
    assert "Crashed reason=" not in log, log[log.index("Crashed reason=") - 200 :][:3000]
    reasons = Counter(d["reason"] for d in dead)
    print(f"\nfuzz: {len(messages)} hostile messages in {elapsed:.1f} s; {len(dead)} dead letters: {reasons}")


BAD_PATHS = [
    "/articles/%00",
    "/articles/%ff%fe",
    "/articles/" + "a" * 600,
    "/articles/" + "a" * 7000,
    "/articles/..%2F..%2Fetc%2Fpasswd",
    "/articles/%2e%2e/related",
    "/articles/x/related/../../../etc/passwd",
    "/articles/%3Cscript%3Ealert(2)%3C%2Fscript%3E",
    "/articles/x/related?limit=" + "9" * 4000,
    "/articles/x?" + "&".join(f"p{i}=v" for i in range(500)),
    "/articles/" + urllib.parse.quote("\u202eevil\u202c", safe=""),
    "/articles/" + urllib.parse.quote("مقال-غير-موجود", safe=""),
    "/articles//related",
    "/stories/%00",
    "/dashboard/..%2F..%2Fsecurity.py",
    "/dashboard/%2e%2e%2fweb.py",
    "/nope",
    "/articles/x/related/more",
    "/articles/x/related?depth=abc",
    "/articles/x/related?min_score=nan",
    "/entities/%00/articles",
    "/entities/keyword:/articles",
    "/entities/" + "a" * 600 + "/articles",
    "/entities/place:" + urllib.parse.quote("\u202eUA", safe="") + "/articles",
    "/internal/summaries",
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_requests_get_a_4xx_never_a_5xx(guarded_worker, path):
    status, body = http(guarded_worker.url + path, headers=AUTH)
    assert 400 <= status < 500, (status, body)
    # A view's own refusal and aiohttp's (no route, bad request line) alike: JSON with the reason.
    assert isinstance(body, dict) and body.get("error") and body["status"] == status, body


def test_the_token_guards_every_endpoint_but_probes_and_metrics(guarded_worker):
    url = guarded_worker.url
    for path in ("/articles/x", "/articles/x/related", "/stats", "/dashboard"):
        assert http(url + path)[0] == 401, path
        assert http(url + path, headers={"Authorization": "Bearer wrong"})[0] == 401, path
        assert http(url + path, headers={"Authorization": TOKEN})[0] == 401, path
        assert http(url + path, headers=AUTH)[0] in (200, 404), path
    for path in ("/metrics", "/healthz", "/readyz"):
        assert http(url + path)[0] == 200, path
    status, body = http(url + "/articles/x")
    assert body["status"] == 401 and "bearer" in body["error"]


def test_the_token_never_appears_in_the_log(guarded_worker):
    http(guarded_worker.url + "/articles/x", headers=AUTH)
    http(guarded_worker.url + "/articles/x", headers={"Authorization": "Bearer " + TOKEN[::-1]})
    log = guarded_worker.log.read_text(errors="replace")
    assert TOKEN not in log and TOKEN[::-1] not in log


def test_health_and_readiness_through_a_kill_and_a_restart(broker, tmp_path, workers):
    """A worker of its own (the fuzz leaves a backlog): killed, restarted, ready, its table back."""
    guarded_worker = start_worker(make_settings(broker, tmp_path, web_token=TOKEN))
    workers.append(guarded_worker)
    ingest(guarded_worker.settings, [(b"kept", orjson.dumps({"id": "kept-across-restart", "text": "Kept."}))])
    deadline = time.monotonic() + 60
    while http(guarded_worker.url + "/articles/kept-across-restart", headers=AUTH)[0] != 200:
        assert time.monotonic() < deadline, "the article never reached the catalog"
        time.sleep(0.5)
    assert http(guarded_worker.url + "/readyz")[0] == 200
    kill9(guarded_worker)
    with pytest.raises(OSError):
        http(guarded_worker.url + "/healthz", timeout_s=2)
    back = restart(guarded_worker)  # returns once /readyz says 200
    workers.append(back)
    status, body = http(back.url + "/healthz")
    assert status == 200 and body["status"] == "ok" and body["pid"] == back.process.pid
    status, body = http(back.url + "/readyz")
    assert status == 200 and body["ready"] is True
    status, body = http(back.url + "/articles/kept-across-restart", headers=AUTH)
    assert status == 200 and body["article"]["article_id"] == "kept-across-restart"
