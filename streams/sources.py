"""Files to raw messages, for ``ingest`` and ``process``.

``.json`` is one envelope or a list of them, ``.jsonl`` one raw message per
line (a broken line is still sent: it becomes a dead letter like any broken
message), ``.html`` / ``.htm`` one HTML page, anything else one text page; a
directory is walked in name order; ``-`` is standard input.

A page may carry its metadata in a sidecar ``<name>.meta.json`` (envelope
fields: ``id, url, source, published_at, ...``), as scrapers that save pages
often do: the page is then sent as that envelope with the page as its ``text``
or ``html``. Sidecars and ``*.expected.json`` files (expected outputs kept
beside samples) are never sent on their own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from streams.pipeline.charset import decode
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import looks_like_html

SKIPPED_SUFFIXES = (".expected.json", ".meta.json")


def iter_files(paths: Iterable[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if name == "-":
            yield path
        elif path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if not child.name.startswith(".") and not child.name.endswith(SKIPPED_SUFFIXES):
                    yield child
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"no such file or directory: {name}")


def iter_messages(paths: Iterable[str]) -> Iterator[tuple[bytes | None, bytes]]:
    """``(key, value)`` raw messages from files; the key is the envelope id when there is one."""
    for path in iter_files(paths):
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        yield from _messages_of(path, data)


def _messages_of(path: Path, data: bytes) -> Iterator[tuple[bytes | None, bytes]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl" or (str(path) == "-" and data.lstrip()[:1] == b"{"):
        for line in data.splitlines():
            if line.strip():
                yield _key_of(line), line
    elif suffix == ".json":
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            yield None, data  # a broken file is a dead letter, not a crash
            return
        if isinstance(parsed, list):
            for envelope in parsed:
                value = orjson.dumps(envelope)
                yield _key_of(value), value
        else:
            yield _key_of(data), data
    else:
        yield _with_sidecar(path, data)


def _with_sidecar(path: Path, data: bytes) -> tuple[bytes | None, bytes]:
    sidecar = path.with_name(path.name.split(".")[0] + ".meta.json")
    if str(path) == "-" or not sidecar.is_file():
        return None, data
    envelope = orjson.loads(sidecar.read_bytes())
    try:
        page = decode(data)
    except PipelineError:
        return None, data  # undecodable: sent as it is, it becomes a dead letter
    body_field = "html" if path.suffix.lower() in (".html", ".htm") or looks_like_html(data) else "text"
    value = orjson.dumps({**envelope, body_field: page})
    return _key_of(value), value


def _key_of(value: bytes) -> bytes | None:
    try:
        envelope = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    article_id = envelope.get("id") if isinstance(envelope, dict) else None
    return str(article_id).encode() if isinstance(article_id, str | int) else None
