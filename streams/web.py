"""HTTP views of a worker: articles, their related articles, health, metrics, stats and the dashboard.

Reads of a keyed table go through ``table_route``: a worker that does not own
the key forwards the request to the one that does, so any worker answers for
any article. ``/stats`` and ``/metrics`` describe the worker that answers
(each worker processes its own partitions): Prometheus scrapes every worker,
and ``newsflow stats --url`` can be pointed at each.

``/dashboard`` is static HTML, CSS and JS from ``streams/dashboard/`` (no build
step, no external asset) that polls ``/stats`` and reads ``/articles/...``.
Its Content-Security-Policy allows only this origin's own script and no inline
script at all, on top of the page never putting article text into HTML.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson
from aiohttp import web as aiohttp_web
from faust.web import Request, Response, View
from prometheus_client import generate_latest

from streams import metrics
from streams.pipeline.link import neighbours
from streams.pipeline.parse import MAX_ID_CHARS
from streams.pipeline.steps import AGENTS
from streams.pipeline.stories import story_view

if TYPE_CHECKING:
    import faust

    from streams.app import Newsflow

MAX_LIMIT = 500
SAMPLE_INTERVAL_S = 5.0
GRAPH_TABLE = "related_graph"
SOURCE_TOPICS = frozenset(topic for agent in AGENTS for topic in agent.sources)

DASHBOARD_FILES = {
    "index.html": "text/html",
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
}
DASHBOARD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

log = logging.getLogger("newsflow.web")


def register_views(newsflow: Newsflow) -> None:
    app, tables, settings = newsflow.app, newsflow.tables, newsflow.settings
    observatory = metrics.OBSERVATORY
    observatory.worker.update(
        {"id": settings.advertised_url, "app_id": settings.app_id, "topic_prefix": settings.topic_prefix}
    )
    pid = str(observatory.worker["pid"])
    metrics.WORKER_INFO.labels(settings.advertised_url, settings.app_id, pid).set(1)
    app.web.web_app.middlewares.append(json_errors)

    def _json(view: View, body: Any, status: int = 200) -> Response:
        return view.bytes(orjson.dumps(body), content_type="application/json", status=status)

    def _error(view: View, status: int, message: str) -> Response:
        return _json(view, {"error": message, "status": status}, status)

    def _load(table: str, key: str) -> Any:
        stored = tables[table].get(key.encode())
        return orjson.loads(stored) if stored is not None else None

    graph_size = _GraphSize()

    def _sample() -> None:
        """Read lag, assignment and table sizes off the worker into the metrics."""
        try:
            positions = _positions(app, settings.topic_prefix)
            sizes = {name: len(table) for name, table in tables.items()}
            metrics.observe_consumer(positions, sizes, graph_size(tables.get(GRAPH_TABLE)))
        except Exception:  # a metrics read must never take a worker down
            log.exception("could not sample consumer positions")

    @app.timer(interval=SAMPLE_INTERVAL_S, name="newsflow.sample_metrics")
    async def sample_metrics() -> None:
        _sample()

    @app.page("/articles/{article_id}")
    @app.table_route(table=tables["articles"], match_info="article_id")
    async def article(view: View, request: Request, article_id: str) -> Response:
        if problem := too_long("article id", article_id):
            return _error(view, 400, problem)
        entry = _load("articles", article_id)
        if entry is None or "article" not in entry:
            return _error(view, 404, f"no article {article_id!r} on this deployment")
        verdict = (_load("catalog", article_id) or {}).get("verdict")
        return _json(view, {"article": entry["article"], "verdict": verdict})

    @app.page("/articles/{article_id}/related")
    @app.table_route(table=tables["related_graph"], match_info="article_id")
    async def related(view: View, request: Request, article_id: str) -> Response:
        try:
            query = RelatedQuery.parse(article_id, request.query)
        except ValueError as exc:
            return _error(view, 400, str(exc))
        state = _load("related_graph", article_id)
        if state is None and _load("articles", article_id) is None:
            return _error(view, 404, f"no article {article_id!r} on this deployment")
        items = [n for n in neighbours(state) if n["score"] >= query.min_score][: query.limit]
        if query.depth == 2:
            items = await _second_hop(app, settings.advertised_url, article_id, items, query)
        return _json(view, {"article_id": article_id, "depth": query.depth, "related": items})

    @app.page("/stories/{story_id}")
    @app.table_route(table=tables["stories"], match_info="story_id")
    async def story(view: View, request: Request, story_id: str) -> Response:
        if problem := too_long("story id", story_id):
            return _error(view, 400, problem)
        state = _load("stories", story_id)
        if state is None:
            return _error(view, 404, f"no story {story_id!r} on this deployment")
        return _json(view, story_view(story_id, state))

    @app.page("/entities/{entity_key:.+}/articles")
    @app.table_route(table=tables["graph_index"], match_info="entity_key")
    async def entity_articles(view: View, request: Request, entity_key: str) -> Response:
        if problem := too_long("entity key", entity_key):
            return _error(view, 400, problem)
        state = _load("graph_index", entity_key)
        if state is None or not entity_key.startswith(("entity:", "keyword:")):
            return _error(view, 404, f"no recent article names {entity_key!r}")
        articles = [
            {"article_id": m["id"], "at": m["at"] or None, "language": m["lang"] or None}
            for m in reversed(state["members"])
        ]
        return _json(view, {"key": entity_key, "seen": state["seen"], "articles": articles})

    @app.page("/healthz")
    async def healthz(view: View, request: Request) -> Response:
        return _json(view, {"status": "ok"})

    @app.page("/readyz")
    async def readyz(view: View, request: Request) -> Response:
        recovered = app.tables.recovery.completed.is_set()
        ready = recovered and not app.rebalancing and not app.in_recovery
        body = {"ready": ready, "rebalancing": app.rebalancing, "recovered": recovered}
        return _json(view, body, 200 if ready else 503)

    @app.page("/metrics")
    async def metrics_page(view: View, request: Request) -> Response:
        _sample()
        return view.bytes(generate_latest(metrics.REGISTRY), content_type="text/plain; version=0.0.4")

    @app.page("/stats")
    async def stats(view: View, request: Request) -> Response:
        _sample()
        return _json(view, observatory.snapshot())

    @app.page("/dashboard")
    async def dashboard(view: View, request: Request) -> Response:
        return _asset(view, "index.html")

    @app.page("/dashboard/{name}")
    async def dashboard_asset(view: View, request: Request, name: str) -> Response:
        if name not in DASHBOARD_FILES:
            return _error(view, 404, f"no dashboard file {name!r}")
        return _asset(view, name)


@aiohttp_web.middleware
async def json_errors(
    request: aiohttp_web.Request,
    handler: Callable[[aiohttp_web.Request], Awaitable[aiohttp_web.StreamResponse]],
) -> aiohttp_web.StreamResponse:
    """Errors aiohttp raises itself (no route, wrong method) answer JSON like the views' own."""
    try:
        return await handler(request)
    except aiohttp_web.HTTPException as exc:
        if exc.status < 400:
            raise
        kept = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
        return aiohttp_web.json_response(
            {"error": exc.reason.lower(), "status": exc.status}, status=exc.status, headers=kept
        )


