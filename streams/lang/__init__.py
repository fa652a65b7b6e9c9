"""Per-language knowledge, loaded from the data files beside this module.

Each language is a folder (``ar/``, ``en/``, ...) of JSON files. Code asks for
a file by name and gets the data for every language that has it, so adding a
language is adding a folder, never a code branch.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson

LANG_DIR = Path(__file__).parent


@cache
def languages() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in LANG_DIR.iterdir() if p.is_dir() and p.name.isalpha()))


@cache
def load(language: str, name: str) -> Any:
    """The data file ``<language>/<name>.json``, or None when the language has none."""
    path = LANG_DIR / language / f"{name}.json"
    if not path.exists():
        return None
    return orjson.loads(path.read_bytes())


def load_all(name: str) -> dict[str, Any]:
    """``{language: data}`` for every language that ships ``<name>.json``."""
    found = {lang: load(lang, name) for lang in languages()}
    return {lang: data for lang, data in found.items() if data is not None}
