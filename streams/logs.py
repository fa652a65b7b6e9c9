"""Log lines people and machines can read.

``NEWSFLOW_LOG_FORMAT=json`` gives one JSON object per line (``ts, level,
logger, message`` plus the fields a call passes with ``extra=``, e.g. the
``stage, reason, article_id`` of a dead letter); ``text`` (the default) gives
``2024-06-25 10:31:02 WARNING newsflow.agents dead letter: stage=clean ...``.

No article text is logged: the agents log ids, stages and reasons, never a
title or a body, and a field that is not a plain scalar is not copied into a
JSON line.
"""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

import orjson

from streams.settings import Settings

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_MAX_FIELD_CHARS = 200


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extras that are scalars ride along as fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name in _STANDARD or name.startswith("_") or name in line:
                continue
            if value is None or isinstance(value, bool | int | float):
                line[name] = value
            elif isinstance(value, str):
                line[name] = value[:_MAX_FIELD_CHARS]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s", "%Y-%m-%d %H:%M:%S")


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for a worker: one stream handler, the chosen format."""
    formatter = "json" if settings.log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": settings.log_level.upper(), "handlers": ["default"]},
    }


def configure(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))


def configure_cli(settings: Settings) -> None:
    """For short CLI commands: our warnings on stderr, library chatter only when debugging.

    aiokafka logs every failed connection attempt and asyncio reports unclosed
    clients; the command itself already says what went wrong, in one line.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter("newsflow: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    debug = settings.log_level.lower() == "debug"
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for noisy in ("aiokafka", "asyncio", "kafka"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.CRITICAL + 1)
