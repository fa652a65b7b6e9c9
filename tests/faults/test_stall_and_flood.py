"""The broker stops mid-stream; a flood of 50,000 messages.

A short stall that ``/metrics``, ``/stats`` and the dashboard must show runs on
every CI. The 20 s stall with a baseline comparison and the flood are nightly:
together they take minutes on 2 cores (figures printed; see the issue's closing
note). Run them with ``pytest -m nightly tests/faults``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from streams.pipeline.steps import CLEAN
from tests.conftest import wait_for
from tests.faults.conftest import (
    OUTPUTS,
    BaselineInBackground,
    Tap,
    accounted,
    check_final_state,
    http,
    ingest,
    input_ids,
    make_settings,
    matches_baseline,
    metric_lines,
    peak_rss_mib,
    start_worker,
    wait_until,
)
from tests.faults.corpus import articles, small_messages

STALL_S = 20
N_STALL = 400
N_FLOOD = 50_000


def _broker_up(worker) -> float | None:
    lines = metric_lines(worker, "newsflow_broker_up ")
    return float(lines[0].split()[1]) if lines else None


def test_a_stalled_broker_shows_on_metrics_stats_and_the_dashboard(own_broker, tmp_path, workers, browser):
    worker = start_worker(make_settings(own_broker.address, tmp_path))
    workers.append(worker)
    wait_until(lambda: _broker_up(worker) == 1.0, 30, "the worker to see the broker up")
    browser.get(worker.url + "/dashboard")
    wait_for(browser, "return document.getElementById('broker').textContent === 'broker up'")

    os.kill(own_broker.process.pid, signal.SIGSTOP)
    try:
        # the worker's own HTTP keeps answering
        wait_until(lambda: _broker_up(worker) == 0.0, 30, "/metrics to show the stall")
        status, stats = http(worker.url + "/stats")
        assert status == 200 and stats["broker"]["up"] is False
        assert stats["broker"]["down_since"] <= stats["now"]
        shown = wait_for(
            browser,
            "const t = document.getElementById('broker').textContent;"
            "return t.startsWith('broker unreachable for') && t",
        )
        assert "bad" in browser.execute_script("return document.getElementById('broker').className")
    finally:
        os.kill(own_broker.process.pid, signal.SIGCONT)
    wait_until(lambda: _broker_up(worker) == 1.0, 30, "/metrics to show the broker back")
    wait_for(browser, "return document.getElementById('broker').textContent === 'broker up'")
    assert worker.process.poll() is None and http(worker.url + "/healthz")[0] == 200
    print(f"\nstall shown: dashboard said {shown!r}; metrics newsflow_broker_up 0 then 1")


@pytest.mark.nightly
@pytest.mark.timeout(600)
def test_a_20_s_broker_stall_mid_stream_loses_nothing(own_broker, tmp_path, workers):
    settings = make_settings(own_broker.address, tmp_path)
    messages = articles(N_STALL, seed=3)
    ids = input_ids(messages)
    baseline = BaselineInBackground(messages, settings)
    worker = start_worker(settings)
    workers.append(worker)
    with Tap(settings, OUTPUTS) as tap:
        ingest(settings, messages)
        assert tap.wait_until(lambda rs: len(accounted(rs)) >= N_STALL // 4, timeout_s=120), "no progress"
        before = len(accounted(tap.records))
        os.kill(own_broker.process.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        time.sleep(STALL_S)
        os.kill(own_broker.process.pid, signal.SIGCONT)
        resumed_at = time.monotonic()
        expected = baseline.result()
        tap.settle(matches_baseline(expected, ids, settings.graph_top_k), timeout_s=300, workers=workers)
        records = list(tap.records)
        first_after = min((r.at for r in records if r.topic == CLEAN and r.at > resumed_at), default=None)

    missing = ids - accounted(records)
    assert not missing, f"{len(missing)} inputs lost: {sorted(missing)[:10]}"
    assert worker.process.poll() is None, "the worker died during the stall"
    assert http(worker.url + "/healthz")[0] == 200
    recovery = f"{first_after - resumed_at:.1f} s" if first_after else "n/a"
    print(
        f"\nstall: broker stopped {resumed_at - stopped_at:.1f} s with {before}/{len(ids)} done; "
        f"first output {recovery} after SIGCONT; all {len(ids)} accounted for"
    )
    check_final_state(records, expected, settings.graph_top_k)


@pytest.mark.nightly
@pytest.mark.timeout(1200)
def test_a_flood_of_50000_messages_drains_with_bounded_memory(broker, tmp_path, workers):
    settings = make_settings(broker, tmp_path)
    worker = start_worker(settings)
    workers.append(worker)
    rss_at_start = peak_rss_mib(worker.process.pid)
    messages = list(small_messages(N_FLOOD))
    ids = {key.decode() for key, _ in messages}
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            status = Path(f"/proc/{worker.process.pid}/status").read_text()
            samples.append(int(status.split("VmRSS:")[1].split()[0]) / 1024)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with Tap(settings, [CLEAN, "articles.dead-letter"]) as tap:
        started = time.monotonic()
        ingest(settings, messages)
        sent_s = time.monotonic() - started
        drained = tap.wait_until(lambda rs: accounted(rs) >= ids, timeout_s=1000, poll_s=2.0)
        drained_s = time.monotonic() - started
        records = list(tap.records)
    stop.set()
    sampler.join()
    peak = peak_rss_mib(worker.process.pid)
    missing = ids - accounted(records)
    print(
        f"\nflood: {N_FLOOD} messages sent in {sent_s:.1f} s ({N_FLOOD / sent_s:.0f}/s); clean stage drained "
        f"in {drained_s:.1f} s; worker RSS {rss_at_start:.0f} MiB at start, peak {peak:.0f} MiB "
        f"(sampled max {max(samples, default=0):.0f} MiB)"
    )
    assert drained and not missing, f"{len(missing)} of {N_FLOOD} never came out"
    assert peak < 2048, f"worker peak RSS {peak:.0f} MiB"