def too_long(kind: str, value: str) -> str | None:
    """The 400 message for a key no table could hold, else None."""
    return f"{kind} longer than {MAX_ID_CHARS} characters" if len(value) > MAX_ID_CHARS else None


@dataclass(frozen=True)
class RelatedQuery:
    depth: int
    min_score: float
    limit: int

    @classmethod
    def parse(cls, article_id: str, query: Any) -> RelatedQuery:
        """``depth`` 1 or 2, ``min_score`` in [0, 1], ``limit`` 1..500; ValueError says which is wrong."""
        if problem := too_long("article id", article_id):
            raise ValueError(problem)
        try:
            depth = int(query.get("depth", "1"))
            min_score = float(query.get("min_score", "0"))
            limit = int(query.get("limit", "50"))
        except ValueError as exc:
            raise ValueError(f"depth and limit are whole numbers, min_score a number: {exc}") from exc
        if depth not in (1, 2):
            raise ValueError("depth must be 1 or 2")
        if not 0.0 <= min_score <= 1.0:
            raise ValueError("min_score must be between 0 and 1")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        return cls(depth, min_score, limit)


async def _second_hop(
    app: faust.App, base_url: str, root: str, first: list[dict[str, Any]], query: RelatedQuery
) -> list[dict[str, Any]]:
    """Neighbours of neighbours, asked of whichever worker owns each (scores multiply)."""

    async def fetch(item: dict[str, Any]) -> list[dict[str, Any]]:
        url = f"{base_url}/articles/{quote(item['article_id'], safe='')}/related?limit={query.limit}"
        async with app.http_client.get(url) as response:
            if response.status != 200:
                return []
            body = orjson.loads(await response.read())
        return [
            {**n, "score": round(n["score"] * item["score"], 4), "via": item["article_id"]}
            for n in body["related"]
        ]

    known = {root} | {item["article_id"] for item in first}
    hops: dict[str, dict[str, Any]] = {}
    for found in await asyncio.gather(*(fetch(item) for item in first)):
        for n in found:
            better = n["article_id"] not in hops or n["score"] > hops[n["article_id"]]["score"]
            if n["article_id"] not in known and n["score"] >= query.min_score and better:
                hops[n["article_id"]] = n
    second = sorted(hops.values(), key=lambda n: (-n["score"], n["article_id"]))
    return [*({**item, "via": None} for item in first), *second][: query.limit]


