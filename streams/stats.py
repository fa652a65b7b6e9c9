"""What one worker did over the last minutes, in memory: the ``Observatory`` behind ``/stats``.

The recorders of ``streams.metrics`` feed it with what they count for
Prometheus; ``Observatory.snapshot`` gives the JSON the dashboard and
``newsflow stats`` read. That JSON is a contract, described by
``streams.stats_types.Stats``. Nothing here imports Faust or Prometheus.
"""

from __future__ import annotations

import os
import time
import typing
from collections import Counter as Tally
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from streams.pipeline.steps import (
    CLEAN,
    DEAD_LETTER,
    DUPLICATES,
    ENRICHED,
    PUBLIC_TOPICS,
    RAW,
    STEPS,
    VERDICTS,
    Emit,
    source_topic,
)
from streams.records import Verdict
from streams.stats_types import (
    BrokerState,
    DeadLetterExample,
    DuplicateExample,
    EntityFigures,
    GraphSize,
    LatencyFigures,
    Stats,
    StepFigures,
    StoryFigures,
    TopicLag,
    WorkerReport,
)

LATENCY_SAMPLES = 4096  # per output topic, for the dashboard's p50 / p99 over the window

_VERDICT_KINDS = typing.get_type_hints(Verdict)["kind"]
DUPLICATE_KINDS: tuple[str, ...] = tuple(
    kind for option in get_args(_VERDICT_KINDS) for kind in get_args(option)
)
# Every topic a step sends to but the internal ones; the dashboard's latency panel shows them.
OUTPUT_TOPICS: tuple[str, ...] = tuple(t for t in PUBLIC_TOPICS if t != RAW)


def field_of(value: Any, name: str) -> Any:
    """A field of an emitted value: a record (attribute), a dict (key) or encoded bytes (None)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def resident_memory_bytes() -> int | None:
    """This process's resident memory now (Linux), else its peak; None if neither is known."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except Exception:
        return None


@dataclass(frozen=True, slots=True)
class PartitionPosition:
    """What the consumer knows of one assigned partition."""

    topic: str
    partition: int
    highwater: int | None
    next_offset: int | None
    # False for partitions the agents do not read (table changelogs kept for standby/recovery).
    consumed: bool = True

    @property
    def lag(self) -> int | None:
        if self.highwater is None or not self.consumed:
            return None
        return max(self.highwater - (self.next_offset or 0), 0)


