"""What the Arabic name tagger sees of a word: name lists, cues before it, word clusters."""

from __future__ import annotations

import sys
from pathlib import Path

from streams.pipeline.enrich.tagger import features
from streams.pipeline.enrich.tokens import tokenize

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from newsfane import Sentence, split  # noqa: E402


def _features(text: str) -> dict[str, list[str]]:
    tokens = tokenize(text)
    return {t.text: row for t, row in zip(tokens, features(text, tokens, "ar"), strict=True)}


def test_a_surname_from_anywhere_is_marked_as_a_name_word_with_or_without_its_clitic() -> None:
    rows = _features("كان فرويد تلميذا وفرويد كتب")
    assert "pn=1" in rows["فرويد"] and "pn=1" in rows["وفرويد"]
    assert "pn=0" in rows["تلميذا"]
    assert "-1:pn=1" in rows["تلميذا"]  # its neighbour is one


def test_a_title_that_is_also_a_name_is_no_name_word() -> None:
    rows = _features("قال الشيخ بندر بن سلطان")
    assert "pn=0" in rows["الشيخ"] and "title=1" in rows["الشيخ"]
    assert "pn=1" in rows["بندر"] and "pn=1" in rows["سلطان"]


def test_a_title_up_to_three_words_before_is_a_cue() -> None:
    rows = _features("قال الرئيس الروسي السابق ديمتري ميدفيديف اليوم في موسكو")
    assert "cue=title" in rows["ديمتري"]  # الروسي السابق stand between
    assert "cue=title" in rows["الروسي"]
    assert "cue=-" in rows["قال"] and "cue=-" in rows["اليوم"]


def test_a_head_word_before_is_a_cue_of_its_kind() -> None:
    rows = _features("فاز حزب العمال البريطاني")
    assert "cue=org" in rows["العمال"] and "cue=org" in rows["البريطاني"]
    # هيئة is also a word of a title (رئيس هيئة الأركان): the head tells the kind
    assert "cue=org" in _features("وأعلنت هيئة الهلال الأحمر")["الهلال"]


def test_each_fold_holds_out_another_block_of_the_training_part() -> None:
    sentences = [Sentence([str(i)], ["O"]) for i in range(1000)]
    _, held_out = split(sentences)
    dev_blocks = {}
    for fold in range(4):
        train, dev = split(sentences, dev=True, fold=fold)
        assert len(train) == 600 and len(dev) == 200
        assert not {s.words[0] for s in dev} & {s.words[0] for s in held_out}
        dev_blocks[fold] = {int(s.words[0]) // 100 % 5 for s in dev}
    assert dev_blocks == {0: {0}, 1: {1}, 2: {2}, 3: {3}}
    assert split(sentences, dev=True) == split(sentences, dev=True, fold=3)
