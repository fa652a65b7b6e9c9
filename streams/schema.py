"""JSON Schemas of the topic values, generated from ``streams/records.py``.

``newsflow schemas`` writes ``schemas/<topic>.schema.json``; ``newsflow schemas
--check`` (and a test) fails when the files and the records drift apart.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import orjson

from streams.records import SCHEMA_VERSION, TOPIC_RECORDS

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def schema_for(cls: type[Any], title: str) -> dict[str, Any]:
    schema = _object_schema(cls)
    schema["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newsflow.example/schemas/{title}.schema.json",
        "title": title,
        "description": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else title,
        **schema,
    }


def _object_schema(cls: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties = {f.name: _type_schema(hints[f.name]) for f in dataclasses.fields(cls)}
    return {
        "type": "object",
        "properties": properties,
        "required": [f.name for f in dataclasses.fields(cls)],
        "additionalProperties": False,
    }


def _type_schema(hint: Any) -> dict[str, Any]:
    origin = get_origin(hint)
    if hint in _SCALARS:
        # JSON has one number type: an int is a valid float.
        return {"type": ["number"] if hint is float else _SCALARS[hint]}
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if origin in (typing.Union, types.UnionType):
        options = [_type_schema(arg) for arg in get_args(hint) if arg is not type(None)]
        nullable = type(None) in get_args(hint)
        if len(options) == 1 and nullable:
            only = options[0]
            if "enum" in only:
                return {"enum": [*only["enum"], None]}
            if "type" in only:
                kinds = only["type"] if isinstance(only["type"], list) else [only["type"]]
                return {**only, "type": [*kinds, "null"]}
        return {"anyOf": options + ([{"type": "null"}] if nullable else [])}
    if origin is list:
        (item,) = get_args(hint)
        return {"type": "array", "items": _type_schema(item)}
    if origin is dict:
        return {"type": "object"}
    if dataclasses.is_dataclass(hint):
        return _object_schema(hint)
    raise TypeError(f"no JSON Schema mapping for {hint!r}")


def render_all() -> dict[str, bytes]:
    """``{file name: content}`` for every topic schema."""
    return {
        f"{topic}.schema.json": orjson.dumps(
            schema_for(cls, topic), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        )
        + b"\n"
        for topic, cls in TOPIC_RECORDS.items()
    }


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_all().items():
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written


def drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the schema files that differ from what the records generate."""
    return [
        name
        for name, content in render_all().items()
        if not (directory / name).exists() or (directory / name).read_bytes() != content
    ]
