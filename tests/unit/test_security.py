"""Settings -> Kafka client options and Faust credentials; secrets from files; never in a repr."""

from __future__ import annotations

import logging
import ssl
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from streams.app import faust_config
from streams.security import client_options, faust_credentials, ssl_context
from streams.settings import MECHANISMS, Settings, SettingsError, read_secret, sasl_password, web_token

PASSWORD = "s3cr3t-Pa55-ÄÖ"
TOKEN = "tok-8f1e2d3c4b5a"


def _settings(**env: str) -> Settings:
    return Settings.from_env({"NEWSFLOW_BROKER": "kafka:9092", **env})


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A self-signed CA and client certificate made with openssl (no network)."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "client.key", folder / "client.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=newsflow-test",
        ],
        check=True,
        capture_output=True,
    )
    return {
        "NEWSFLOW_SSL_CAFILE": str(cert),
        "NEWSFLOW_SSL_CERTFILE": str(cert),
        "NEWSFLOW_SSL_KEYFILE": str(key),
    }


def test_plaintext_adds_nothing_to_the_clients():
    settings = _settings()
    assert client_options(settings) == {}
    assert faust_credentials(settings) == {}
    assert "broker_credentials" not in faust_config(settings)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_sasl_plaintext_passes_mechanism_user_and_password(mechanism):
    settings = _settings(
        NEWSFLOW_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        NEWSFLOW_SASL_MECHANISM=mechanism,
        NEWSFLOW_SASL_USERNAME="newsflow",
        NEWSFLOW_SASL_PASSWORD=PASSWORD,
    )
    assert client_options(settings) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "newsflow",
        "sasl_plain_password": PASSWORD,
    }
    credentials = faust_config(settings)["broker_credentials"]
    assert credentials.mechanism.value == mechanism and credentials.protocol.value == "SASL_PLAINTEXT"
    assert credentials.username == "newsflow" and credentials.password == PASSWORD


def test_sasl_ssl_carries_a_verifying_context_with_the_client_certificate(tls_files):
    settings = _settings(
        NEWSFLOW_SECURITY_PROTOCOL="SASL_SSL",
        NEWSFLOW_SASL_MECHANISM="SCRAM-SHA-512",
        NEWSFLOW_SASL_USERNAME="u",
        NEWSFLOW_SASL_PASSWORD=PASSWORD,
        **tls_files,
    )
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    credentials = faust_credentials(settings)["broker_credentials"]
    assert credentials.protocol.value == "SASL_SSL" and credentials.ssl_context is not None


def test_ssl_alone_uses_faust_ssl_credentials(tls_files):
    settings = _settings(NEWSFLOW_SECURITY_PROTOCOL="SSL", **tls_files)
    assert set(client_options(settings)) == {"security_protocol", "ssl_context"}
    credentials = faust_credentials(settings)["broker_credentials"]
    assert credentials.protocol.value == "SSL" and isinstance(credentials.context, ssl.SSLContext)
    assert ssl_context(_settings()) is None


def test_secrets_come_from_files_without_their_trailing_newline(tmp_path: Path):
    (tmp_path / "password").write_text(PASSWORD + "\n")
    (tmp_path / "token").write_text(TOKEN + "\r\n")
    settings = _settings(
        NEWSFLOW_SECURITY_PROTOCOL="SASL_SSL",
        NEWSFLOW_SASL_USERNAME="u",
        NEWSFLOW_SASL_PASSWORD_FILE=str(tmp_path / "password"),
        NEWSFLOW_WEB_TOKEN_FILE=str(tmp_path / "token"),
    )
    assert sasl_password(settings) == PASSWORD
    assert web_token(settings) == TOKEN
    assert client_options(settings)["sasl_plain_password"] == PASSWORD


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"NEWSFLOW_SECURITY_PROTOCOL": "SASL"}, "NEWSFLOW_SECURITY_PROTOCOL"),
        ({"NEWSFLOW_SASL_MECHANISM": "MD5"}, "NEWSFLOW_SASL_MECHANISM"),
        (
            {"NEWSFLOW_SECURITY_PROTOCOL": "SASL_SSL", "NEWSFLOW_SASL_PASSWORD": PASSWORD},
            "NEWSFLOW_SASL_USERNAME",
        ),
        ({"NEWSFLOW_SECURITY_PROTOCOL": "SASL_SSL", "NEWSFLOW_SASL_USERNAME": "u"}, "NEWSFLOW_SASL_PASSWORD"),
        (
            {"NEWSFLOW_SASL_PASSWORD": PASSWORD, "NEWSFLOW_SASL_PASSWORD_FILE": "/x"},
            "NEWSFLOW_SASL_PASSWORD_FILE",
        ),
        ({"NEWSFLOW_WEB_TOKEN_FILE": "/no/such/token"}, "NEWSFLOW_WEB_TOKEN_FILE"),
        ({"NEWSFLOW_SSL_CAFILE": "/no/such/ca.pem"}, "NEWSFLOW_SSL_CAFILE"),
    ],
)
def test_bad_security_settings_fail_at_start_naming_the_variable(env, names):
    with pytest.raises(SettingsError, match=names) as failure:
        _settings(**env)
    assert PASSWORD not in str(failure.value)


def test_an_empty_secret_file_is_an_error(tmp_path: Path):
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(SettingsError, match="is empty"):
        read_secret("", str(tmp_path / "empty"), "web_token")


def test_secrets_never_appear_in_reprs_config_or_logs(caplog, tmp_path: Path):
    """What a worker could log about its settings and config, with DEBUG on: no secret in it."""
    import faust

    from streams.app import create_app

    settings = replace(
        _settings(
            NEWSFLOW_SECURITY_PROTOCOL="SASL_PLAINTEXT",
            NEWSFLOW_SASL_USERNAME="u",
            NEWSFLOW_SASL_PASSWORD=PASSWORD,
            NEWSFLOW_WEB_TOKEN=TOKEN,
        ),
        data_dir=str(tmp_path),
    )
    config = faust_config(settings)
    texts = [repr(settings), str(settings), repr(config), repr(config["broker_credentials"])]
    with caplog.at_level(logging.DEBUG):
        newsflow = create_app(settings)
        logging.getLogger("newsflow").info("settings: %r", settings)
        texts += [repr(newsflow.app.conf.broker_credentials), caplog.text]
    assert isinstance(newsflow.app.conf.broker_credentials, faust.SASLCredentials)
    for text in texts:
        assert PASSWORD not in text and TOKEN not in text
    assert "sasl_username='u'" in repr(settings)


def test_the_web_server_binds_loopback_by_default():
    settings = Settings()
    assert settings.web_host == "127.0.0.1"
    config = faust_config(replace(settings, broker="kafka:9092"))
    assert config["web_bind"] == "127.0.0.1" and config["web_host"] == "127.0.0.1"
