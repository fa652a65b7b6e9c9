"""HTTP views of a worker: articles, their related articles, health and metrics.

Reads of a keyed table go through ``table_route``: a worker that does not own
the key forwards the request to the one that does, so any worker answers for
any article.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from faust.web import Request, Response, View
from prometheus_client import generate_latest

from streams import metrics
from streams.pipeline.link import neighbours

if TYPE_CHECKING:
    from streams.app import Newsflow

MAX_ID_LENGTH = 512


def register_views(newsflow: Newsflow) -> None:
    app, tables = newsflow.app, newsflow.tables

    def _json(view: View, body: Any, status: int = 200) -> Response:
        return view.bytes(orjson.dumps(body), content_type="application/json", status=status)

    def _error(view: View, status: int, message: str) -> Response:
        return _json(view, {"error": message, "status": status}, status)

    def _load(table: str, key: str) -> Any:
        stored = tables[table].get(key.encode())
        return orjson.loads(stored) if stored is not None else None

    @app.page("/articles/{article_id}")
    @app.table_route(table=tables["articles"], match_info="article_id")
    async def article(view: View, request: Request, article_id: str) -> Response:
        if len(article_id) > MAX_ID_LENGTH:
            return _error(view, 400, f"article id longer than {MAX_ID_LENGTH} characters")
        found = _load("articles", article_id)
        if found is None:
            return _error(view, 404, f"no article {article_id!r} on this deployment")
        return _json(view, {"article": found, "verdict": _load("verdicts", article_id)})

    @app.page("/articles/{article_id}/related")
    @app.table_route(table=tables["related_graph"], match_info="article_id")
    async def related(view: View, request: Request, article_id: str) -> Response:
        if len(article_id) > MAX_ID_LENGTH:
            return _error(view, 400, f"article id longer than {MAX_ID_LENGTH} characters")
        state = _load("related_graph", article_id)
        if state is None and _load("articles", article_id) is None:
            return _error(view, 404, f"no article {article_id!r} on this deployment")
        return _json(view, {"article_id": article_id, "related": neighbours(state)})

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
        for name, table in tables.items():
            metrics.TABLE_KEYS.labels(name).set(len(table))
        assignment = app.consumer.assignment() if app.consumer else set()
        metrics.ASSIGNED_PARTITIONS.set(len(assignment))
        return view.bytes(generate_latest(metrics.REGISTRY), content_type="text/plain; version=0.0.4")
