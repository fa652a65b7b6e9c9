"""State is bounded by the window: an article older than it is forgotten."""

from __future__ import annotations

import time

import orjson
import pytest

from streams.pipeline.steps import VERDICTS
from tests.integration.conftest import WorkerProcess, collect, ingest, make_settings, start_worker

WINDOW_S = 5.0


@pytest.fixture(scope="module")
def short_memory_worker(broker: str, tmp_path_factory: pytest.TempPathFactory):
    settings = make_settings(
        broker, tmp_path_factory.mktemp("expiry"), window_days=WINDOW_S / 86400, expiry_interval_s=0.2
    )
    worker = start_worker(settings)
    yield worker
    worker.stop()


def _article(article_id: str, text: str) -> tuple[bytes, bytes]:
    return article_id.encode(), orjson.dumps({"id": article_id, "text": text})


def test_a_copy_after_the_window_is_a_new_story_and_the_old_article_is_gone(
    short_memory_worker: WorkerProcess,
):
    worker = short_memory_worker
    body = "Fishermen in Sfax said on Monday that the sardine catch fell by a third this season."
    ingest(worker.settings, [_article("old-copy", body)])
    collect(worker.settings, [VERDICTS], lambda rs: any(k == "old-copy" for _, k, _ in rs))
    time.sleep(WINDOW_S + 1)
    fillers = [
        _article(f"filler-{i}", f"Filler report number {i} about the weather in town {i}.") for i in range(16)
    ]
    ingest(worker.settings, [*fillers, _article("new-copy", body)])

    records = collect(worker.settings, [VERDICTS], lambda rs: any(k == "new-copy" for _, k, _ in rs))
    verdict = next(v for _, k, v in records if k == "new-copy")
    assert verdict["status"] == "unique", verdict  # the earlier copy is outside the window

    deadline = time.monotonic() + 30
    while worker.get("/articles/old-copy")[0] != 404:
        assert time.monotonic() < deadline, "the old article was never expired from the catalog"
        ingest(worker.settings, fillers[:8])  # every partition's next message sweeps it
        time.sleep(0.5)
