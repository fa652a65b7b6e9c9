"""JSON Schemas of the topic values and the HTTP bodies, generated from the code.

Topic values come from ``streams/records.py``, ``/stats`` from
``streams/stats_types.py``. ``newsflow schemas`` writes ``schemas/``;
``newsflow schemas --check`` (and a test) fails when the files and the code
drift apart.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, get_args, get_origin

import orjson

from streams.pipeline.stories import SUMMARY_FIELDS
from streams.records import TOPIC_RECORDS, EnrichedArticle, Verdict
from streams.stats_types import Stats

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def schema_for(cls: type[Any], title: str) -> dict[str, Any]:
    schema = _object_schema(cls)
    version = next(f.default for f in dataclasses.fields(cls) if f.name == "schema_version")
    schema["properties"]["schema_version"] = {"const": version}
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
        _, value = get_args(hint)
        return {"type": "object", "additionalProperties": _type_schema(value)}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _object_schema(hint)
    if typing.is_typeddict(hint):
        return _typed_dict_schema(hint)
    raise TypeError(f"no JSON Schema mapping for {hint!r}")


def _typed_dict_schema(cls: type[Any]) -> dict[str, Any]:
    """Keys marked ``NotRequired`` are optional (read off the hints: with postponed annotations
    Python 3.11's ``__required_keys__`` does not see the marker)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    optional = {name for name, hint in hints.items() if get_origin(hint) is NotRequired}
    properties = {
        name: _type_schema(get_args(hint)[0] if name in optional else hint) for name, hint in hints.items()
    }
    return _obj(properties, required=[name for name in hints if name not in optional])


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


_STR, _NSTR = {"type": "string"}, {"type": ["string", "null"]}
_SCORE = {"type": "number", "minimum": 0, "maximum": 1}
# What the HTTP answers say of each article they list, so that no second request is needed
# (``streams.pipeline.stories.SUMMARY_FIELDS``; null while the catalog does not know the article).
_SUMMARY = dict.fromkeys(SUMMARY_FIELDS, _NSTR)
_NEIGHBOUR = _obj(
    {
        "article_id": _STR,
        "score": _SCORE,
        "reasons": {"type": "array", "items": _STR},
        "via": _NSTR,
        **_SUMMARY,
    },
    required=["article_id", "score", "reasons", *_SUMMARY],
)


def http_schemas() -> dict[str, dict[str, Any]]:
    """The bodies the HTTP API answers with (``schemas/http.<name>.schema.json``)."""
    article = _object_schema(EnrichedArticle)
    verdict = _object_schema(Verdict)
    entity = _obj({"key": _STR, "name": _STR, "type": _STR, "mentions": {"type": "integer"}})
    member = _obj(
        {"article_id": _STR, "title": _NSTR, "source": _NSTR, "language": _NSTR, "published_at": _NSTR}
    )
    bodies = {
        "article": _obj({"article": article, "verdict": {"anyOf": [verdict, {"type": "null"}]}}),
        "related": _obj(
            {"article_id": _STR, "depth": {"enum": [1, 2]}, "related": {"type": "array", "items": _NEIGHBOUR}}
        ),
        "story": _obj(
            {
                "story_id": _STR,
                "first_seen": _NSTR,
                "members": {"type": "array", "items": member},
                "outlets": {"type": "array", "items": _STR},
                "languages": {"type": "array", "items": _STR},
                "top_entities": {"type": "array", "items": entity},
            }
        ),
        "entity": _obj(
            {
                "key": _STR,
                "seen": {"type": "integer"},
                "articles": {
                    "type": "array",
                    "items": _obj({"article_id": _STR, "at": _NSTR, **_SUMMARY}),
                },
            }
        ),
        "error": _obj({"error": _STR, "status": {"type": "integer"}}),
        "stats": _type_schema(Stats),
    }
    return {
        name: {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"HTTP {name}", **body}
        for name, body in bodies.items()
    }


def render_all() -> dict[str, bytes]:
    """``{file name: content}`` for every topic schema and HTTP body schema."""
    rendered = {f"{topic}.schema.json": schema_for(cls, topic) for topic, cls in TOPIC_RECORDS.items()}
    rendered |= {f"http.{name}.schema.json": body for name, body in http_schemas().items()}
    return {
        name: orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        for name, schema in rendered.items()
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
