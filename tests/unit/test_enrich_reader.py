"""What a reader gets from a wire story: the examples of issue 15, each one a check.

The Kenya paragraph is newsflow's own text; the others are paraphrases written here.
"""

from __future__ import annotations

from datetime import date

import pytest

from streams.pipeline.enrich import enrich
from streams.pipeline.enrich.dates import find_dates
from streams.pipeline.enrich.entities import find_entities
from streams.pipeline.enrich.keywords import stopwords
from streams.pipeline.enrich.quantities import find_quantities
from streams.pipeline.enrich.tokens import tokenize
from streams.records import CleanArticle, EnrichedArticle
from streams.text import normalize_text

KENYA = (
    "The Central Bank of Kenya cut its benchmark rate by 50 basis points to 10.75% on Tuesday, its "
    'fourth cut since August, Governor Kamau Thugge told reporters. "Inflation remains below the '
    'midpoint of our target range," he said. The bank expects growth of 5.4% this year, up from 4.6% '
    "last year, helped by a $180 million disbursement to Kenya in December."
)


def _article(text: str, language: str, published: str | None = "2025-02-11") -> EnrichedArticle:
    text = normalize_text(text)
    clean = CleanArticle(
        article_id="t",
        parent_id=None,
        url=None,
        source=None,
        published_at=published,
        fetched_at=None,
        language=language,
        title=None,
        paragraphs=text.split("\n\n"),
        text=text,
    )
    return enrich(clean)


@pytest.fixture(scope="module")
def kenya() -> EnrichedArticle:
    return _article(KENYA, "en")


def test_kenya_dates_are_in_the_past_and_years_are_found(kenya: EnrichedArticle) -> None:
    dates = {d.text: d.value for d in kenya.dates}
    assert dates["August"] == "2024-08"
    assert dates["December"] == "2024-12"
    assert dates["this year"] == "2025"
    assert dates["last year"] == "2024"
    assert dates["Tuesday"] == "2025-02-11"


def test_kenya_quantities_have_their_units(kenya: EnrichedArticle) -> None:
    quantities = {q.text: (q.value, q.unit, q.counts) for q in kenya.quantities}
    assert quantities["10.75%"] == (10.75, "percent", None)
    assert quantities["5.4%"] == (5.4, "percent", None)
    assert quantities["4.6%"] == (4.6, "percent", None)
    assert quantities["$180 million disbursement"] == (180_000_000, "USD", "disbursement")
    assert quantities["50 basis points"] == (50, "basis point", None)


def test_kenya_organisation_keeps_its_of_chain(kenya: EnrichedArticle) -> None:
    orgs = {e.key: e.name for e in kenya.entities if e.type == "org"}
    assert orgs == {"org:KE/central-bank": "Central Bank of Kenya"}


def test_kenya_pronoun_quote_goes_to_the_governor(kenya: EnrichedArticle) -> None:
    assert [(q.speaker, q.speaker_key) for q in kenya.quotes] == [("Kamau Thugge", "person:kamau-thugge")]


def test_acronym_in_brackets_and_alone_is_the_organisation() -> None:
    article = _article(
        "The Central Bank of Kenya (CBK) held its rate. The CBK said inflation would ease.", "en"
    )
    org = next(e for e in article.entities if e.key == "org:KE/central-bank")
    assert [m.text for m in org.mentions] == ["Central Bank of Kenya", "CBK", "CBK"]


def test_an_of_chain_without_a_known_head_is_one_organisation() -> None:
    article = _article("Officials at the Bank of Tanzania and the University of Nairobi met.", "en")
    names = {e.name for e in article.entities if e.type == "org"}
    assert {"Bank of Tanzania", "University of Nairobi"} <= names


def test_cities_are_no_people_and_datelines_are_places() -> None:
    article = _article(
        "TANGIER - Morocco's new terminal moved more boxes last year than Rotterdam, "
        "and shipping lines from Valencia followed.",
        "en",
    )
    kinds = {m.text: e.type for e in article.entities for m in e.mentions}
    assert kinds["TANGIER"] == "place"
    assert kinds["Morocco"] == "place"
    assert kinds["Rotterdam"] == "place"
    assert kinds["Valencia"] == "place"
    assert "org" not in kinds.values()


def test_agency_dateline_is_a_place() -> None:
    article = _article("NAIROBI (Reuters) - Kenya's shilling firmed on Monday.", "en")
    places = {e.key: [m.text for m in e.mentions] for e in article.entities if e.type == "place"}
    assert places["place:nairobi"] == ["NAIROBI"]


