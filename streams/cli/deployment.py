"""Finding the deployment a command talks to, and asking its workers over HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

import orjson

from streams import runfile
from streams.cli.errors import CliError, WorkerUnreachable
from streams.settings import Settings


def with_broker(settings: Settings, command: str) -> Settings:
    """``settings`` with a broker: NEWSFLOW_BROKER, else the one ``newsflow run`` started here."""
    if not settings.embedded:
        return settings
    info = runfile.read(settings.data_path())
    if info is None:
        raise CliError(
            f"'{command}' found no broker: start one with 'make run' (or 'newsflow run') in this folder, "
            f"or set NEWSFLOW_BROKER (no running deployment in {settings.data_path() / runfile.RUN_FILE})"
        )
    return replace(settings.with_broker(info.broker), topic_prefix=info.topic_prefix)


def worker_urls(settings: Settings, given: list[str] | None) -> list[str]:
    """Workers to ask: ``--url``, else those of the ``newsflow run`` started here, else NEWSFLOW_WEB_*."""
    if given:
        return [url.rstrip("/") for url in given]
    if settings.embedded and (info := runfile.read(settings.data_path())) and info.worker_urls:
        return info.worker_urls
    return [f"http://{settings.web_host}:{settings.web_port}"]


def get_json(base: str, path: str, *, missing_ok: bool = False) -> Any:
    """GET a worker's JSON; one clear CliError for an unreachable worker or an error answer."""
    url = base + path
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return None
        try:
            detail = orjson.loads(exc.read() or b"{}").get("error", exc.reason)
        except (orjson.JSONDecodeError, AttributeError):
            detail = exc.reason
        raise CliError(f"{url}: {exc.code} {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkerUnreachable(
            f"no newsflow worker at {base} ({reason}); start one with 'make run' or pass --url"
        ) from exc
    except orjson.JSONDecodeError as exc:
        raise CliError(f"{url} did not answer JSON; is it a newsflow worker?") from exc


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def port_holder(host: str, port: int) -> str:
    """Who listens on ``host:port``, as far as asking it over HTTP tells."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=1) as response:
            body = orjson.loads(response.read())
    except Exception:
        return "by another program"
    pid = body.get("pid") if isinstance(body, dict) else None
    if pid:
        return f"by a newsflow worker, pid {pid}, perhaps left by an earlier run: kill {pid}"
    return "by a newsflow worker"
