"""Parse: raw bytes from ``articles.raw`` -> one ``RawPage``.

Any producer may write to ``articles.raw``: a JSON envelope
(``id, url, source, published_at, fetched_at, title, text | html, language``),
a bare text page or a bare HTML page. This is the door: every field is checked
here, once, and a bad message raises ``PipelineError`` naming the field.
Bytes in any charset are decoded by ``streams.pipeline.charset.decode``
(byte-order mark, declared charset, UTF-8, windows-1256 / ISO-8859-6 /
windows-1252, detection). A text body is bounded by ``max_text_chars``; an
HTML body only by ``max_message_bytes``, as the clean stage bounds the text
it extracts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import xxhash

from streams.pipeline.charset import decode, split_bom
from streams.pipeline.errors import PipelineError
from streams.records import SCHEMA_VERSION
from streams.text import matching_form

STAGE = "parse"
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|\?xml)", re.I | re.S)
_HTML_TAGS = re.compile(rb"<(?:p|div|article|section|span|br|h[1-6])[\s/>]", re.I)
_TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid)$", re.I)
ENVELOPE_STRINGS = (
    "id",
    "url",
    "source",
    "published_at",
    "fetched_at",
    "title",
    "author",
    "text",
    "html",
    "language",
    "content_type",
    "charset",
)


@dataclass(frozen=True, slots=True)
class Limits:
    max_message_bytes: int = 5 * 1024 * 1024
    max_text_chars: int = 200_000


# Longer ids are refused: an id is a Kafka key, a table key and a URL path segment.
MAX_ID_CHARS = 512


@dataclass(slots=True, kw_only=True)
class RawPage:
    article_id: str
    url: str | None
    source: str | None
    published_at: str | None
    fetched_at: str | None
    title: str | None
    author: str | None = None
    language: str | None
    body: str
    body_format: Literal["text", "html"]


def parse_raw(
    value: bytes | None,
    *,
    key: bytes | None = None,
    timestamp_ms: int | None = None,
    limits: Limits = Limits(),
) -> RawPage:
    """Turn one raw message into a page, or raise ``PipelineError``.

    ``key`` and ``timestamp_ms`` are the Kafka message's: ``fetched_at``
    defaults to the message timestamp when the envelope has none.
    """
    if not value or not value.strip():
        raise PipelineError("empty", STAGE, "the message has no content")
    if len(value) > limits.max_message_bytes:
        raise PipelineError(
            "too_large",
            STAGE,
            f"{len(value)} bytes is over the limit of {limits.max_message_bytes}"
            " (NEWSFLOW_MAX_MESSAGE_BYTES)",
        )
    if split_bom(value)[0]:
        value = decode(value).encode("utf-8")  # UTF-16/32 or UTF-8 with a mark: now plain UTF-8
    fetched_at = _from_timestamp(timestamp_ms)
    stripped = value.lstrip()
    if stripped[:1] in (b"{", b"["):
        return _parse_envelope(value, fetched_at, limits)
    body = decode(value)
    if not body.strip():
        raise PipelineError("empty", STAGE, "the page holds only blank characters")
    body_format: Literal["text", "html"] = "html" if looks_like_html(value) else "text"
    return _page({}, body, body_format, fetched_at, limits)


def looks_like_html(value: bytes) -> bool:
    head = value[:4096]
    return bool(_HTML_START.match(head)) or len(_HTML_TAGS.findall(head)) >= 2


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, fragment and tracking parameters dropped."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMS.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def content_id(body: str, body_format: Literal["text", "html"] = "text") -> str:
    """Id of a page with neither id nor URL: a hash of its content.

    Text is hashed in its matching form, so a re-scrape that only changed
    spaces or spelling variants keeps its id; HTML is hashed as it is (folding
    a whole page of markup cost more than extracting it).
    """
    content = matching_form(body) if body_format == "text" else body
    return "c" + xxhash.xxh3_64_hexdigest(content.encode("utf-8", "surrogatepass"))


def _parse_envelope(value: bytes, fetched_at: str | None, limits: Limits) -> RawPage:
    try:
        envelope = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        envelope = _non_utf8_envelope(value, exc)
    if not isinstance(envelope, dict):
        raise PipelineError(
            "invalid_envelope",
            STAGE,
            f"a message carries one JSON object, got {type(envelope).__name__}",
        )
    article_id = envelope.get("id")
    if isinstance(article_id, int) and not isinstance(article_id, bool):
        envelope["id"] = str(article_id)
    for name in ENVELOPE_STRINGS:
        field_value = envelope.get(name)
        if field_value is not None and not isinstance(field_value, str):
            raise PipelineError(
                "invalid_envelope",
                STAGE,
                f"field '{name}' must be a string, got {type(field_value).__name__}",
                article_id=envelope.get("id") if isinstance(envelope.get("id"), str) else None,
            )
    version = envelope.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise PipelineError(
            "unsupported_schema_version",
            STAGE,
            f"schema_version {version!r}; this worker reads up to {SCHEMA_VERSION}",
            article_id=envelope.get("id"),
        )
    html, text = envelope.get("html"), envelope.get("text")
    if html and html.strip():
        return _page(envelope, html, "html", fetched_at, limits)
    if text and text.strip():
        return _page(envelope, text, "text", fetched_at, limits)
    raise PipelineError(
        "empty", STAGE, "the envelope has no 'text' or 'html' body", article_id=envelope.get("id")
    )


def _non_utf8_envelope(value: bytes, error: orjson.JSONDecodeError) -> Any:
    """An envelope written in another charset (its ``charset`` field says which)."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return orjson.loads(decode(value))
        except (orjson.JSONDecodeError, PipelineError):
            pass
    raise PipelineError("invalid_json", STAGE, str(error)) from error


