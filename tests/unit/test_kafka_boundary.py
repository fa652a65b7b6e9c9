"""Only ``streams/faust_internals.py`` reaches into Faust's and aiokafka's private names,
and only ``streams/kafka_io.py`` creates Kafka clients."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

STREAMS = ROOT / "streams"
INTERNALS = STREAMS / "faust_internals.py"
CLIENTS = STREAMS / "kafka_io.py"
# Private names of the standard library that are meant to be used.
STDLIB = {("os", "_exit")}
CLIENT_CLASSES = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"}


def _private_touches(path: Path) -> list[str]:
    """``x._name`` on anything but ``self``, ``cls`` and ``super()``; ``getattr(x, "_name")``;
    ``from faust... import _name``; a ``_name`` method of a subclass of a Faust or aiokafka class."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            if isinstance(owner, ast.Name) and (
                owner.id in ("self", "cls") or (owner.id, node.attr) in STDLIB
            ):
                continue
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                continue
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and str(name.value).startswith("_"):
                found.append(f"{path.name}:{node.lineno} getattr {name.value}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("faust", "aiokafka"):
            found += [
                f"{path.name}:{node.lineno} import {a.name}" for a in node.names if a.name.startswith("_")
            ]
        elif isinstance(node, ast.ClassDef) and any(
            ast.unparse(base).split(".")[0] in ("faust", "aiokafka") for base in node.bases
        ):
            found += [
                f"{path.name}:{item.lineno} overrides {item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef)
                and item.name.startswith("_")
                and not item.name.startswith("__")
            ]
    return found


def test_no_module_but_the_boundary_touches_faust_or_aiokafka_internals():
    touches = [
        t for path in sorted(STREAMS.rglob("*.py")) if path != INTERNALS for t in _private_touches(path)
    ]
    assert touches == [], "move these into streams/faust_internals.py, with the reason and the version"


def test_the_boundary_names_the_versions_it_was_checked_against():
    text = INTERNALS.read_text()
    assert "faust-streaming 0.15.3" in text and "aiokafka 0.14.0" in text
    assert _private_touches(INTERNALS), "the boundary still has internals to touch"


def test_only_kafka_io_creates_kafka_clients():
    creators = []
    for path in sorted(STREAMS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in CLIENT_CLASSES:
                    creators.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert creators and all(c.startswith("streams/kafka_io.py:") for c in creators), creators
