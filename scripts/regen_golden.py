"""Regenerate the clean stage's golden files: ``tests/data/clean/<name>.expected.json``.

    python scripts/regen_golden.py            # rewrite every expected file
    python scripts/regen_golden.py NAME...    # only these pages (``ar-article``)

Each ``tests/data/clean/<name>.in.<ext>`` is one raw message, bytes exactly as
they would arrive on ``articles.raw`` (a JSON envelope, a text page or an HTML
page, in any charset). Its expected file holds what ``parse_raw`` +
``clean_page`` make of it: the list of clean articles, or the dead-letter
reason. Review the diff (``git diff tests/data/clean``) before committing: a
golden file is a claim that the output is right, not a snapshot of whatever
the code does today.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "data" / "clean"


def golden_inputs() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.in.*"))


def golden_name(path: Path) -> str:
    return path.name.split(".in.")[0]


def expected_path(path: Path) -> Path:
    return GOLDEN_DIR / f"{golden_name(path)}.expected.json"


def clean_result(raw: bytes) -> Any:
    """What the clean stage makes of one raw message, as plain JSON data."""
    from streams.pipeline.clean import clean_page
    from streams.pipeline.errors import PipelineError
    from streams.pipeline.parse import parse_raw

    try:
        return [dataclasses.asdict(a) for a in clean_page(parse_raw(raw))]
    except PipelineError as error:
        return {"error": {"reason": error.reason, "stage": error.stage}}


def render(result: Any) -> bytes:
    return orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    wanted = set(argv)
    for path in golden_inputs():
        if wanted and golden_name(path) not in wanted:
            continue
        expected_path(path).write_bytes(render(clean_result(path.read_bytes())))
        print(f"wrote {expected_path(path).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