def _asset(view: View, name: str) -> Response:
    body = resources.files("streams.dashboard").joinpath(name).read_bytes()
    return view.bytes(body, content_type=DASHBOARD_FILES[name], headers=dict(DASHBOARD_HEADERS))


def _positions(app: faust.App, prefix: str) -> list[metrics.PartitionPosition]:
    """Lag per assigned partition: the consumer's highwater minus the next offset to process.

    Not end offset minus committed: the embedded broker's ListOffsets is wrong for
    multi-record batches (DESIGN.md); the highwater comes with every fetch response.
    """
    try:
        consumer = app.consumer
        assignment = consumer.assignment()
    except Exception:  # not started yet, or between rebalances
        return []
    # Faust keeps the last offset it handed to a stream per partition (no public accessor).
    read = getattr(consumer, "_read_offset", {})
    committed = getattr(consumer, "_committed_offset", {})
    positions = []
    for tp in assignment:
        try:
            highwater = consumer.highwater(tp)
        except Exception:
            highwater = None
        last_read = read.get(tp) if hasattr(read, "get") else None
        next_offset = last_read + 1 if last_read is not None else committed.get(tp)
        topic = tp.topic[len(prefix) :] if prefix and tp.topic.startswith(prefix) else tp.topic
        consumed = topic in SOURCE_TOPICS
        positions.append(metrics.PartitionPosition(topic, tp.partition, highwater, next_offset, consumed))
    return positions


class _GraphSize:
    """Nodes and edges of the related-articles table, decoding only the entries that changed.

    Decoding every entry on each sample would hold the event loop for seconds
    once a worker keeps a week of articles.
    """

    def __init__(self) -> None:
        self.edges_of: dict[bytes, tuple[bytes, int]] = {}  # key -> (the entry counted, its edges)

    def __call__(self, table: Any) -> tuple[int, int] | None:
        if table is None:
            return None
        counted, self.edges_of = self.edges_of, {}
        for key, stored in table.items():
            known = counted.get(key)
            if known is None or known[0] is not stored:
                known = (stored, len(orjson.loads(stored).get("neighbours", {})))
            self.edges_of[key] = known
        return len(self.edges_of), sum(edges for _, edges in self.edges_of.values())
