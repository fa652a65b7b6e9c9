"""Two workers; ``kill -9`` one mid-stream: the other takes its partitions over, recovers
their tables from the changelogs, and nothing is lost; the killed one comes back and
the partitions spread again. The pause (kill to the next output on the dead worker's
partitions) is measured and printed, not asserted: it depends on the session timeout.
"""

from __future__ import annotations

import time
from dataclasses import replace

from streams.broker import free_port
from streams.pipeline.steps import CLEAN, RAW
from tests.faults.conftest import (
    OUTPUTS,
    BaselineInBackground,
    Tap,
    accounted,
    assigned,
    check_final_state,
    ingest,
    input_ids,
    kill9,
    make_settings,
    matches_baseline,
    restart,
    start_worker,
    wait_until,
)
from tests.faults.corpus import articles

N_ARTICLES = 600
ALL = set(range(4))


def test_a_survivor_takes_over_and_the_partitions_spread_again(broker, tmp_path, workers):
    settings = make_settings(broker, tmp_path, partitions=4)
    messages = articles(N_ARTICLES, seed=2)
    ids = input_ids(messages)
    baseline = BaselineInBackground(messages, settings)
    first = start_worker(settings, "a")
    workers.append(first)
    second = start_worker(replace(settings, web_port=free_port()), "b")
    workers.append(second)
    wait_until(
        lambda: (
            assigned(first, RAW) | assigned(second, RAW) == ALL
            and assigned(first, RAW)
            and assigned(second, RAW)
        ),
        60,
        "two workers to share articles.raw",
    )

    with Tap(settings, OUTPUTS) as tap:
        ingest(settings, messages)
        assert tap.wait_until(lambda rs: len(accounted(rs)) >= N_ARTICLES // 4, timeout_s=120), "no progress"
        orphaned = assigned(second, RAW)
        killed_at = kill9(second)
        wait_until(lambda: assigned(first, RAW) == ALL, 120, "the survivor to take every partition")
        took_over_s = time.monotonic() - killed_at

        def resumed(records) -> bool:
            return any(
                r.topic == CLEAN and r.partition in orphaned and r.at > killed_at + 0.5 for r in records
            )

        assert tap.wait_until(resumed, timeout_s=60), "the dead worker's partitions never resumed"
        pause_s = (
            min(
                r.at
                for r in tap.records
                if r.topic == CLEAN and r.partition in orphaned and r.at > killed_at + 0.5
            )
            - killed_at
        )

        expected = baseline.result()
        tap.settle(matches_baseline(expected, ids, settings.graph_top_k), timeout_s=180, workers=workers)
        records = list(tap.records)

    missing = ids - accounted(records)
    assert not missing, f"{len(missing)} inputs lost: {sorted(missing)[:10]}"
    print(
        f"\nrebalance: {len(ids)} inputs all accounted for; pause (kill to next output there) {pause_s:.1f} s"
    )
    check_final_state(records, expected, settings.graph_top_k)

    back = restart(second, "b")
    workers.append(back)
    wait_until(
        lambda: (
            assigned(first, RAW) and assigned(back, RAW) and assigned(first, RAW) | assigned(back, RAW) == ALL
        ),
        60,
        "the partitions to spread again",
    )
    print(
        f"\nrebalance: {len(ids)} inputs all accounted for; partitions {sorted(orphaned)} of articles.raw "
        f"taken over {took_over_s:.1f} s after the kill; pause (kill to next output there) {pause_s:.1f} s; "
        f"spread again: {sorted(assigned(first, RAW))} / {sorted(assigned(back, RAW))}"
    )
