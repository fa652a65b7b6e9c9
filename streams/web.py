"""HTTP views of a worker: articles, their related articles, health, metrics, stats and the dashboard.

Reads of a keyed table go through ``table_route``: a worker that does not own
the key forwards the request to the one that does, so any worker answers for
any article. ``/stats`` and ``/metrics`` describe the worker that answers
(each worker processes its own partitions): Prometheus scrapes every worker,
and ``newsflow stats --url`` can be pointed at each.

This module routes and serialises: what an answer shows of a table entry is
read by the pipeline module whose step writes that entry (``link``,
``stories``), and what a worker asks of the others is in ``streams.peers``.

``/dashboard`` is static HTML, CSS and JS from ``streams/dashboard/`` (no build
step, no external asset) that polls ``/stats`` and reads ``/articles/...``.
Its Content-Security-Policy allows only this origin's own script and no inline
script at all, on top of the page never putting article text into HTML.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson
from aiohttp import web as aiohttp_web
from faust.web import Request, Response, View
from faust.web.exceptions import ServiceUnavailable
from prometheus_client import generate_latest

from streams import faust_internals, metrics
from streams.errors import NewsflowError
from streams.peers import SUMMARIES_PATH, Owners, Peers, fetch_summaries, route_by_key, second_hop
from streams.pipeline import graph, link, stories
from streams.pipeline.parse import MAX_ID_CHARS
from streams.pipeline.steps import AGENTS
from streams.stats import OBSERVATORY, Observatory, PartitionPosition, resident_memory_bytes

if TYPE_CHECKING:
    import faust

    from streams.app import Newsflow

MAX_LIMIT = 500
SAMPLE_INTERVAL_S = 5.0
GRAPH_TABLE = "related_graph"
CATALOG_TABLE = "articles"
VERDICT_TABLE = "catalog"
INDEX_TABLE = "graph_index"
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
    observatory = OBSERVATORY
    observatory.worker.update(
        {"id": settings.advertised_url, "app_id": settings.app_id, "topic_prefix": settings.topic_prefix}
    )
    pid = str(observatory.worker["pid"])
    metrics.WORKER_INFO.labels(settings.advertised_url, settings.app_id, pid).set(1)
    metrics.declare_known_labels(tables)
    faust_internals.aiohttp_app(app).middlewares.append(json_errors)
    page = partial(app.page, base=JsonView)
    owners = Owners(app)
    peers = Peers(app, settings.advertised_url, observatory.clock)

    def _json(view: View, body: Any, status: int = 200) -> Response:
        return view.bytes(orjson.dumps(body), content_type="application/json", status=status)

    def _error(view: View, status: int, message: str) -> Response:
        return _json(view, {"error": message, "status": status}, status)

    def _load(table: str, key: str) -> Any:
        return _decode(tables[table].get(key.encode()))

    graph_size = _GraphSize()

    def _sample() -> None:
        """Read lag, assignment and table sizes off the worker into the metrics."""
        try:
            positions = _positions(app, settings.topic_prefix)
            sizes = {name: len(table) for name, table in tables.items()}
            metrics.record_consumer(positions, sizes, graph_size(tables.get(GRAPH_TABLE)))
        except Exception:  # a metrics read must never take a worker down
            log.exception("could not sample consumer positions")

    @app.timer(interval=SAMPLE_INTERVAL_S, name="newsflow.sample_metrics")
    async def sample_metrics() -> None:
        _sample()

    def local_summaries(ids: list[str]) -> dict[str, Any]:
        return {i: summary for i in ids if (summary := stories.article_summary(_load(CATALOG_TABLE, i)))}

    async def summaries(ids: list[str], request: Request) -> dict[str, Any]:
        """Catalog summaries of ``ids``: this worker's from its table, others' in one request per owner."""
        by_owner: dict[str | None, list[str]] = defaultdict(list)
        for article_id in dict.fromkeys(ids):
            by_owner[owners.remote_owner(CATALOG_TABLE, article_id)].append(article_id)
        found = local_summaries(by_owner.pop(None, []))
        asked = [
            fetch_summaries(app, owner, owned, request)
            for owner, owned in by_owner.items()
            if owner is not None
        ]
        for answer in await asyncio.gather(*asked):
            found.update(answer)
        return found

    async def with_summaries(items: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
        known = await summaries([item["article_id"] for item in items], request)
        merged = []
        for item in items:
            summary = known.get(item["article_id"]) or {}
            merged.append({**item, **{f: summary.get(f, item.get(f)) for f in stories.SUMMARY_FIELDS}})
        return merged

    @page("/articles/{article_id}")
    @app.table_route(table=tables[CATALOG_TABLE], match_info="article_id")
    async def article(view: View, request: Request, article_id: str) -> Response:
        if problem := too_long("article id", article_id):
            return _error(view, 400, problem)
        answer = stories.article_view(_load(CATALOG_TABLE, article_id), _load(VERDICT_TABLE, article_id))
        if answer is None:
            return _error(view, 404, f"no article {article_id!r} on this deployment")
        return _json(view, answer)

    @page("/articles/{article_id}/related")
    @app.table_route(table=tables[GRAPH_TABLE], match_info="article_id")
    async def related(view: View, request: Request, article_id: str) -> Response:
        try:
            query = RelatedQuery.parse(article_id, request.query)
        except ValueError as exc:
            return _error(view, 400, str(exc))
        state = _load(GRAPH_TABLE, article_id)
        # the catalog entry of an article sits on the same partition as its graph entry
        if state is None and _load(CATALOG_TABLE, article_id) is None:
            return _error(view, 404, f"no article {article_id!r} on this deployment")
        items = graph.neighbours(state, query.min_score)[: query.limit]
        if query.depth == 2:
            items = await second_hop(
                app, settings.advertised_url, article_id, items, query.min_score, query.limit, request
            )
        if query.summaries:
            items = await with_summaries(items, request)
        return _json(view, {"article_id": article_id, "depth": query.depth, "related": items})

    @page(SUMMARIES_PATH)
    class InternalSummaries(JsonView):
        """Workers ask each other here for the catalog summaries they hold: POST {"ids": [...]}."""

        async def post(self, request: Request) -> Response:
            try:
                body = orjson.loads(await request.read())
                ids = [i for i in body["ids"] if isinstance(i, str) and not too_long("article id", i)]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                return _error(self, 400, 'the body must be JSON: {"ids": ["article id", ...]}')
            return _json(self, {"summaries": local_summaries(ids[:MAX_LIMIT])})

    @page("/stories/{story_id}")
    @app.table_route(table=tables["stories"], match_info="story_id")
    async def story(view: View, request: Request, story_id: str) -> Response:
        if problem := too_long("story id", story_id):
            return _error(view, 400, problem)
        state = _load("stories", story_id)
        if state is None:
            return _error(view, 404, f"no story {story_id!r} on this deployment")
        return _json(view, stories.story_view(story_id, state))

    def entity_key_of(request: Request) -> str | None:
        asked = request.match_info["entity_key"]
        return None if too_long("entity key", asked) else link.index_key_for(asked)

    @page("/entities/{entity_key:.+}/articles")
    @route_by_key(app, INDEX_TABLE, entity_key_of)
    async def entity_articles(view: View, request: Request, entity_key: str) -> Response:
        if problem := too_long("entity key", entity_key):
            return _error(view, 400, problem)
        key = link.index_key_for(entity_key)
        seen, members = link.index_members(_load(INDEX_TABLE, key) if key else None)
        if not members:
            return _error(
                view,
                404,
                f"no recent article names {entity_key!r} (ask for an entity key such as place:UA, "
                "or a key phrase)",
            )
        return _json(view, {"key": key, "seen": seen, "articles": await with_summaries(members, request)})

    @page("/healthz")
    async def healthz(view: View, request: Request) -> Response:
        """Up; and what the dashboard's worker list shows of this worker."""
        return _json(view, {"status": "ok", **_self_report(app, observatory)})

    @page("/readyz")
    async def readyz(view: View, request: Request) -> Response:
        recovered = faust_internals.tables_recovered(app)
        ready = recovered and not app.rebalancing and not app.in_recovery
        body = {"ready": ready, "rebalancing": app.rebalancing, "recovered": recovered}
        return _json(view, body, 200 if ready else 503)

    @page("/metrics")
    async def metrics_page(view: View, request: Request) -> Response:
        _sample()
        return view.bytes(generate_latest(metrics.REGISTRY), content_type="text/plain; version=0.0.4")

    @page("/stats")
    async def stats(view: View, request: Request) -> Response:
        _sample()
        snapshot: dict[str, Any] = dict(observatory.snapshot())  # plus what only the web knows
        snapshot["worker"].update(_self_report(app, observatory))
        snapshot["workers"] = await peers.report(snapshot["worker"])
        return _json(view, snapshot)

    @page("/dashboard")
    async def dashboard(view: View, request: Request) -> Response:
        return _asset(view, "index.html")

    @page("/dashboard/{name}")
    async def dashboard_asset(view: View, request: Request, name: str) -> Response:
        if name not in DASHBOARD_FILES:
            return _error(view, 404, f"no dashboard file {name!r}")
        return _asset(view, name)


