"""The dashboard in headless Chromium, /stats and /metrics, against a real worker fed the samples.

Articles carry script payloads in titles, bodies and URLs; the page must show
them as text and run none of them. Needs /usr/bin/chromium and
/usr/bin/chromedriver (`make browser` installs them).
"""

from __future__ import annotations

import time
import urllib.request
from collections import Counter
from typing import Any

import orjson
import pytest

from streams.pipeline.steps import CLEAN, DEAD_LETTER, PUBLIC_TOPICS, RAW
from streams.sources import iter_messages
from tests.conftest import ROOT, SAMPLES, assert_valid, wait_for
from tests.integration.conftest import WorkerProcess, collect, ingest

ARTIFACTS = ROOT / "tests" / "artifacts"
PAYLOAD_TITLE = (
    "<img src=x onerror=\"window.__pwned='title';alert(1)\"> Storm <script>window.__pwned=1</script>"
)
HOSTILE = [
    {
        "id": "xss-title",
        "url": "javascript:window.__pwned='url'",
        "source": "evil.example",
        "title": PAYLOAD_TITLE,
        "text": "Rotterdam port closed on Friday as the storm hit the Dutch coast. "
        "<script>window.__pwned='body'</script> <svg onload=\"window.__pwned='svg'\"></svg> "
        "Officials said the terminals would reopen on Saturday.",
    },
    {
        "id": "xss-body",
        "url": "https://news.example/ok",
        "title": "Ordinary title",
        "text": '<a href="javascript:alert(1)">click</a> <img src=x onerror=alert(2)> '
        "The central bank kept rates unchanged on Thursday, citing steady inflation.",
    },
]
BROKEN = b'{"id": "xss-dead", "title": "<img src=x onerror=alert(3)>", "text": "<script>alert(4)</script>'


def get(worker: WorkerProcess, path: str) -> Any:
    with urllib.request.urlopen(worker.url + path, timeout=10) as response:
        body = response.read()
        return orjson.loads(body) if path != "/metrics" else body.decode()


@pytest.fixture(scope="module")
def fed(pipeline_worker: WorkerProcess) -> dict[str, Any]:
    """The samples and the hostile articles, processed; returns the worker's /stats once it saw it all."""
    messages = list(iter_messages([str(SAMPLES)]))
    messages += [(a["id"].encode(), orjson.dumps(a)) for a in HOSTILE] + [(b"xss-dead", BROKEN)]
    ingest(pipeline_worker.settings, messages)
    topics = [t for t in PUBLIC_TOPICS if t != RAW]

    def complete(rs: list[tuple[str, str | None, Any]]) -> bool:
        verdicts = {k for t, k, _ in rs if t == "articles.verdicts"}
        dead = any(t == DEAD_LETTER and k == "xss-dead" for t, k, _ in rs)
        repost = any(t == "articles.duplicates" and k == "sada-2024-06-25-0193" for t, k, _ in rs)
        return {"xss-title", "xss-body"} <= verdicts and dead and repost

    records = collect(pipeline_worker.settings, topics, complete)
    counts = Counter(t for t, _, _ in records)
    # /stats counts what the agents emitted; wait until it caught up with what the topics hold
    deadline = time.monotonic() + 60
    while True:
        stats = get(pipeline_worker, "/stats")
        seen = stats["topics"]
        caught_up = seen.get(CLEAN, 0) >= counts[CLEAN] and seen.get(DEAD_LETTER, 0) >= counts[DEAD_LETTER]
        if caught_up or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {"stats": stats, "counts": counts, "messages": len(messages)}


def test_stats_counts_what_the_topics_hold(fed, validators):
    stats, counts = fed["stats"], fed["counts"]
    assert_valid(validators, "http.stats", stats)
    assert stats["topics"][CLEAN] == counts[CLEAN]
    assert stats["topics"][DEAD_LETTER] == counts[DEAD_LETTER]
    clean_step = next(s for s in stats["steps"] if s["step"] == "clean")
    assert clean_step["in"] == fed["messages"]
    reasons = {r["reason"] for r in stats["dead_letters"]["by_reason"]}
    assert "invalid_json" in reasons
    assert any(d["article_id"] == "sada-2024-06-25-0193" for d in stats["duplicates"]["latest"])
    assert stats["top_entities"] and stats["partitions"]


def test_metrics_export_latency_lag_graph_and_assignment(fed, pipeline_worker):
    text = get(pipeline_worker, "/metrics")
    # the raw timestamp travelled in a header all the way to the dedup outputs
    assert 'newsflow_end_to_end_latency_seconds_count{topic="articles.unique"}' in text
    assert 'newsflow_step_input_age_seconds_count{step="enrich"}' in text
    assert 'newsflow_consumer_lag_messages{partition="0",topic="articles.raw"}' in text
    assert 'newsflow_partition_assigned{partition="0",topic="articles.raw"} 1.0' in text
    assert 'newsflow_verdicts_total{kind="exact",status="duplicate"}' in text
    assert "newsflow_worker_info{" in text
    nodes = next(line for line in text.splitlines() if line.startswith("newsflow_graph_nodes "))
    assert float(nodes.split()[1]) > 0


