"""Golden files: each tricky page in ``tests/data/clean`` and the exact records it must give.

When a change to the clean stage changes an output on purpose, regenerate with
``python scripts/regen_golden.py [NAME...]`` and review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from regen_golden import clean_result, expected_path, golden_inputs, golden_name  # noqa: E402

INPUTS = golden_inputs()


def test_there_are_enough_golden_pages() -> None:
    names = [golden_name(p) for p in INPUTS]
    assert len(names) >= 15
    assert any(n.startswith("ar-") for n in names) and any(n.startswith("en-") for n in names)
    assert any(p.suffix == ".html" for p in INPUTS) and any(p.suffix == ".txt" for p in INPUTS)


@pytest.mark.parametrize("page", INPUTS, ids=golden_name)
def test_clean_output_matches_golden_file(page: Path) -> None:
    expected = expected_path(page)
    assert expected.exists(), f"no golden file: run python scripts/regen_golden.py {golden_name(page)}"
    got = clean_result(page.read_bytes())
    want = orjson.loads(expected.read_bytes())
    assert got == want, (
        f"{golden_name(page)} differs from {expected.name}; if the change is intended run "
        f"python scripts/regen_golden.py {golden_name(page)} and review the diff"
    )
