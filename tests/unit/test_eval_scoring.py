"""The real-news scorers of ``scripts/eval_enrich.py``: where each found expression is placed,
which annotated mentions are gold, and the side-by-side table."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from eval_enrich import _new_counts, _score_values, english_gold, score, side_by_side  # noqa: E402


def test_a_found_surface_inside_an_earlier_found_one_is_placed_after_it() -> None:
    text = "The parade begins Wednesday, Jan. 1, 2020. The 2020 parade is long."
    gold = [("Wednesday, Jan. 1, 2020", ("2020-01-01", None)), ("2020", ("2020", None))]
    found = [("Wednesday, Jan. 1, 2020", ("2020-01-01", None)), ("2020", ("2020", None))]
    counts: Counter = Counter()
    _score_values(counts, text, gold, found)
    assert (counts["tp"], counts["fp"], counts["fn"]) == (2, 0, 0)


def test_a_none_entry_takes_a_non_entity_use_of_an_annotated_word_and_is_never_scored() -> None:
    text = "وفق وحدة التقارير الاقتصادية في صحيفة الاقتصادية"
    gold = english_gold(text, [["org", "الاقتصادية"], ["none", "التقارير الاقتصادية"]])
    newspaper = text.rindex("الاقتصادية")
    adjective = text.index("الاقتصادية")
    assert (newspaper, newspaper + len("الاقتصادية"), "org") in gold
    assert not any(kind != "none" and start <= adjective < end for start, end, kind in gold)
    counts: Counter = Counter()
    guess = {(newspaper, newspaper + 10, "org"), (adjective, adjective + 10, "org")}
    score(counts, gold, guess)
    assert (counts["org", "tp"], counts["org", "fp"], counts["org", "fn"]) == (1, 1, 0)


def test_a_name_with_an_attached_clitic_is_its_own_whole_word_surface() -> None:
    text = "في سوريا وبسوريا"
    assert len(english_gold(text, [["place", "سوريا"]])) == 1
    spans = english_gold(text, [["place", "سوريا"], ["place", "وبسوريا"]])
    assert sorted(spans) == [(3, 8, "place"), (9, 16, "place")]


def test_the_side_by_side_table_has_the_arabic_news_entities_row_beside_newsfane(capsys) -> None:
    arabic, english, newsfane = _new_counts(), _new_counts(), Counter()
    arabic["articles"]["n"] = 67
    arabic["entities"].update({("person", "tp"): 3, ("person", "fp"): 1, ("place", "fn"): 2})
    english["entities"].update({("org", "tp"): 1})
    newsfane.update({("place", "tp"): 1, ("place", "fn"): 1})
    side_by_side(arabic, english, newsfane)
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if "micro F1" in line]
    assert rows == [
        ["entities,", "micro", "F1", "0.667", "NewsFANE", "1.000"],
        ["entities,", "micro", "F1", "0.667", "Arabic", "news,", "67", "articles", "1.000"],
    ]