def test_a_surname_that_is_also_a_city_stays_the_person() -> None:
    article = _article(
        "Defense Secretary Lloyd Austin spoke on Tuesday. Austin said talks were useful.", "en"
    )
    person = next(e for e in article.entities if e.type == "person")
    assert person.key == "person:lloyd-austin"
    assert [m.text for m in person.mentions] == ["Lloyd Austin", "Austin"]


ARABIC_COPY_1 = (
    "عمّان - قال وزير الطاقة والثروة المعدنية صالح الخرابشة إن خط الربط الكهربائي الجديد سيمر عبر "
    "العقبة ومعان قبل أن يصل إلى المفرق."
)
ARABIC_COPY_2 = (
    "أعلن وزير الطاقة صالح الخرابشة أن خط الربط الكهربائي سيمر بمحافظات العقبة ومعان والمفرق، "
    "وأضاف أن العمل يبدأ الشهر المقبل."
)


@pytest.mark.parametrize("text", [ARABIC_COPY_1, ARABIC_COPY_2])
def test_arabic_minister_and_cities_in_both_copies(text: str) -> None:
    article = _article(text, "ar")
    keys = {e.key: e.type for e in article.entities}
    assert keys.get("person:saleh-khrbsha") == "person"
    for city in ("place:aqaba", "place:ma-an", "place:mafraq"):
        assert keys.get(city) == "place", city


def test_person_keys_are_readable_and_shared_across_languages() -> None:
    def people(text: str, language: str) -> set[str]:
        text = normalize_text(text)
        return {e.key for e in find_entities(text, tokenize(text), language) if e.type == "person"}

    assert people("أجرى وزير الدفاع الأمريكي لويد أوستن اتصالا", "ar") == {"person:lloyd-austin"}
    assert people("US Defense Secretary Lloyd Austin called", "en") == {"person:lloyd-austin"}
    spellings = ["قال المتحدث دميتري بيسكوف إن", "قال المتحدث ديميتري بيسكوف إن"]
    assert {frozenset(people(s, "ar")) for s in spellings} == {frozenset({"person:dmitry-peskov"})}
    assert people("Kremlin spokesman Dmitri Peskov said", "en") == {"person:dmitry-peskov"}


def test_a_person_key_is_url_safe_once_percent_encoded() -> None:
    from urllib.parse import quote, unquote

    text = "قال وزير الطاقة صالح الخرابشة إن"
    key = next(e.key for e in find_entities(text, tokenize(text), "ar") if e.type == "person")
    assert key.isascii() and " " not in key and unquote(quote(key, safe="")) == key


REF = date(2025, 2, 11)  # a Tuesday


def _dates(text: str, language: str) -> list[tuple[str, str, str | None]]:
    found, _ = find_dates(text, tokenize(text), language, REF)
    return [(d.text, d.value, d.end) for d in found]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("The summit will be held in March.", "en", ("March", "2025-03", None)),
        ("Talks resumed in March.", "en", ("March", "2024-03", None)),
        ("They will meet on Thursday.", "en", ("Thursday", "2025-02-13", None)),
        ("Prices rose from March to May.", "en", ("March to May", "2024-03", "2024-05")),
        ("He coached there from 1986 to 1991.", "en", ("from 1986 to 1991", "1986", "1991")),
        ("Sales fell in the past two weeks.", "en", ("in the past two weeks", "2025-01-28", "2025-02-11")),
        ("Sales fell earlier this month.", "en", ("earlier this month", "2025-02", None)),
        ("Sales fell last week.", "en", ("last week", "2025-02-03", "2025-02-09")),
        ("It opened three years ago.", "en", ("three years ago", "2022", None)),
        ("The player died Dec. 1 after a long illness.", "en", ("Dec. 1", "2024-12-01", None)),
        ("يعقد المؤتمر في مارس المقبل", "ar", ("مارس المقبل", "2025-03", None)),
        ("سيعقد المؤتمر في مارس", "ar", ("مارس", "2025-03", None)),
        ("ارتفعت الأسعار خلال الأسبوعين الماضيين", "ar", ("الأسبوعين الماضيين", "2025-01-28", "2025-02-11")),
        ("نما الاقتصاد العام الماضي", "ar", ("العام الماضي", "2024", None)),
        ("تراجعت المبيعات الشهر الماضي", "ar", ("الشهر الماضي", "2025-01", None)),
        ("بين عامي 2019 و2021", "ar", ("عامي 2019 و2021", "2019", "2021")),
        ("من مارس إلى مايو", "ar", ("مارس إلى مايو", "2024-03", "2024-05")),
    ],
)
def test_dates_as_a_reader_resolves_them(text: str, language: str, expected: tuple) -> None:
    assert expected in _dates(text, language)


