"""Language detection with confidence and mixed-script spans; keywords merged with tags."""

from __future__ import annotations

import re

from streams.pipeline.enrich import keywords
from streams.pipeline.enrich.keywords import find_keywords, merge_tags
from streams.pipeline.enrich.language import detect
from streams.pipeline.enrich.tokens import tokenize


def test_arabic_with_a_latin_name() -> None:
    text = "صرح مسؤول دفاعي لموقع Task & Purpose بأن الولايات المتحدة ليس لديها قوات في ليبيا"
    guess = detect(text)
    assert guess.language == "ar" and guess.confidence > 0.5
    assert [text[s.start : s.end] for s in guess.spans] == ["Task & Purpose"]


def test_english() -> None:
    assert detect("The Pentagon said the call was the first in more than a year.").language == "en"


def test_tags_come_first_and_spellings_merge() -> None:
    assert merge_tags(["الدفاع الأمريكي"], ["الدفاع الأميركي", "أوكرانيا"]) == ["الدفاع الأمريكي", "أوكرانيا"]


def test_repeated_phrases_become_keywords() -> None:
    text = "القاعدة الجوية في النيجر. أغلقت القاعدة الجوية. القاعدة الجوية 201 في النيجر."
    keywords = find_keywords(text, tokenize(text), "ar", [])
    assert "القاعدة الجوية" in keywords


def test_rare_words_come_before_words_every_article_writes() -> None:
    text = (
        "Six tankers a month will carry water for a million people. The drought has emptied the "
        "reservoirs. Next month more tankers will come, and a million more people are at risk. "
        "The drought is the worst on record and the reservoirs are at 14% of their capacity."
    )
    keywords = find_keywords(text, tokenize(text), "en", [])
    assert keywords.index("drought") < keywords.index("month")
    assert keywords.index("reservoirs") < keywords.index("million")


def test_a_clitic_makes_no_word_rare() -> None:
    assert (
        keywords._rarity_of("والترويج", "ar") == keywords._rarity_of("الترويج", "ar") < keywords.RARE_WEIGHT
    )
    assert keywords._rarity_of("توازنه", "ar") == keywords._rarity_of("توازن", "ar") < keywords.RARE_WEIGHT
    # a language without a word list, or whose words wordfreq cannot split here, weighs every word alike
    assert keywords._rarity_of("habari", "sw") == keywords._rarity_of("kubwa", "sw")
    assert keywords._rarity_of("中国", "zh") == keywords._rarity_of("银行", "zh")
    assert find_keywords("中国银行 中国银行", tokenize("中国银行 中国银行"), "zh", []) == ["中国银行"]


def test_a_phrase_stops_at_no_name_before_its_end() -> None:
    text = "استقبل الأمير فيصل بن فرحان الوفد. وقال الأمير فيصل بن فرحان إن الوفد سيعود."
    names = [(m.start(), m.end()) for m in re.finditer("فيصل بن فرحان", text)]
    found = find_keywords(text, tokenize(text), "ar", [], names)
    assert "فيصل بن فرحان" in found
    assert not any(k.endswith(("فيصل", "بن")) for k in found)
    english = (
        "David Mascort spoke. Mascort said the Central Bank of Kenya and the Central Bank of Kenya agreed."
    )
    names = [
        (0, 13),
        (21, 28),
        *((m.start(), m.end()) for m in re.finditer("Central Bank of Kenya", english)),
    ]
    found = find_keywords(english, tokenize(english), "en", [], names)
    assert "Mascort" in found and "Kenya" in found
    assert "Central Bank" not in found and "Bank" not in found
