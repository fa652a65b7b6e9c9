"""Classes of errors found on real news, each with a check (texts written here, after them).

Arabic places that are words, English names a small tagger mistypes, dates and
quantities as news writes them in both languages, and quotes with their speakers.
"""

from __future__ import annotations

from datetime import date

from streams.pipeline.enrich import enrich
from streams.pipeline.enrich.dates import find_dates
from streams.pipeline.enrich.entities import find_entities
from streams.pipeline.enrich.keywords import stopwords
from streams.pipeline.enrich.quantities import find_quantities
from streams.pipeline.enrich.tokens import tokenize
from streams.records import CleanArticle, EnrichedArticle
from streams.text import normalize_text


def _entities(text: str, language: str) -> dict[str, set[tuple[str, str]]]:
    """``{surface: {(type, key)}}`` of every mention."""
    text = normalize_text(text)
    found: dict[str, set[tuple[str, str]]] = {}
    for entity in find_entities(text, tokenize(text), language):
        for mention in entity.mentions:
            found.setdefault(mention.text, set()).add((entity.type, entity.key))
    return found


def _types(text: str, language: str) -> dict[str, set[str]]:
    return {surface: {t for t, _ in kinds} for surface, kinds in _entities(text, language).items()}


def _dates(text: str, language: str, reference: date) -> list[tuple[str, str, str | None]]:
    text = normalize_text(text)
    found, _ = find_dates(text, tokenize(text), language, reference)
    return [(d.text, d.value, d.end) for d in found]


def _quantities(text: str, language: str) -> list[tuple[float, str]]:
    text = normalize_text(text)
    tokens = tokenize(text)
    _, used = find_dates(text, tokens, language, date(2020, 1, 1))
    return [(q.value, q.unit) for q in find_quantities(text, tokens, language, used, stopwords(language))]


def _article(text: str, language: str, published: str = "2020-01-01") -> EnrichedArticle:
    text = normalize_text(text)
    return enrich(
        CleanArticle(
            article_id="t",
            parent_id=None,
            url=None,
            source=None,
            published_at=published,
            fetched_at=None,
            language=language,
            title=None,
            paragraphs=[p for p in text.split("\n") if p],
            text=text,
        )
    )


# Arabic places


def test_a_clitic_never_turns_a_word_into_a_listed_town() -> None:
    found = _types("قدم الوزير ورقة عمل عن الأسطول البحري وحقق فوزا كبيرا", "ar")
    assert not [s for s, kinds in found.items() if "place" in kinds]


def test_a_city_after_a_club_or_university_word_names_the_organisation() -> None:
    found = _entities("فاز اتحاد طنجة على حسنية أكادير، وتحدث أستاذ في جامعة حلوان", "ar")
    assert {t for t, _ in found["اتحاد طنجة"]} == {"org"}
    assert {t for t, _ in found["جامعة حلوان"]} == {"org"}
    assert "طنجة" not in found and "حلوان" not in found


def test_common_words_that_place_lists_give_are_not_places() -> None:
    found = _types("كيف تقيم مسيرتك؟ وقال إن البركان قوم قوي", "ar")
    assert "كيف" not in found and "قوم" not in found


# English names


def test_upper_case_dateline_in_the_middle_of_a_text_with_its_state_and_agency() -> None:
    found = _types(
        "Rock Hill Police Investigating Shooting ROCK HILL, S.C. — Police say. "
        "PASADENA, Calif. (KTLA) — The parade began.",
        "en",
    )
    assert found["ROCK HILL"] == {"place"}
    assert found["S.C."] == {"place"}
    assert found["Calif."] == {"place"}
    assert found["KTLA"] == {"org"}


def test_a_place_written_with_full_stops_keeps_them() -> None:
    found = _entities("Food banks across the U.S. need help.", "en")
    assert found["U.S."] == {("place", "place:US")}