class JsonView(View):
    """A Faust view whose own refusals (a method it does not serve) answer like ours:
    ``{"error", "status"}``."""

    def error(self, status: int, reason: str, headers: Any = None, **kwargs: Any) -> Response:
        message = reason.rstrip(".").replace("Method ", "method ")
        return self.json({"error": message, "status": status}, status=status, headers=headers)


def _self_report(app: faust.App, observatory: Observatory) -> dict[str, Any]:
    """What a worker says of itself: process, memory, the partitions it processes, readiness."""
    prefix = str(observatory.worker.get("topic_prefix") or "")
    try:
        tps = app.consumer.assignment()
    except Exception:  # not started yet
        tps = set()
    # the pipeline's partitions (not the leader topic's, nor a changelog kept for recovery)
    assigned = sorted({tp.partition for tp in tps if tp.topic.removeprefix(prefix) in SOURCE_TOPICS})
    return {
        "url": observatory.worker.get("id"),
        "pid": os.getpid(),
        "rss_bytes": resident_memory_bytes(),
        "partitions": assigned,
        "ready": faust_internals.tables_recovered(app) and not app.rebalancing,
        "uptime_s": round(observatory.clock() - observatory.started_at, 1),
    }


@aiohttp_web.middleware
async def json_errors(
    request: aiohttp_web.Request,
    handler: Callable[[aiohttp_web.Request], Awaitable[aiohttp_web.StreamResponse]],
) -> aiohttp_web.StreamResponse:
    """Every error answers one line of JSON like the views' own: aiohttp's (no route, wrong
    method), a key whose owner is not known yet, a worker that does not answer a forwarded
    request, and a bug (the traceback goes to the log, not to the client)."""
    try:
        return await handler(request)
    except aiohttp_web.HTTPException as exc:
        if exc.status < 400:
            raise
        kept = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
        return _json_error(exc.status, exc.reason.lower(), headers=kept)
    except ServiceUnavailable:
        return _json_error(503, "the workers are rebalancing: no worker holds this key yet; try again")
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("a forwarded request for %s failed: %r", request.path, exc)
        return _json_error(503, "the worker that holds this key did not answer; try again")
    except asyncio.CancelledError:
        raise
    except NewsflowError as exc:  # the status its class gives (streams/errors.py)
        if exc.http_status < 500:
            return _json_error(exc.http_status, str(exc))
        log.exception("error answering %s", request.path)
        return _json_error(exc.http_status, "internal error; the worker's log has the details")
    except Exception:
        log.exception("error answering %s", request.path)
        return _json_error(500, "internal error; the worker's log has the details")


