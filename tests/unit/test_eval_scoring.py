"""The real-news scorer of ``scripts/eval_enrich.py`` places each found expression where it was found."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from eval_enrich import _score_values  # noqa: E402


def test_a_found_surface_inside_an_earlier_found_one_is_placed_after_it() -> None:
    text = "The parade begins Wednesday, Jan. 1, 2020. The 2020 parade is long."
    gold = [("Wednesday, Jan. 1, 2020", ("2020-01-01", None)), ("2020", ("2020", None))]
    found = [("Wednesday, Jan. 1, 2020", ("2020-01-01", None)), ("2020", ("2020", None))]
    counts: Counter = Counter()
    _score_values(counts, text, gold, found)
    assert (counts["tp"], counts["fp"], counts["fn"]) == (2, 0, 0)