def test_a_photo_credit_is_an_agency_and_a_person() -> None:
    found = _types("Buddy Hield, left, during the first half. (AP Photo/Rich Pedroncelli)", "en")
    assert found["AP"] == {"org"}
    assert found["Rich Pedroncelli"] == {"person"}


def test_events_and_awards_are_not_entities_but_streets_are_places() -> None:
    found = _types(
        "Sullivan won the Heisman Trophy. She was driving on Merriman Road near the crash "
        "at Craig Road and Jones Boulevard.",
        "en",
    )
    assert not [s for s in found if "Heisman" in s or "Trophy" in s]
    assert found["Merriman Road"] == {"place"}
    assert found["Craig Road"] == {"place"}
    assert found["Jones Boulevard"] == {"place"}


def test_teams_and_platforms_are_organisations() -> None:
    found = _types("The Green Bay Packers posted the video on Twitter before the Packers flew home.", "en")
    assert found["Green Bay Packers"] == {"org"}
    assert found["Packers"] == {"org"}
    assert found["Twitter"] == {"org"}


def test_an_honorific_is_not_part_of_the_name_and_lower_case_words_are_no_mentions() -> None:
    found = _types(
        "Shelter manager Kate Bradley spoke first. Ms Bradley said the paid leave helps. "
        "Everyone was paid on time.",
        "en",
    )
    assert "Ms Bradley" not in found
    assert found["Bradley"] == {"person"}
    assert "paid" not in found


# Dates


def test_english_years_without_a_year_word_and_counts_that_are_not_years() -> None:
    found = _dates(
        "As 2019 has ended, 2000 people marched. The 2018 election was close.", "en", date(2020, 1, 1)
    )
    assert ("2019", "2019", None) in found
    assert ("2018", "2018", None) in found
    assert not [d for d in found if d[1] == "2000"]


def test_english_weekday_with_its_date_habits_ranges_and_next_year() -> None:
    reference = date(2020, 1, 1)
    assert _dates("He was last seen on Friday 13 December.", "en", reference) == [
        ("Friday 13 December", "2019-12-13", None)
    ]
    assert _dates("The state will sue every Tuesday.", "en", reference) == []
    assert _dates("From 2021 through 2025, it will apply.", "en", reference) == [
        ("From 2021 through 2025", "2021", "2025")
    ]
    assert _dates("Paid by April 24 of next year.", "en", reference) == [
        ("April 24 of next year", "2021-04-24", None)
    ]


def test_arabic_ordinal_days_and_months_written_twice() -> None:
    reference = date(2015, 7, 21)
    found = _dates("أطلقت الشركة في الثالث من يونيو (حزيران) أول رحلة", "ar", reference)
    assert [d[1] for d in found] == ["2015-06-03"]
    found = _dates("اتفق الجانبان في السابع والثامن من تموز/يوليو على ذلك", "ar", reference)
    assert [(d[1], d[2]) for d in found] == [("2015-07-07", "2015-07-08")]
    found = _dates("ولد في 5 أكتوبر عام 1976، وانتخب في شباط/فبراير 2016", "ar", reference)
    assert [d[1] for d in found] == ["1976-10-05", "2016-02"]


def test_arabic_calendar_letters_ago_and_words_that_only_look_like_dates() -> None:
    reference = date(2015, 7, 21)
    found = dict((d[0], d[1]) for d in _dates("تراجعت الإيرادات في نهاية عام 2014م", "ar", reference))
    assert "2014" in found.values()
    assert [d[1] for d in _dates("ملتقى شباب الباحة الثاني 1436هـ", "ar", reference)] == ["2015"]
    assert [d[1] for d in _dates("منذ انطلاق الثورة قبل 4 سنوات", "ar", reference)] == ["2011"]
    assert _dates("اعتقل قبل يومين من الانتخابات", "ar", reference) == []
    assert [d[1] for d in _dates("أعلنت القوات مساء أمس الأول", "ar", reference)] == ["2015-07-19"]
    assert _dates("وألا يقل التقدير عن جيد جداً", "ar", reference) == []


def test_a_day_in_a_forward_sentence_is_its_nearest_occurrence() -> None:
    found = _dates(
        "من المتوقع إتمام الصفقة في الأول من ديسمبر بعدما اتفقتا في العاشر من يوليو", "ar", date(2015, 7, 21)
    )
    assert [d[1] for d in found] == ["2015-12-01", "2015-07-10"]


# Quantities


def test_english_scores_ages_addresses_and_modifiers_are_not_quantities() -> None:
    assert _quantities("Sullivan led the team to a 26-7 record.", "en") == []
    assert _quantities("A man between 30 and 40 years old, a 64-year-old man.", "en") == []
    assert _quantities("She was driving in the 19100 block of Strasburg Street.", "en") == []
    assert (
        _quantities("Year after year, the top 10 list of resolutions looks the same. A 4-door car.", "en")
        == []
    )


def test_english_units_glued_or_hyphenated_and_the_head_noun() -> None:
    assert _quantities("The village is 50km from Chennai.", "en") == [(50.0, "km")]
    assert _quantities("In the 22-second video he danced.", "en") == [(22.0, "second")]
    assert _quantities("Strikes killed 25 pro-Iran fighters.", "en") == [(25.0, "fighters")]
    assert _quantities("Just three other women have held it.", "en") == [(3, "women")]


def test_arabic_quantities_with_clitics_duals_and_nouns_first() -> None:
    assert _quantities("نحو 49% بسبب النقل و4% بسبب الجمارك", "ar") == [(49.0, "percent"), (4.0, "percent")]
    assert _quantities("بقيمة تتجاوز ملياري ريال", "ar") == [(2_000_000_000, "SAR")]
    assert _quantities("خلال الشهور الستة الأولى", "ar") == [(6, "الشهور")]
    assert _quantities("اعتقال سبعة من مسؤولي الاتحاد", "ar") == [(7, "مسؤولي")]


def test_arabic_vague_counts_and_others_are_not_quantities() -> None:
    assert _quantities("انهالت عشرات القذائف على الأحياء", "ar") == []
    assert _quantities("قتل ثلاثة جنود وأصيب أربعة آخرون", "ar") == [(3, "جنود")]


# Quotes


def test_a_quote_goes_on_with_its_speaker_and_a_long_open_quote_runs_to_its_paragraph_end() -> None:
    article = _article(
        "“The best way to combat darkness and hate is with light,” said Michael Sachs, the past-president "
        "of the synagogue. “We want to light up our menorah.”\n"
        'Senator Kola Ologbondiyan spoke in Abuja. He said, "It is settled under the constitution that '
        "a legislator who leaves a party loses the seat\n",
        "en",
    )
    speakers = {q.text[:12]: q.speaker for q in article.quotes}
    assert speakers["The best way"] == "Michael Sachs"
    assert speakers["We want to l"] == "Michael Sachs"
    assert speakers["It is settle"] == "Kola Ologbondiyan"


def test_arabic_quotes_with_reversed_marks_unnamed_offices_and_an_organisation_named_again() -> None:
    article = _article(
        "قال رئيس الشرطة الجنرال بدر الدين هايتي إنه “كان من الضروري استخدام القوة”. "
        "وقال ” من واجب الشرطة حماية الدستور”.\n"
        'وفي بيان سابق قال المتحدث إن الجيش استهدف مقرا "لتجمع العناصر المسلحة".\n'
        "أفاد المرصد السوري لحقوق الإنسان بأن التنظيم أمهل المقاهي. وأوضح المرصد في بيان أن التنظيم يحاول "
        '"القيام بعملية تعتيم إعلامي".',
        "ar",
    )
    speakers = {q.text[:10]: q.speaker for q in article.quotes}
    assert speakers["كان من الض"] == "بدر الدين هايتي"
    assert speakers["من واجب ال"] == "بدر الدين هايتي"
    assert speakers["لتجمع العن"] is None
    assert speakers["القيام بعم"] == "المرصد السوري لحقوق الإنسان"
