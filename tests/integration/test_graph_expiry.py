"""The related-article graph forgets an article that leaves the window, in its neighbours too.

Stream time is set through the raw messages' timestamps, so the test does not
wait for the window: one article is published 5 s before its two copies, and
later traffic moves stream time past the first one's window but not theirs.
"""

from __future__ import annotations

import time

import orjson
import pytest

from tests.integration.conftest import WorkerProcess, ingest, make_settings, start_worker

WINDOW_S = 5.0
BODY = (
    "The harbour master of Sfax said on Monday that the new breakwater will be finished "
    "before the autumn storms, after two years of delays and a dispute with the contractor."
)


@pytest.fixture(scope="module")
def short_memory_worker(broker: str, tmp_path_factory: pytest.TempPathFactory):
    settings = make_settings(
        broker, tmp_path_factory.mktemp("graph-expiry"), window_days=WINDOW_S / 86400, expiry_interval_s=0.2
    )
    worker = start_worker(settings)
    yield worker
    worker.stop()


def _article(article_id: str, text: str) -> tuple[bytes, bytes]:
    return article_id.encode(), orjson.dumps({"id": article_id, "title": "Sfax breakwater", "text": text})


def _related(worker: WorkerProcess, article_id: str) -> dict[str, list[str]]:
    try:
        status, body = worker.get(f"/articles/{article_id}/related?limit=100")
    except TimeoutError:  # the worker is busy loading its language models: ask again
        return {}
    return {n["article_id"]: n["reasons"] for n in body["related"]} if status == 200 else {}


def _wait_for(condition, what: str, timeout_s: float = 60, nudge=None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        if nudge:
            nudge()
        time.sleep(0.5)


def test_an_expired_article_leaves_its_own_entry_and_its_neighbours(short_memory_worker: WorkerProcess):
    worker, start_ms = short_memory_worker, int(time.time() * 1000)
    ingest(worker.settings, [_article("harbour-first", BODY)], timestamp_ms=start_ms)
    time.sleep(1)  # the first one is indexed before its copies arrive
    copies = [_article(f"harbour-copy-{i}", BODY) for i in (1, 2)]
    ingest(worker.settings, copies, timestamp_ms=start_ms + 3000)

    def one_story() -> bool:
        related = _related(worker, "harbour-copy-1")
        return all("story" in related.get(other, []) for other in ("harbour-first", "harbour-copy-2"))

    _wait_for(one_story, "the copies were never related to the first article and to each other")
    assert "story" in _related(worker, "harbour-first")["harbour-copy-1"]

    # Traffic 6 s later (stream time): the first article is out of the window, its copies are not.
    later = start_ms + 3000 + int(WINDOW_S * 1000) - 1000
    fillers = [
        _article(f"filler-{i}", f"Fishing report {i}: the Kerkennah fleet stayed in port {i} days.")
        for i in range(16)
    ]
    _wait_for(
        lambda: (
            "harbour-first" not in _related(worker, "harbour-copy-1")
            and "harbour-first" not in _related(worker, "harbour-copy-2")
        ),
        "the expired article stayed among its neighbours' related articles",
        nudge=lambda: ingest(worker.settings, fillers[:8], timestamp_ms=later),
    )
    assert "harbour-copy-2" in _related(worker, "harbour-copy-1")  # still in the window: still related
    _wait_for(
        lambda: worker.get("/articles/harbour-first/related")[0] == 404,
        "the expired article kept its own related_graph entry",
        nudge=lambda: ingest(worker.settings, fillers[8:], timestamp_ms=later),
    )
