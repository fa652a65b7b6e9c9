"""Shared fixtures: the repo's samples and the schemas every message must meet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="session")
def validators() -> dict[str, Draft202012Validator]:
    """``{topic: validator}`` built from ``schemas/<topic>.schema.json``."""
    found = {}
    for path in SCHEMAS.glob("*.schema.json"):
        schema = orjson.loads(path.read_bytes())
        Draft202012Validator.check_schema(schema)
        found[path.name.removesuffix(".schema.json")] = Draft202012Validator(schema)
    return found


def assert_valid(validators: dict[str, Draft202012Validator], topic: str, value: Any) -> None:
    errors = sorted(validators[topic].iter_errors(value), key=lambda e: list(e.path))
    assert not errors, f"{topic}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )
