"""What a worker asks of the other workers over HTTP, for the answers it gives.

A keyed table's entries live on the worker that owns the key's partition. A
request for a key goes to its owner (``route_by_key``); an answer that lists
articles held elsewhere asks each of their owners once for their summaries
(``fetch_summaries``); a second hop of related articles asks the worker that
owns each neighbour (``second_hop``); the dashboard's worker list asks each
member of the group for its ``/healthz`` (``Peers``). The caller's bearer token
goes with every such request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
import orjson
from faust.exceptions import SameNode
from faust.web import Request, Response, View
from yarl import URL

if TYPE_CHECKING:
    import faust

# Neighbours' titles held by another worker: one request per worker, waited for this long;
# past it the answer goes out with what is known (title, language, source null).
SUMMARY_TIMEOUT_S = 1.0
SUMMARIES_PATH = "/internal/summaries"
# A peer worker's /healthz for the dashboard's worker list.
PEER_TIMEOUT_S = 1.0

log = logging.getLogger("newsflow.web")  # one log for the HTTP layer


def forwarded_auth(request: Request) -> dict[str, str]:
    """The caller's bearer token, for the requests a worker makes to another on its behalf."""
    token = request.headers.get("Authorization")
    return {"Authorization": token} if token else {}


def route_by_key(app: faust.App, table: str, key_of: Callable[[Request], str | None]) -> Any:
    """``table_route`` on the key ``key_of(request)`` gives, not on the path as typed.

    ``/entities/place:UA/articles`` and ``/entities/entity:place:UA/articles`` are
    one key: routing on the typed text would send one of them to the wrong worker.
    None from ``key_of`` (a key no table holds) is answered here.
    """

    def decorator(fun: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
        @wraps(fun)
        async def routed(view: View, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = key_of(request)
            if key is not None:
                try:
                    return await app.router.route_req(table, key, view.web, request)
                except SameNode:
                    pass
            return await fun(view, request, *args, **kwargs)

        return routed

    return decorator


class Owners:
    """Which worker holds a table key: None for this worker (or when nobody is known yet)."""

    def __init__(self, app: faust.App):
        self.app = app
        self.me = _ident(URL(str(app.conf.canonical_url)))

    def remote_owner(self, table: str, key: str) -> str | None:
        try:
            owner = self.app.router.key_store(table, key)
        except Exception:  # no assignment yet, between rebalances: read what is here
            return None
        return None if _ident(owner) == self.me else str(owner).rstrip("/")


def _ident(url: URL) -> tuple[str, int]:
    return (url.host or "", url.port or 80)


async def fetch_summaries(app: faust.App, owner: str, ids: list[str], request: Request) -> dict[str, Any]:
    """One request to the worker ``owner`` for the summaries it holds; {} when it does not answer in time."""
    try:
        async with app.http_client.post(
            owner + SUMMARIES_PATH,
            data=orjson.dumps({"ids": ids}),
            headers={**forwarded_auth(request), "Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=SUMMARY_TIMEOUT_S),
        ) as response:
            if response.status != 200:
                return {}
            found = orjson.loads(await response.read()).get("summaries", {})
            return found if isinstance(found, dict) else {}
    except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError):
        log.warning("no summaries from %s within %.1f s", owner, SUMMARY_TIMEOUT_S)
        return {}


async def second_hop(
    app: faust.App,
    base_url: str,
    root: str,
    first: list[dict[str, Any]],
    min_score: float,
    limit: int,
    request: Request,
) -> list[dict[str, Any]]:
    """Neighbours of neighbours, asked of whichever worker owns each (scores multiply)."""
    headers = forwarded_auth(request)

    async def fetch(item: dict[str, Any]) -> list[dict[str, Any]]:
        article = quote(item["article_id"], safe="")
        url = f"{base_url}/articles/{article}/related?limit={limit}&summaries=0"
        async with app.http_client.get(url, headers=headers) as response:
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
            if n["article_id"] not in known and n["score"] >= min_score and better:
                hops[n["article_id"]] = n
    second = sorted(hops.values(), key=lambda n: (-n["score"], n["article_id"]))
    return [*({**item, "via": None} for item in first), *second][:limit]


class Peers:
    """Every worker of the group as this worker last heard of it, asked over HTTP (``/healthz``).

    The group's members come from Faust's partition assignor; a worker that
    left it stays listed as down, so a dashboard shows who is missing.
    """

    def __init__(self, app: faust.App, me: str, clock: Callable[[], float]):
        self.app, self.me, self.clock = app, me.rstrip("/"), clock
        self.known: dict[str, dict[str, Any]] = {}

    def members(self) -> list[str]:
        try:
            urls = [str(url).rstrip("/") for url in self.app.router.tables_metadata()]
        except Exception:
            urls = []
        return sorted(set(urls) | {self.me} | set(self.known))

    async def report(self, me: dict[str, Any]) -> list[dict[str, Any]]:
        now = self.clock()

        async def ask(url: str) -> dict[str, Any] | None:
            if url == self.me:
                return me
            try:
                async with self.app.http_client.get(
                    url + "/healthz", timeout=aiohttp.ClientTimeout(total=PEER_TIMEOUT_S)
                ) as response:
                    body = orjson.loads(await response.read())
                    return body if isinstance(body, dict) else None
            except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError):
                return None

        urls = self.members()
        for url, answer in zip(urls, await asyncio.gather(*(ask(url) for url in urls)), strict=True):
            before = self.known.get(url, {})
            if answer is not None:
                self.known[url] = {**answer, "url": url, "up": True, "last_seen": now, "down_since": None}
            else:
                self.known[url] = {
                    **before,
                    "url": url,
                    "up": False,
                    "down_since": before.get("down_since") or now,
                }
        return [{**self.known[url], "self": url == self.me} for url in urls]
