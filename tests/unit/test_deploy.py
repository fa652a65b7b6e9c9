"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

CI machines have no Docker engine, so the deployment files are checked by
reading them: the services exist, the workers are configured with settings
newsflow really reads, and the image installs the package.
"""

from __future__ import annotations

import dataclasses
import re

import yaml

from streams.settings import PREFIX, Settings
from tests.conftest import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_kafka_in_kraft_mode_two_workers_and_a_one_shot_ingest():
    services = compose()["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["build"] == "."
    assert services["ingest"]["command"][:2] == ["newsflow", "ingest"]
    assert services["ingest"]["restart"] == "no"


def test_worker_environment_names_only_settings_that_newsflow_reads():
    known = {PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}
    for name in ("worker", "ingest"):
        env = compose()["services"][name]["environment"]
        newsflow_vars = {k for k in env if k.startswith(PREFIX)}
        assert newsflow_vars, f"{name} sets no NEWSFLOW_* variable"
        assert newsflow_vars <= known, f"{name}: unknown settings {newsflow_vars - known}"
        Settings.from_env({k: str(v) for k, v in env.items() if k.startswith(PREFIX)})
    assert compose()["services"]["worker"]["environment"]["NEWSFLOW_BROKER"] == "kafka:9092"


def test_the_dockerfile_installs_the_package_and_runs_a_worker():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^RUN pip install \.", dockerfile, re.M)
    assert re.search(r"^COPY streams \./streams", dockerfile, re.M)
    assert 'CMD ["newsflow", "worker"]' in dockerfile
