"""One frozen settings object, read from the environment once.

Every knob is a ``NEWSFLOW_*`` variable; nothing else in the package reads
``os.environ``. ``Settings.from_env()`` validates values and names the variable
that is wrong, so a typo fails at start-up instead of deep inside a worker.
Secrets are read here too, from their variable or the file their ``*_FILE``
variable names, so a missing secret file fails at start-up as well.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from streams.errors import EXIT_USAGE, NewsflowError

PREFIX = "NEWSFLOW_"
# Kafka security (streams/security.py builds the clients' options from these).
PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class SettingsError(NewsflowError, ValueError):
    """A NEWSFLOW_* variable holds a value newsflow cannot use."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class Settings:
    # Where Kafka is: "host:port[,host:port]". Empty means: start the embedded broker.
    broker: str = ""
    # Topic names are "<topic_prefix><name>", so several deployments (or tests) share a broker.
    topic_prefix: str = ""
    app_id: str = "newsflow"
    partitions: int = 4
    replication_factor: int = 1
    # Faust table store: "memory://" or "rocksdb://" (production, needs rocksdict).
    store: str = "memory://"
    data_dir: str = ".newsflow"
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    # The host other workers use to reach this one (table_route forwards requests).
    # Empty: web_host, or this machine's hostname when web_host binds every interface.
    web_advertised_host: str = ""
    # Broker compatibility profile. "tansu" turns on the settings the embedded broker
    # needs (one record per batch so table recovery is exact); "kafka" for real clusters.
    # Empty: "tansu" when the embedded broker is used, else "kafka".
    broker_profile: str = ""
    session_timeout_s: float = 6.0
    heartbeat_interval_s: float = 1.0
    # Input limits: larger raw messages are dead letters with reason "too_large".
    max_message_bytes: int = 5 * 1024 * 1024
    max_text_chars: int = 200_000
    # How long dedup and graph state remember an article.
    window_days: float = 7.0
    # Near-duplicates: MinHash-LSH over word shingles of the matching form, verified
    # on a shingle sketch (defaults measured on SaudiNewsNet, see README).
    dedup_shingle_size: int = 5
    dedup_bands: int = 16
    dedup_rows: int = 4
    dedup_near_threshold: float = 0.7
    dedup_sketch_size: int = 512
    dedup_max_candidates: int = 64
    graph_top_k: int = 50
    # How often (at most) a partition's table entries are swept for expiry.
    expiry_interval_s: float = 60.0
    # Micro-batches: an agent takes up to this many records, or what came within this
    # many ms, runs them, sends their outputs and writes their state once.
    batch_max_records: int = 200
    batch_max_wait_ms: float = 5.0
    # Outputs leave at least this often while a batch is processed (ms of processing),
    # so pages that need seconds of NLP together do not hold back their first outputs.
    batch_flush_ms: float = 100.0
    log_level: str = "info"
    log_format: str = "text"
    # Kafka security, passed to Faust and to every CLI client (streams/security.py).
    # security_protocol: PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL;
    # sasl_mechanism: PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512. A secret comes from its
    # variable or from the file its *_FILE variable names (a mounted secret); never both.
    # Secrets stay out of repr() and so out of every log line that prints settings.
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "PLAIN"
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)
    sasl_password_file: str = ""
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    # Bearer token every HTTP endpoint but /metrics, /healthz and /readyz requires. Empty: none.
    web_token: str = field(default="", repr=False)
    web_token_file: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, type(f.default), raw)
        settings = cls(**values)
        return (replace(settings, **overrides) if overrides else settings).validated()

    def validated(self) -> Settings:
        if self.partitions < 1:
            raise SettingsError("NEWSFLOW_PARTITIONS must be at least 1")
        if self.batch_max_records < 1:
            raise SettingsError("NEWSFLOW_BATCH_MAX_RECORDS must be at least 1")
        if self.broker_profile not in ("", "tansu", "kafka"):
            raise SettingsError("NEWSFLOW_BROKER_PROFILE must be 'tansu' or 'kafka'")
        if self.log_format not in ("text", "json"):
            raise SettingsError("NEWSFLOW_LOG_FORMAT must be 'text' or 'json'")
        validate_security(self)
        return self

    @property
    def embedded(self) -> bool:
        return not self.broker

    @property
    def tansu_compat(self) -> bool:
        """True when the broker is Tansu: see DESIGN.md for what was measured on it."""
        return self.broker_profile == "tansu" or (not self.broker_profile and self.embedded)

    def topic(self, name: str) -> str:
        return self.topic_prefix + name

    @property
    def advertised_url(self) -> str:
        host = self.web_advertised_host or self.web_host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        return f"http://{host}:{self.web_port}"

    def data_path(self) -> Path:
        return Path(self.data_dir)

    def with_broker(self, broker: str) -> Settings:
        profile = self.broker_profile or ("tansu" if self.embedded else "kafka")
        return replace(self, broker=broker, broker_profile=profile)

    def as_env(self) -> dict[str, str]:
        """The environment that reproduces these settings in a child process."""
        return {PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}


def _coerce(name: str, kind: type, raw: str) -> Any:
    try:
        if kind is bool:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc


def read_secret(value: str, path: str, name: str) -> str:
    """The secret ``name`` from its value or from the file ``path`` (trailing newline dropped).

    >>> read_secret("", "/run/secrets/kafka", "sasl_password")  # doctest: +SKIP
    'the file's content'
    """
    variable = PREFIX + name.upper()
    if value and path:
        raise SettingsError(f"set {variable} or {variable}_FILE, not both")
    if not path:
        return value
    try:
        secret = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        # the path is no secret; the content never appears in a message
        raise SettingsError(f"{variable}_FILE={path!r} cannot be read: {exc.__class__.__name__}") from None
    if not secret:
        raise SettingsError(f"{variable}_FILE={path!r} is empty")
    return secret


def sasl_password(settings: Settings) -> str:
    return read_secret(settings.sasl_password, settings.sasl_password_file, "sasl_password")


def web_token(settings: Settings) -> str:
    return read_secret(settings.web_token, settings.web_token_file, "web_token")


def validate_security(settings: Settings) -> None:
    """Fail at start-up, naming the variable, when the security settings cannot work."""
    if settings.security_protocol not in PROTOCOLS:
        raise SettingsError(f"{PREFIX}SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}")
    if settings.sasl_mechanism not in MECHANISMS:
        raise SettingsError(f"{PREFIX}SASL_MECHANISM must be one of {', '.join(MECHANISMS)}")
    password = sasl_password(settings)  # also: not both the variable and the file
    if settings.security_protocol.startswith("SASL_"):
        if not settings.sasl_username:
            raise SettingsError(
                f"{PREFIX}SECURITY_PROTOCOL={settings.security_protocol} needs {PREFIX}SASL_USERNAME"
            )
        if not password:
            raise SettingsError(
                f"{PREFIX}SECURITY_PROTOCOL={settings.security_protocol} needs "
                f"{PREFIX}SASL_PASSWORD or {PREFIX}SASL_PASSWORD_FILE"
            )
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        path = getattr(settings, name)
        if path and not Path(path).is_file():
            raise SettingsError(f"{PREFIX}{name.upper()}={path!r} is not a file")
    if settings.ssl_keyfile and not settings.ssl_certfile:
        raise SettingsError(f"{PREFIX}SSL_KEYFILE needs {PREFIX}SSL_CERTFILE")
    web_token(settings)
