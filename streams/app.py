"""The Faust app: topics, tables, agents and HTTP views, built from settings.

``create_app(settings)`` builds the app, declares topics and tables, registers
one agent per step and the HTTP views. Building it from settings (instead of at
import time) lets tests and ``newsflow run`` give each app its own broker,
topic prefix and web port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust
from faust.types import TableT

from streams import metrics
from streams.agents import register_agents
from streams.faust_internals import (
    aiohttp_app,
    fetch_broker_metadata,
    hold_fetches_at_most,
    keep_every_record,
    recover_tables_exactly,
)
from streams.pipeline.steps import StepContext
from streams.security import faust_credentials, install_web_auth
from streams.settings import Settings
from streams.tables import declare_tables
from streams.topics import declare_topics
from streams.web import register_views


@dataclass(frozen=True)
class Newsflow:
    app: faust.App
    settings: Settings
    topics: dict[str, faust.TopicT]
    tables: dict[str, TableT]


def faust_config(settings: Settings) -> dict[str, Any]:
    """Faust settings; the broker profile switch is the only place broker quirks live."""
    config: dict[str, Any] = dict(
        broker=[f"kafka://{host}" for host in settings.broker.split(",")],
        store=settings.store,
        datadir=str(settings.data_path() / "faust"),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        web_enabled=True,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        canonical_url=settings.advertised_url,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        consumer_auto_offset_reset="earliest",
        autodiscover=False,
        producer_acks=-1,
        # Every step is idempotent: on a rebalance, an event in flight is simply
        # processed again; waiting for it can hold the group in a rebalance.
        stream_wait_empty=False,
        # Room for any output of a message that passed the size door, and for its dead
        # letter: Faust's 1 MB default made the clean agent crash on a 1.8 MB article
        # (MessageSizeTooLargeError; the input was acked and lost). Same as kafka_io.
        producer_max_request_size=max(2 * settings.max_message_bytes, 1_048_576),
        consumer_max_fetch_size=max(2 * settings.max_message_bytes, 1_048_576),
        # SASL / TLS (streams/security.py); nothing for a PLAINTEXT broker
        **faust_credentials(settings),
    )
    if settings.tansu_compat:
        # Workers on the embedded broker share one machine: a standby copy of another
        # worker's tables only doubles the changelog reading on the same cores (2 workers
        # on 2 cores: 7.0 pages/s with it, 10.6 without). A worker taking over a
        # partition replays its changelog instead.
        config["table_standby_replicas"] = 0
    return config


def create_app(settings: Settings) -> Newsflow:
    if not settings.broker:
        raise ValueError("create_app needs a broker address (newsflow run starts one)")
    app = faust.App(settings.topic_prefix + settings.app_id, **faust_config(settings))
    keep_every_record()
    if settings.tansu_compat:
        hold_fetches_at_most(app, TANSU_FETCH_MAX_WAIT_MS)
        # Tansu answers ListOffsets wrongly when a record batch holds several records:
        # changelogs are read to their real end instead (DESIGN.md, "Broker and infrastructure").
        recover_tables_exactly(app, settings)
    topics = declare_topics(app, settings)
    tables = declare_tables(app, settings)
    register_agents(app, tables, StepContext.from_settings(settings), settings)
    newsflow = Newsflow(app=app, settings=settings, topics=topics, tables=tables)
    register_views(newsflow)
    install_web_auth(settings, aiohttp_app(app))
    register_broker_probe(app)
    return newsflow


# Faust asks the broker to hold an empty fetch for up to 1.5 s (hard-coded). Kafka
# answers as soon as a record arrives; Tansu holds the fetch the whole time, so every
# hop of the pipeline waited: measured 650-1,400 ms from produce to consume at 1.5 s,
# 4-14 ms at 50 ms. At 25 ms a hop waits 12 ms on average, and an idle worker spends
# 9.5% of a core (8.6% at 50 ms, 15.5% at 10 ms: each empty fetch costs a round trip).
TANSU_FETCH_MAX_WAIT_MS = 25


BROKER_PROBE_INTERVAL_S = 2.0


def register_broker_probe(app: faust.App) -> None:
    """Ask the broker for its metadata every few seconds: a stall shows on ``/metrics`` and the dashboard.

    Without it a stalled broker looks like a quiet stream: nothing comes in either way.
    """

    @app.timer(interval=BROKER_PROBE_INTERVAL_S)
    async def probe_broker() -> None:
        try:
            await fetch_broker_metadata(app, timeout_s=BROKER_PROBE_INTERVAL_S)
        except Exception:  # unreachable, timed out, refused: all mean down for the dashboard
            metrics.record_broker(up=False)
        else:
            metrics.record_broker(up=True)