class Observatory:
    """The last ``window_s`` seconds of one worker, in bounded memory.

    Per step: messages in and out per ``bucket_s`` bucket and the lag of its
    source topic; dead letters by reason with the latest examples; the latest
    duplicates; articles per story and per entity over the window.
    """

    def __init__(
        self,
        *,
        window_s: float = 600.0,
        bucket_s: float = 5.0,
        examples: int = 20,
        max_window_items: int = 20_000,
        clock: Callable[[], float] = time.time,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.window_s = window_s
        self.bucket_s = bucket_s
        self.clock = clock
        self.started_at = clock()
        self.sources = dict(sources if sources is not None else {s.name: source_topic(s) for s in STEPS})
        self.worker: dict[str, Any] = {"pid": os.getpid()}
        self.totals_in: Tally[str] = Tally()
        self.totals_out: Tally[str] = Tally()
        self.topics_out: Tally[str] = Tally()
        self.dead_by_reason: Tally[tuple[str, str]] = Tally()
        self.verdicts: Tally[tuple[str, str]] = Tally()
        self._in: dict[str, dict[int, int]] = defaultdict(dict)
        self._out: dict[str, dict[int, int]] = defaultdict(dict)
        self._lag: dict[str, dict[int, int]] = defaultdict(dict)
        self.dead_letters: deque[DeadLetterExample] = deque(maxlen=examples)
        self.duplicates: deque[DuplicateExample] = deque(maxlen=examples)
        self._entities: deque[tuple[float, str, tuple[tuple[str, str, str], ...]]] = deque(
            maxlen=max_window_items
        )
        self._stories: deque[tuple[float, str, str]] = deque(maxlen=max_window_items)
        self._titles: OrderedDict[str, str] = OrderedDict()
        self._max_titles = 5_000
        self.partitions: list[PartitionPosition] = []
        self.tables: dict[str, int] = {}
        self.graph: GraphSize = {"nodes": 0, "edges": 0}
        self.broker: BrokerState = {"up": None, "last_answer": None, "down_since": None}
        # (when, seconds since articles.raw) per output topic, for p50/p99 over the window
        self._latency: dict[str, deque[tuple[float, float]]] = defaultdict(
            lambda: deque(maxlen=LATENCY_SAMPLES)
        )

    # -- feeding -------------------------------------------------------------------------------

    def record(
        self, step: str, emits: Iterable[Emit], now: float | None = None, latency_s: float | None = None
    ) -> None:
        """One input of ``step`` and what it sent; ``latency_s``: how long ago it reached articles.raw."""
        now = self.clock() if now is None else now
        bucket = self._bucket(now)
        self.totals_in[step] += 1
        _bump(self._in[step], bucket)
        for emit in emits:
            self.totals_out[step] += 1
            self.topics_out[emit.topic] += 1
            _bump(self._out[step], bucket)
            self._record_emit(emit, now)
            if latency_s is not None and emit.topic in OUTPUT_TOPICS:
                self._latency[emit.topic].append((now, latency_s))

    def _record_emit(self, emit: Emit, now: float) -> None:
        value = emit.value
        if emit.topic in (CLEAN, ENRICHED):
            article_id, title = field_of(value, "article_id"), field_of(value, "title")
            if article_id and title:
                self._remember_title(article_id, title)
            if emit.topic == ENRICHED and article_id:
                entities = tuple(
                    (str(field_of(e, "key")), str(field_of(e, "name")), str(field_of(e, "type")))
                    for e in (field_of(value, "entities") or [])
                )
                self._entities.append((now, article_id, entities))
        elif emit.topic == DEAD_LETTER:
            stage, reason = str(field_of(value, "stage")), str(field_of(value, "reason"))
            self.dead_by_reason[(stage, reason)] += 1
            original = field_of(value, "original") or ""
            self.dead_letters.appendleft(
                {
                    "at": now,
                    "stage": stage,
                    "reason": reason,
                    "article_id": field_of(value, "article_id") or emit.key,
                    "error": str(field_of(value, "error") or "")[:300],
                    "excerpt": original[:160] if field_of(value, "original_encoding") == "utf-8" else "",
                    "bytes": field_of(value, "original_bytes"),
                }
            )
        elif emit.topic == VERDICTS:
            status, kind = str(field_of(value, "status")), field_of(value, "kind") or "none"
            self.verdicts[(status, kind)] += 1
            story, article_id = field_of(value, "story_id"), field_of(value, "article_id")
            if story and article_id:
                self._stories.append((now, str(story), str(article_id)))
        elif emit.topic == DUPLICATES:
            article_id, original = field_of(value, "article_id"), field_of(value, "duplicate_of")
            self.duplicates.appendleft(
                {
                    "at": now,
                    "article_id": article_id,
                    "title": self._titles.get(article_id or ""),
                    "duplicate_of": original,
                    "matched_title": self._titles.get(original or ""),
                    "kind": field_of(value, "kind"),
                    "similarity": field_of(value, "similarity"),
                    "rule": field_of(value, "rule"),
                    "story_id": field_of(value, "story_id"),
                }
            )

    def _remember_title(self, article_id: str, title: str) -> None:
        self._titles[article_id] = title[:300]
        self._titles.move_to_end(article_id)
        while len(self._titles) > self._max_titles:
            self._titles.popitem(last=False)

    def record_positions(self, positions: list[PartitionPosition], now: float | None = None) -> None:
        now = self.clock() if now is None else now
        self.partitions = sorted(positions, key=lambda p: (p.topic, p.partition))
        by_topic: Tally[str] = Tally()
        for position in positions:
            by_topic[position.topic] += position.lag or 0
        bucket = self._bucket(now)
        for topic in set(self.sources.values()) | set(by_topic):
            self._lag[topic][bucket] = by_topic.get(topic, 0)

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self, now: float | None = None, top: int = 10) -> Stats:
        now = self.clock() if now is None else now
        last = self._bucket(now)
        count = int(self.window_s // self.bucket_s)
        buckets = [last - (count - 1 - i) for i in range(count)]
        self._prune(buckets[0], now)
        lag_now: Tally[str] = Tally()
        for p in self.partitions:
            lag_now[p.topic] += p.lag or 0
        steps: list[StepFigures] = []
        for step, source in self.sources.items():
            ins, outs, lags = self._in.get(step, {}), self._out.get(step, {}), self._lag.get(source, {})
            recent = sum(ins.get(b, 0) for b in buckets[-max(int(60 // self.bucket_s), 1) :])
            steps.append(
                {
                    "step": step,
                    "source": source,
                    "in": self.totals_in[step],
                    "out": self.totals_out[step],
                    "rate_per_s": round(recent / 60.0, 3),
                    "lag": lag_now.get(source, 0),
                    "series_in": [ins.get(b, 0) for b in buckets],
                    "series_out": [outs.get(b, 0) for b in buckets],
                    "series_lag": [lags.get(b) for b in buckets],
                }
            )
        total_verdicts = sum(self.verdicts.values())
        by_kind = {
            k: sum(n for (s, kk), n in self.verdicts.items() if s == "duplicate" and kk == k)
            for k in DUPLICATE_KINDS
        }
        return {
            "worker": typing.cast(WorkerReport, {**self.worker, "uptime_s": round(now - self.started_at, 1)}),
            "now": now,
            "window_s": self.window_s,
            "bucket_s": self.bucket_s,
            "series_start": buckets[0] * self.bucket_s,
            "steps": steps,
            "topics": dict(sorted(self.topics_out.items())),
            "partitions": [
                {
                    "topic": p.topic,
                    "partition": p.partition,
                    "highwater": p.highwater,
                    "next_offset": p.next_offset,
                    "lag": p.lag,
                }
                for p in self.partitions
            ],
            "dead_letters": {
                "by_reason": [
                    {"stage": stage, "reason": reason, "count": n}
                    for (stage, reason), n in self.dead_by_reason.most_common()
                ],
                "latest": list(self.dead_letters),
            },
            "duplicates": {
                "verdicts": total_verdicts,
                "by_kind": by_kind,
                "ratio": {k: (n / total_verdicts if total_verdicts else 0.0) for k, n in by_kind.items()},
                "latest": [self._with_titles(d) for d in self.duplicates],
            },
            "latency": self._latency_summary(now),
            "lag": self._lag_summary(),
            "top_stories": self._top_stories(top),
            "latest_stories": self._latest_stories(top),
            "top_entities": self._top_entities(top),
            "tables": dict(self.tables),
            "graph": self.graph.copy(),
            "broker": self.broker.copy(),
        }

    def _with_titles(self, duplicate: DuplicateExample) -> DuplicateExample:
        """Titles learnt after the duplicate was recorded fill in the gaps."""
        return {
            **duplicate,
            "title": duplicate["title"] or self._titles.get(duplicate["article_id"] or ""),
            "matched_title": duplicate["matched_title"] or self._titles.get(duplicate["duplicate_of"] or ""),
        }

    def _latency_summary(self, now: float) -> dict[str, LatencyFigures]:
        """p50 / p99 of articles.raw → output topic over the window, every output topic (None: no message)."""
        summary: dict[str, LatencyFigures] = {}
        for topic in OUTPUT_TOPICS:
            recent = sorted(s for at, s in self._latency.get(topic, ()) if at >= now - self.window_s)
            summary[topic] = {
                "count": len(recent),
                "p50_ms": _quantile_ms(recent, 0.5),
                "p99_ms": _quantile_ms(recent, 0.99),
            }
        return summary

    def _lag_summary(self) -> list[TopicLag]:
        """Lag per consumed topic: total, the worst partition, how many partitions lag."""
        by_topic: dict[str, list[PartitionPosition]] = defaultdict(list)
        for p in self.partitions:
            if p.consumed:
                by_topic[p.topic].append(p)
        summary: list[TopicLag] = []
        for topic, positions in sorted(by_topic.items()):
            lags = [p.lag or 0 for p in positions]
            summary.append(
                {
                    "topic": topic,
                    "partitions": len(positions),
                    "lagging": sum(1 for lag in lags if lag),
                    "total": sum(lags),
                    "max": max(lags, default=0),
                }
            )
        return sorted(summary, key=lambda row: (-row["total"], row["topic"]))

    def _latest_stories(self, count: int) -> list[StoryFigures]:
        """The stories this worker heard of most recently, newest first, with a title and their size."""
        members: dict[str, set[str]] = defaultdict(set)
        latest_story: dict[str, str] = {}
        last_at: dict[str, float] = {}
        for at, story, article_id in self._stories:
            latest_story[article_id] = story
            last_at[story] = at
        for article_id, story in latest_story.items():
            members[story].add(article_id)
        newest = sorted((s for s in members), key=lambda s: (-last_at[s], s))[:count]
        return [
            {
                "story_id": story,
                "articles": len(members[story]),
                "at": last_at[story],
                "title": self._titles.get(story)
                or next((self._titles[i] for i in sorted(members[story]) if i in self._titles), None),
            }
            for story in newest
        ]

    def _top_stories(self, top: int) -> list[StoryFigures]:
        members: dict[str, set[str]] = defaultdict(set)
        latest_story: dict[str, str] = {}
        for _, story, article_id in self._stories:
            latest_story[article_id] = story  # a verdict can move an article to another story
        for article_id, story in latest_story.items():
            members[story].add(article_id)
        ranked = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
        return [
            {
                "story_id": story,
                "articles": len(ids),
                "title": self._titles.get(story)
                or next((self._titles[i] for i in sorted(ids) if i in self._titles), None),
            }
            for story, ids in ranked
        ]

    def _top_entities(self, top: int) -> list[EntityFigures]:
        latest: dict[str, tuple[tuple[str, str, str], ...]] = {}
        for _, article_id, entities in self._entities:
            latest[article_id] = entities  # a re-delivered article counts once
        counts: Tally[str] = Tally()
        names: dict[str, tuple[str, str]] = {}
        for entities in latest.values():
            for key, name, kind in set(entities):
                counts[key] += 1
                names.setdefault(key, (name, kind))
        return [
            {"key": key, "name": names[key][0], "type": names[key][1], "articles": n}
            for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
        ]

    def _bucket(self, now: float) -> int:
        return int(now // self.bucket_s)

    def _prune(self, first_bucket: int, now: float) -> None:
        for series in (*self._in.values(), *self._out.values(), *self._lag.values()):
            for old in [b for b in series if b < first_bucket]:
                del series[old]
        horizon = now - self.window_s
        while self._entities and self._entities[0][0] < horizon:
            self._entities.popleft()
        while self._stories and self._stories[0][0] < horizon:
            self._stories.popleft()


def _bump(series: dict[int, int], bucket: int) -> None:
    series[bucket] = series.get(bucket, 0) + 1


def _quantile_ms(ordered: list[float], q: float) -> float | None:
    """The ``q`` quantile of sorted seconds, in ms (nearest rank); None for no sample."""
    if not ordered:
        return None
    rank = min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))
    return round(ordered[rank] * 1000, 1)


OBSERVATORY = Observatory()