def test_the_dashboard_shows_the_counts_and_runs_no_payload(fed, pipeline_worker, browser):
    browser.get(pipeline_worker.url + "/dashboard#article=xss-title")
    wait_for(browser, "return document.body.dataset.loaded === 'true'")
    title = wait_for(
        browser, "const t = document.querySelector('#article .title'); return t && t.textContent"
    )
    related = wait_for(browser, "return document.querySelectorAll('#related li').length")

    # nothing ran: no dialog, no global, no element made from article text
    assert browser.execute_script("return window.__dialogs") == []
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    made = "return document.querySelectorAll('main img, main script, main iframe').length"
    assert browser.execute_script(made) == 0
    assert browser.execute_script("return document.querySelectorAll('[onerror], [onload]').length") == 0
    hrefs = browser.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert not any(h.lower().startswith("javascript:") for h in hrefs)

    # ... and the payloads are visible as the text they are
    article = get(pipeline_worker, "/articles/xss-title")["article"]
    assert title == article["title"] and "<" in title
    page_text = browser.execute_script("return document.body.innerText")
    assert "<script>" in page_text  # the body excerpt or the dead letter's original, shown as text
    assert related >= 1

    # the sample's counts, as /stats has them
    stats = get(pipeline_worker, "/stats")
    shown = browser.execute_script("""return Object.fromEntries(
        [...document.querySelectorAll('#counts .card')]
        .map(c => [c.dataset.topic, c.querySelector('.value').textContent]))""")
    assert shown["articles.clean"] == f"{stats['topics'][CLEAN]:,}"
    assert shown["articles.dead-letter"] == f"{stats['topics'][DEAD_LETTER]:,}"
    reasons = browser.execute_script("return document.querySelector('#dead-reasons').textContent")
    assert "invalid_json" in reasons
    assert browser.execute_script("return document.querySelectorAll('#duplicates .pair').length") >= 1

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))


def test_the_dashboard_shows_what_on_call_looks_for_first(fed, pipeline_worker, browser):
    """Latency, the workers, lag by topic, table sizes, and latest stories before any search."""
    browser.get(pipeline_worker.url + "/dashboard")
    wait_for(browser, "return document.body.dataset.loaded === 'true'")
    stats = get(pipeline_worker, "/stats")

    def cells(selector: str) -> list[list[str]]:
        return browser.execute_script(
            f"return [...document.querySelectorAll('{selector} tbody tr')]"
            ".map(r => [...r.cells].map(c => c.textContent.trim()))"
        )

    latency = {row[0]: row[1:] for row in cells("#latency")}
    assert set(latency) == {t for t in PUBLIC_TOPICS if t != RAW}
    p50, p99, count = latency["articles.unique"]
    assert p50.endswith(("ms", " s")) and p99.endswith(("ms", " s"))
    assert count == f"{stats['latency']['articles.unique']['count']:,}" and count != "0"

    (worker,) = cells("#workers")
    assert worker[0].startswith(pipeline_worker.url) and worker[1] == "up"
    assert worker[2] == str(stats["worker"]["pid"]) and worker[4].endswith("MiB")
    assert worker[3].startswith(f"{len(stats['worker']['partitions'])}: ")

    lag = {row[0]: row for row in cells("#lag")}
    assert "articles.raw" in lag and lag["articles.raw"][3].endswith("of 4")  # 4 partitions, one worker
    assert not browser.execute_script("return document.getElementById('partitions-details').open")
    tables = {row[0]: row[1] for row in cells("#tables")}
    assert set(tables) == set(stats["tables"]) and tables["articles"] != "0"

    # before any search the article panel lists the latest stories; one click opens one
    stories = browser.execute_script(
        "return [...document.querySelectorAll('#latest-stories li[data-story]')].map(li => li.dataset.story)"
    )
    assert stories and stories == [s["story_id"] for s in stats["latest_stories"]][: len(stories)]
    assert "sample-ar-1" in stories
    browser.execute_script(
        "document.querySelector('#latest-stories li[data-story=\"sample-ar-1\"] .link').click()"
    )
    wait_for(browser, "return document.querySelectorAll('#related li[data-article]').length")
    shown = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#related li[data-article]')]"
        ".map(li => [li.dataset.article, li.querySelector('.link').textContent]))"
    )
    related = get(pipeline_worker, "/articles/sample-ar-1/related")["related"]
    assert shown
    for item in related:  # titles as the answer gives them (clipped to 90 characters)
        assert (
            shown[item["article_id"]].rstrip("…")
            == (item["title"] or item["article_id"])[: len(shown[item["article_id"]].rstrip("…"))]
        )


def test_dashboard_assets_are_local_and_locked_down(pipeline_worker):
    with urllib.request.urlopen(pipeline_worker.url + "/dashboard", timeout=10) as response:
        html = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "http://" not in html and "https://" not in html  # no external asset: works offline
    for name in ("dashboard.js", "dashboard.css"):
        with urllib.request.urlopen(f"{pipeline_worker.url}/dashboard/{name}", timeout=10) as response:
            body = response.read().decode()
        assert ".innerHTML" not in body and "insertAdjacentHTML" not in body and "document.write" not in body
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(pipeline_worker.url + "/dashboard/..%2Fweb.py", timeout=10)
