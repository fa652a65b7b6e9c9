"""The Faust app: the one place where the pipeline meets Kafka.

``create_app(settings)`` builds the app, declares topics and tables, registers
one agent per step and the HTTP views. Building it from settings (instead of at
import time) lets tests and ``newsflow run`` give each app its own broker,
topic prefix and web port.
"""

from __future__ import annotations

from dataclasses import dataclass

import faust

from streams.agents import register_agents
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
    tables: dict[str, faust.Table]


def faust_config(settings: Settings) -> dict[str, object]:
    """Faust settings; the broker profile switch is the only place broker quirks live."""
    config: dict[str, object] = dict(
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
        # Tansu answers ListOffsets wrongly for multi-record batches; one record per
        # batch keeps table recovery exact (DESIGN.md, "Broker and infrastructure").
        config["producer_max_batch_size"] = 1
    return config


def create_app(settings: Settings) -> Newsflow:
    if not settings.broker:
        raise ValueError("create_app needs a broker address (newsflow run starts one)")
    app = faust.App(settings.topic_prefix + settings.app_id, **faust_config(settings))
    topics = declare_topics(app, settings)
    tables = declare_tables(app, settings)
    register_agents(app, topics, tables, StepContext.from_settings(settings), settings.expiry_interval_s)
    newsflow = Newsflow(app=app, settings=settings, topics=topics, tables=tables)
    register_views(newsflow)
    install_web_auth(newsflow)
    return newsflow
