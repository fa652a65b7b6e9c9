import pytest

from streams.settings import Settings, SettingsError


def test_defaults_start_the_embedded_broker_with_the_tansu_profile():
    settings = Settings.from_env({})
    assert settings.embedded and settings.tansu_compat
    assert settings.partitions == 4


def test_environment_values_are_typed():
    settings = Settings.from_env(
        {"NEWSFLOW_BROKER": "k1:9092,k2:9092", "NEWSFLOW_PARTITIONS": "12", "NEWSFLOW_WINDOW_DAYS": "2.5"}
    )
    assert settings.broker == "k1:9092,k2:9092"
    assert settings.partitions == 12 and settings.window_days == 2.5
    assert not settings.tansu_compat  # a configured broker is Kafka unless told otherwise


def test_a_bad_value_names_the_variable():
    with pytest.raises(SettingsError, match="NEWSFLOW_PARTITIONS"):
        Settings.from_env({"NEWSFLOW_PARTITIONS": "four"})
    with pytest.raises(SettingsError, match="NEWSFLOW_BROKER_PROFILE"):
        Settings.from_env({"NEWSFLOW_BROKER_PROFILE": "redpanda"})
    with pytest.raises(SettingsError, match="NEWSFLOW_BATCH_MAX_RECORDS"):
        Settings.from_env({"NEWSFLOW_BATCH_MAX_RECORDS": "0"})


def test_as_env_round_trips():
    settings = Settings(broker="b:1", topic_prefix="t-", partitions=8, broker_profile="tansu")
    assert Settings.from_env(settings.as_env()) == settings


def test_topic_names_carry_the_prefix():
    assert Settings(topic_prefix="staging.").topic("articles.raw") == "staging.articles.raw"