def _page(
    envelope: dict[str, Any],
    body: str,
    body_format: Literal["text", "html"],
    fetched_at: str | None,
    limits: Limits,
) -> RawPage:
    article_id = (envelope.get("id") or "").strip() or None
    if article_id is not None and len(article_id) > MAX_ID_CHARS:
        raise PipelineError(
            "invalid_envelope", STAGE, f"field 'id' has {len(article_id)} characters; at most {MAX_ID_CHARS}"
        )
    url = (envelope.get("url") or "").strip() or None
    if url:
        try:
            urlsplit(url)
        except ValueError as exc:  # e.g. a broken IPv6 host: "http://[::1:bad/"
            raise PipelineError(
                "invalid_envelope", STAGE, f"field 'url' is not a URL: {exc}", article_id=article_id
            ) from exc
    if body_format == "text" and len(body) > limits.max_text_chars:
        raise PipelineError(
            "too_large",
            STAGE,
            f"body of {len(body)} characters is over NEWSFLOW_MAX_TEXT_CHARS={limits.max_text_chars}",
            article_id=article_id,
        )
    if article_id is None:
        article_id = (
            "u" + xxhash.xxh3_64_hexdigest(canonical_url(url).encode())
            if url
            else content_id(body, body_format)
        )
    return RawPage(
        article_id=article_id,
        url=url,
        source=envelope.get("source") or (urlsplit(url).netloc.lower() or None if url else None),
        published_at=_iso(envelope, "published_at", article_id),
        fetched_at=_iso(envelope, "fetched_at", article_id) or fetched_at,
        title=(envelope.get("title") or "").strip() or None,
        author=(envelope.get("author") or "").strip() or None,
        language=(envelope.get("language") or "").strip().lower() or None,
        body=body,
        body_format=body_format,
    )


def _iso(envelope: dict[str, Any], name: str, article_id: str) -> str | None:
    """Dates become UTC ``YYYY-MM-DDTHH:MM:SSZ`` so that they sort as strings."""
    raw = envelope.get(name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise PipelineError(
            "invalid_envelope",
            STAGE,
            f"field '{name}' is not an ISO-8601 date: {raw[:64]!r}",
            article_id=article_id,
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_timestamp(timestamp_ms: int | None) -> str | None:
    if timestamp_ms is None or timestamp_ms <= 0:
        return None
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