def _quantities(text: str, language: str) -> set[tuple]:
    tokens = tokenize(text)
    found = find_quantities(text, tokens, language, set(), stopwords(language))
    return {(q.text, q.value, q.unit, q.counts, q.upper, q.approximate) for q in found}


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("a US$ 2.5bn deal", "en", ("US$ 2.5bn deal", 2.5e9, "USD", "deal", None, False)),
        ("it cost €3 billion", "en", ("€3 billion", 3e9, "EUR", None, None, False)),
        ("it cost £40m", "en", ("£40m", 40e6, "GBP", None, None, False)),
        (
            "worth 1.5 to 2 billion dollars",
            "en",
            ("1.5 to 2 billion dollars", 1.5e9, "USD", None, 2e9, False),
        ),
        ("between 10 and 15 percent", "en", ("10 and 15 percent", 10, "percent", None, 15, False)),
        ("up 3-4 percentage points", "en", ("3-4 percentage points", 3, "percentage point", None, 4, False)),
        ("about twenty-five people", "en", ("twenty-five people", 25, "people", None, None, True)),
        ("بقيمة 180 مليون دولار", "ar", ("180 مليون دولار", 180e6, "USD", None, None, False)),
        ("بلغ التضخم 3.5 في المئة", "ar", ("3.5 في المئة", 3.5, "percent", None, None, False)),
        ("بين 10 و15 مليار ريال", "ar", ("10 و15 مليار ريال", 10e9, "SAR", None, 15e9, False)),
        ("نحو 500 مليون جنيه", "ar", ("500 مليون جنيه", 500e6, "EGP", None, None, True)),
        ("ارتفع بنسبة 5.4%", "ar", ("5.4%", 5.4, "percent", None, None, False)),
    ],
)
def test_quantities_with_unit_and_counted_noun(text: str, language: str, expected: tuple) -> None:
    assert expected in _quantities(text, language)


def test_quote_pronouns_and_attributions() -> None:
    article = _article(
        'Finance Minister John Mbadi told Reuters "the economy is strong". "We will act," she added. '
        'Central bank governor Mary Wanjiru spoke next. "Rates will fall," she said. '
        'According to the IMF, "growth is firm".',
        "en",
    )
    assert [q.speaker_key for q in article.quotes] == [
        "person:john-mbadi",
        "person:john-mbadi",
        "person:mary-wanjiru",
        "org:IMF",
    ]


def test_arabic_verb_without_a_name_quotes_the_last_speaker() -> None:
    article = _article('قال وزير الطاقة صالح الخرابشة إن "المشروع يسير". وأضاف: "سننتهي العام المقبل".', "ar")
    assert [q.speaker for q in article.quotes] == ["صالح الخرابشة", "صالح الخرابشة"]


def test_a_story_without_any_date_gets_no_invented_dates() -> None:
    """No publication or fetch date: what needs one is left out; what the text dates stays,
    and a count of months is a count again."""
    story = _article(
        "The year 2019 was a busy one. Over the past 16 months he travelled, last week he rested, "
        "and in February he visited the Emirates.",
        "en",
        published=None,
    )
    assert [(d.text, d.value) for d in story.dates] == [("year 2019", "2019"), ("February", "2019-02")]
    assert ("16 months", 16, "months") in {(q.text, q.value, q.unit) for q in story.quantities}


def test_a_date_that_needs_the_missing_day_is_no_quantity_either() -> None:
    story = _article("كأس العالم التي تنطلق 12 يونيو المقبل في البرازيل", "ar", published=None)
    assert story.dates == []
    assert story.quantities == []


def test_a_storm_s_name_is_no_person_and_a_speaker_who_heads_something_is_one() -> None:
    article = _article(
        "Two terminals halted operations on Friday as Storm Elin drove gusts across the coast. "
        '"Every hour of closure pushes the backlog further," said Ilse de Waard, who heads '
        "operations at one of them. Operators expect to restart loading on Saturday morning.",
        "en",
        published="2025-03-14",
    )
    names = {e.name: e.type for e in article.entities}
    assert "Storm Elin" not in names and "Elin" not in names
    assert names["Ilse de Waard"] == "person"
    assert article.quotes[0].speaker_key == "person:ilse-de-waard"
    # "expect to" points forward: the coming Saturday, not the one before
    assert {d.text: d.value for d in article.dates}["Saturday"] == "2025-03-15"
