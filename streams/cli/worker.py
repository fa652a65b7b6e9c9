"""``newsflow worker``: one worker in this process, against the broker NEWSFLOW_BROKER names."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import threading
from typing import Any

from streams.broker import port_is_free
from streams.cli.deployment import port_holder
from streams.cli.errors import CliError
from streams.logs import logging_config
from streams.settings import Settings

NAME = "worker"
HELP = "Run one worker in this process (needs NEWSFLOW_BROKER)."
EPILOG = """examples:
  NEWSFLOW_BROKER=localhost:9092 newsflow worker
  NEWSFLOW_BROKER=kafka:9092 NEWSFLOW_WEB_PORT=6067 NEWSFLOW_LOG_FORMAT=json newsflow worker

The worker serves /dashboard, /stats, /metrics, /articles/ID and /readyz on
NEWSFLOW_WEB_HOST:NEWSFLOW_WEB_PORT (default 127.0.0.1:6066).
"""

# A worker asked to stop finishes or abandons the input in hand (an input whose outputs
# the broker has not taken stays unacknowledged and is processed again later) and leaves
# the group; past this many seconds it exits anyway: a worker whose broker is gone would
# otherwise retry it until it is killed.
WORKER_STOP_DEADLINE_S = 6.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """None: a worker is configured by NEWSFLOW_* variables only."""


def command(args: argparse.Namespace, settings: Settings) -> int:
    if settings.embedded:
        raise CliError("'worker' needs NEWSFLOW_BROKER; 'newsflow run' starts a broker for you")
    # Heavy (aiokafka, Faust, the pipeline's models): imported by the command that runs them.
    from streams.app import create_app
    from streams.kafka_io import check_copartitioned, ensure_topics
    from streams.pipeline.steps import warm_up

    if not port_is_free(settings.web_host, settings.web_port):
        raise CliError(
            f"port {settings.web_port} on {settings.web_host} is taken "
            f"({port_holder(settings.web_host, settings.web_port)}); set NEWSFLOW_WEB_PORT to a free port"
        )
    asyncio.run(ensure_topics(settings))
    asyncio.run(check_copartitioned(settings))
    (settings.data_path() / "faust").mkdir(parents=True, exist_ok=True)
    warm_up()
    app = create_app(settings).app
    freeze_start_up_heap()
    faust_worker(app, settings).execute_from_commandline()
    return 0


def freeze_start_up_heap() -> None:
    """Keep what start-up built (modules, language models, the app) out of every later collection.

    Python's full garbage collection walks every tracked object, and start-up
    leaves hundreds of thousands of them that live as long as the process: each
    full collection while the worker ran took about 70 ms, a few per hundred
    articles. Frozen, they are never walked again; what the worker builds
    afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()


def faust_worker(app: Any, settings: Settings) -> Any:
    """Faust's worker for ``app``, without its terminal spinner, with a bounded stop."""
    from streams.faust_internals import quiet_worker  # heavy: the Kafka clients and the pipeline's topics

    signals: list[str] = []

    def stop_requested() -> None:
        """A stop signal starts a deadline; a second one, or the deadline, ends the process."""
        if signals:
            _exit_now("a second stop signal")
        signals.append("stop")
        timer = threading.Timer(WORKER_STOP_DEADLINE_S, _exit_now, (f"{WORKER_STOP_DEADLINE_S:.0f} s",))
        timer.daemon = True
        timer.start()

    config = logging_config(settings)
    return quiet_worker(app, stop_requested, loglevel=settings.log_level, quiet=True, logging_config=config)


def _exit_now(why: str) -> None:
    logging.getLogger("newsflow.worker").warning("stopping now: %s", why)
    logging.shutdown()
    os._exit(1)