def _json_error(status: int, message: str, headers: dict[str, str] | None = None) -> aiohttp_web.Response:
    return aiohttp_web.json_response({"error": message, "status": status}, status=status, headers=headers)


def too_long(kind: str, value: str) -> str | None:
    """The 400 message for a key no table could hold, else None."""
    return f"{kind} longer than {MAX_ID_CHARS} characters" if len(value) > MAX_ID_CHARS else None


@dataclass(frozen=True)
class RelatedQuery:
    depth: int
    min_score: float
    limit: int
    # Workers asking each other for a second hop want ids and scores only (summaries=0):
    # the summaries of the whole answer are looked up once, at the end.
    summaries: bool = True

    @classmethod
    def parse(cls, article_id: str, query: Any) -> RelatedQuery:
        """``depth`` 1 or 2, ``min_score`` in [0, 1], ``limit`` 1..500; ValueError says which is wrong."""
        if problem := too_long("article id", article_id):
            raise ValueError(problem)
        depth = _query_number(query, "depth", "1", int, "1 or 2")
        min_score = _query_number(
            query, "min_score", str(graph.SHOWN_MIN_SCORE), float, "a number between 0 and 1"
        )
        limit = _query_number(query, "limit", "50", int, f"a whole number from 1 to {MAX_LIMIT}")
        if depth not in (1, 2):
            raise ValueError(f"depth must be 1 or 2, not {depth}")
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be between 0 and 1, not {min_score:g}")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        return cls(depth, min_score, limit, query.get("summaries", "1") != "0")


def _query_number(query: Any, name: str, default: str, kind: type, wanted: str) -> Any:
    """A query parameter as a number; the ValueError names the parameter and what it takes."""
    raw = query.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be {wanted}, not {raw[:40]!r}") from None
    if kind is float and value != value:  # nan
        raise ValueError(f"{name} must be {wanted}, not {raw[:40]!r}")
    return value


def _asset(view: View, name: str) -> Response:
    body = resources.files("streams.dashboard").joinpath(name).read_bytes()
    return view.bytes(body, content_type=DASHBOARD_FILES[name], headers=dict(DASHBOARD_HEADERS))


def _positions(app: faust.App, prefix: str) -> list[PartitionPosition]:
    """Lag per assigned partition: the consumer's highwater minus the next offset to process.

    Not end offset minus committed: the embedded broker's ListOffsets is wrong for
    multi-record batches (DESIGN.md); the highwater comes with every fetch response.
    """
    positions = []
    for tp, highwater, next_offset in faust_internals.consumer_positions(app):
        topic = tp.topic[len(prefix) :] if prefix and tp.topic.startswith(prefix) else tp.topic
        consumed = topic in SOURCE_TOPICS
        positions.append(PartitionPosition(topic, tp.partition, highwater, next_offset, consumed))
    return positions


def _decode(stored: bytes | None) -> Any:
    """A table value as the steps wrote it (orjson bytes)."""
    return orjson.loads(stored) if stored is not None else None


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
                known = (stored, graph.edge_count(_decode(stored)))
            self.edges_of[key] = known
        return len(self.edges_of), sum(edges for _, edges in self.edges_of.values())
