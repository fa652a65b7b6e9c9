"""Who may talk to newsflow, and how newsflow talks to a secured Kafka.

Three things, all built from ``Settings`` and nothing else:

* ``client_options(settings)``: the SASL / TLS keyword arguments of an aiokafka
  client (the CLI's producer, consumer and admin client);
* ``faust_credentials(settings)``: the same, as Faust's ``broker_credentials``;
* ``bearer_token_middleware(token)``: an aiohttp middleware that answers 401
  to any request without ``Authorization: Bearer <token>``, except on the
  paths an orchestrator or Prometheus polls (``OPEN_PATHS``).

Secrets (``sasl_password``, ``web_token``, read by ``streams.settings``) come
from their ``NEWSFLOW_*`` variable or from the file their ``*_FILE`` variable
names (a mounted secret); they are read when a client is built, kept out of
``repr(settings)``, and no function here logs or puts them in an error message.
"""

from __future__ import annotations

import hmac
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from streams.settings import Settings, sasl_password, web_token

# Health and metrics stay open: probes and scrapers carry no token.
OPEN_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def uses_tls(settings: Settings) -> bool:
    return settings.security_protocol in ("SSL", "SASL_SSL")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A verifying client context (system CAs, or ``ssl_cafile``), with a client certificate if set."""
    if not uses_tls(settings):
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ssl_cafile or None)
    if settings.ssl_certfile:
        context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile or None)
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaProducer`` / ``AIOKafkaConsumer`` / ``AIOKafkaAdminClient``.

    Empty for PLAINTEXT, so an unsecured deployment builds exactly the clients it always did.
    """
    if settings.security_protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": settings.security_protocol}
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.security_protocol.startswith("SASL_"):
        # aiokafka takes SCRAM credentials through the sasl_plain_* arguments too
        options.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=sasl_password(settings),
        )
    return options


def faust_credentials(settings: Settings) -> dict[str, Any]:
    """``broker_credentials`` for ``faust.App`` (Faust's own repr of them hides the password)."""
    import faust

    if settings.security_protocol == "PLAINTEXT":
        return {}
    context = ssl_context(settings)
    if settings.security_protocol == "SSL":
        return {"broker_credentials": faust.SSLCredentials(context)}
    credentials = faust.SASLCredentials(
        username=settings.sasl_username,
        password=sasl_password(settings),
        ssl_context=context,
        mechanism=settings.sasl_mechanism,
    )
    return {"broker_credentials": credentials}


def bearer_token_middleware(token: str) -> Any:
    """401 (JSON) unless ``Authorization: Bearer <token>``; ``OPEN_PATHS`` need none."""
    expected = token.encode("utf-8")

    @web.middleware
    async def require_bearer_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8"), expected):
            return await handler(request)
        return web.json_response(
            {
                "error": "missing or wrong bearer token (Authorization: Bearer <NEWSFLOW_WEB_TOKEN>)",
                "status": 401,
            },
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="newsflow"'},
        )

    return require_bearer_token


def install_web_auth(settings: Settings, web_app: Any) -> None:
    """Put the token check in front of every view of the worker's aiohttp app, when a token is set."""
    token = web_token(settings)
    if token:
        web_app.middlewares.append(bearer_token_middleware(token))
