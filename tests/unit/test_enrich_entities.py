"""Entity keys: clitics, spelling variants, nisbas, titles, short mentions, both languages."""

from __future__ import annotations

from streams.pipeline.enrich.entities import _clean_tagged, find_entities
from streams.pipeline.enrich.tokens import tokenize
from streams.text import normalize_text


def _entities(text: str, language: str = "ar", use_tagger: bool = False) -> dict[str, set[str]]:
    text = normalize_text(text)
    found = find_entities(text, tokenize(text), language, use_tagger=use_tagger)
    for entity in found:
        for mention in entity.mentions:
            assert text[mention.start : mention.end] == mention.text
    return {e.key: {m.text for m in e.mentions} for e in found}


def test_clitics_are_stripped_to_one_key() -> None:
    keys = _entities("سافر بأوكرانيا ثم لكييف وواشنطن ثم إلى أوكرانيا")
    assert keys["place:UA"] == {"بأوكرانيا", "أوكرانيا"}
    assert "place:kyiv" in keys and "place:washington" in keys


def test_spelling_variants_share_a_key() -> None:
    keys = _entities("قال البنتاجون. وقال البنتاغون. وقالت وزارة الدفاع الأميركية")
    assert keys["org:US/defence-ministry"] == {"البنتاجون", "البنتاغون", "وزارة الدفاع الأميركية"}


def test_arabic_and_english_share_keys() -> None:
    arabic = _entities("زار الوزير أوكرانيا والبنتاغون")
    english = _entities("The minister visited Ukraine and the Pentagon", "en")
    assert {"place:UA", "org:US/defence-ministry"} <= arabic.keys() & english.keys()


def test_nisba_gives_an_institution_its_country_but_is_no_entity_alone() -> None:
    keys = _entities("قالت وزارة الخارجية الروسية إن الأزمة الكوبية انتهت")
    assert "org:RU/foreign-ministry" in keys
    assert "place:CU" not in keys


def test_nisba_after_a_title_mentions_a_country_named_in_the_article() -> None:
    keys = _entities("هدد الرئيس الروسي فلاديمير بوتين أوكرانيا. وقالت روسيا إن")
    assert "الروسي" in keys["place:RU"]


def test_title_introduces_a_name_and_the_surname_is_the_same_person() -> None:
    keys = _entities("أجرى وزير الدفاع الأمريكي لويد أوستن، اتصالاً. وقال أوستن إن")
    people = [k for k in keys if k.startswith("person:")]
    assert len(people) == 1 and keys[people[0]] == {"لويد أوستن", "أوستن"}


def test_name_after_spokesman_of_a_quoted_institution() -> None:
    text = 'قال المتحدث باسم وزارة الدفاع الأمريكية "البنتاجون"، بات رايدر، في بيان'
    people = {k: v for k, v in _entities(text).items() if k.startswith("person:")}
    assert list(people.values()) == [{"بات رايدر"}]


def test_a_verb_after_a_comma_is_no_name() -> None:
    keys = _entities("وأعلنت موسكو أن وزيري الدفاع الروسي، ونظيره الأمريكي، بحثا الوضع في أوكرانيا")
    assert not [k for k in keys if k.startswith("person:")]


def test_latin_name_inside_arabic_text() -> None:
    keys = _entities("صرح مسؤول دفاعي لـ Task & Purpose بأن")
    assert keys["org:task-and-purpose"] == {"Task & Purpose"}


def test_english_with_spacy_and_gazetteer_keys() -> None:
    keys = _entities("Defense Secretary Lloyd Austin spoke with Russia's defence minister.", "en", True)
    assert "place:RU" in keys
    assert any(k.startswith("person:") and "Lloyd Austin" in v for k, v in keys.items())


def test_a_lone_surname_is_the_person_whatever_the_tagger_says() -> None:
    text = "Gen. Michael Langley spoke in Gaborone. Langley said the talks went well."
    keys = _entities(text, "en", True)
    assert keys["person:michael-langley"] == {"Michael Langley", "Langley"}


def test_a_geographic_head_makes_another_place() -> None:
    keys = _entities("تقع القرى في دلتا نهر النيجر، قرب خليج المكسيك وفي آسيا الوسطى")
    assert keys["place:نهر النغر"] == {"نهر النيجر"}
    assert any(v == {"خليج المكسيك"} for v in keys.values())
    assert any(v == {"آسيا الوسطى"} for v in keys.values())
    assert "place:NE" not in keys  # the river is not a mention of the country


def test_a_common_word_is_an_organisation_only_when_the_tagger_agrees() -> None:
    from streams.pipeline.enrich.entities import _drop_common_words
    from streams.pipeline.enrich.gazetteer import gazetteer

    tokens = tokenize("قررت النيابة فتح تحقيق وقالت حركة فتح")
    known = gazetteer().find_all(tokens)
    kept = _drop_common_words(tokens, known, [(0, 0, "person")], "ar")
    assert [tokens[m.first].text for m in kept] == ["حركة"]
    kept = _drop_common_words(tokens, known, [(2, 2, "org")], "ar")
    assert [tokens[m.first].text for m in kept] == ["فتح", "حركة"]


def test_a_chain_of_given_names_stops_at_a_word_with_a_clitic() -> None:
    keys = _entities("التقى الرئيس الفلسطيني محمود عباس لبحث سبل الخروج من الأزمة")
    assert [v for k, v in keys.items() if k.startswith("person:")] == [{"محمود عباس"}]
    keys = _entities("وأعلن رئيس الوزراء النيجري علي محمد الأمين زين في مقابلة")
    assert any(v == {"علي محمد الأمين زين"} for v in keys.values())


def test_the_tagger_ends_a_two_word_name_after_a_title() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.people import titled_names

    text = normalize_text("وطلب الوزير سمير التدخل في الأزمة")
    tokens = tokenize(text)
    hint = frozenset({2})  # the tagger read سمير alone as the person
    names = titled_names(text, tokens, "ar", gazetteer(), hint, strict=True)
    assert [(n.first, n.last) for n in names] == [(2, 2)]


def test_a_given_name_after_a_particle_ends_the_name() -> None:
    # علي reads as the preposition على, but after بن it is the father's name
    keys = _entities("واستقبل الرئيس خالد بن علي الوفد أمس")
    assert any(v == {"خالد بن علي"} for v in keys.values())
    from streams.pipeline.enrich.entities import _clean_tagged

    text = normalize_text("التقى زياد بن علي وفدا")
    tokens = tokenize(text)
    assert _clean_tagged(text, tokens, [(1, 3, "person")], "ar") == [(1, 3, "person")]


def test_a_bracketed_latin_gloss_is_no_organisation_of_its_own() -> None:
    from streams.pipeline.enrich.entities import _bracketed_glosses
    from streams.pipeline.enrich.institutions import latin_runs
    from streams.pipeline.enrich.spans import Span

    # after a common word, the Latin spelling is no name
    text = normalize_text("وتقدم الشركة خدمة الاتصال السريع ( Fastlink ) في المدن الكبرى")
    tokens = tokenize(text)
    runs = latin_runs(text, tokens)
    assert [(r.first, r.last) for r in runs] == [(5, 5)]
    assert _bracketed_glosses(text, tokens, runs, runs) == []
    # after a name, it is that name again, with its type and key
    text = normalize_text("وتحدث الملك هنري الثامن ( Henry VIII ) عن الحرب")
    tokens = tokenize(text)
    runs = latin_runs(text, tokens)
    name = Span(2, 3, "person")
    kept = _bracketed_glosses(text, tokens, [name, *runs], runs)
    assert [(s.first, s.last, s.type) for s in kept] == [(2, 3, "person"), (4, 5, "person")]
    # a Latin name standing alone in the text is still an organisation
    text = normalize_text("وقال موقع Task & Purpose إن الجيش")
    tokens = tokenize(text)
    runs = latin_runs(text, tokens)
    assert _bracketed_glosses(text, tokens, runs, runs) == runs


def test_a_given_name_before_a_tagged_surname_starts_a_person() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import given_name_before, retype_by_evidence
    from streams.pipeline.enrich.spans import Span

    gaz = gazetteer()
    # the tagger saw the surname alone, as a place
    text = "Isabel Quintanar, 38, said she was afraid."
    tokens = tokenize(text)
    spans = given_name_before(text, tokens, [Span(1, 1, "place", None, 2)], gaz, "en")
    [span] = retype_by_evidence(tokens, spans, gaz, "en")
    assert (span.first, span.last, span.type) == (0, 1, "person")
    # a given name that is a known place, or one after a comma, stays out
    for other in ("Jordan Quintanar said it.", "Isabel, Quintanar said it."):
        tokens = tokenize(other)
        chosen = [Span(1, 1, "place", None, 2)]
        assert given_name_before(other, tokens, chosen, gaz, "en") == chosen


def test_a_name_ending_with_an_organisation_word_is_one_organisation_after_a_known_name() -> None:
    text = "The coach left Texas Christian University in May. The U.N. Security Council met on Monday."
    keys = _entities(text, "en", use_tagger=True)
    names = {surface for surfaces in keys.values() for surface in surfaces}
    assert {"Texas Christian University", "U.N. Security Council"} <= names
    assert not {"Christian University", "Security Council"} & names


def test_a_title_that_is_part_of_a_name_is_taken_in() -> None:
    from streams.pipeline.enrich.refine import titles_in_names
    from streams.pipeline.enrich.spans import Span

    text = "Princess Liesl Varga met President Tom Okafor and the then-Lady Ana Ruiz."
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    liesl, tom, ana = forms.index("liesl"), forms.index("tom"), forms.index("ana")
    tagged = [Span(liesl, liesl + 1, "person", None, 2), Span(tom, tom + 1, "person", None, 2)]
    tagged.append(Span(ana, ana + 1, "person", None, 2))
    found = titles_in_names(text, tokens, tagged, "en")
    assert [" ".join(t.text for t in tokens[s.first : s.last + 1]) for s in found] == [
        "Princess Liesl Varga",
        "Tom Okafor",  # President is an office, not part of the name
        "Lady Ana Ruiz",
    ]


def test_a_person_s_name_stops_at_a_capitalised_function_word_of_a_title_case_headline() -> None:
    text = "Talia Moss Is Leaving Town As Before Varga Said. Lu met Will Okoro and Moon Jae-in."
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    talia, before, will, moon = (
        forms.index("talia"),
        forms.index("before"),
        forms.index("will"),
        forms.index("moon"),
    )
    tagged = [(talia, talia + 3, "person"), (before, before + 1, "person")]
    tagged += [(will, will + 1, "person"), (moon, moon + 2, "person")]
    cleaned = _clean_tagged(text, tokens, tagged, "en")
    assert [" ".join(t.text for t in tokens[a : b + 1]) for a, b, _ in cleaned] == [
        "Talia Moss",
        "Varga",
        "Will Okoro",  # a given name spelled like a function word
        "Moon Jae in",
    ]


def test_a_known_city_in_capitals_before_a_bare_dash_or_a_colon_is_a_dateline() -> None:
    for text in (
        "Ferry delays expected on the coast HALIFAX -- The first crossing was cancelled.",
        "Fans queue for tickets MADRID: The club opened its doors early.",
    ):
        keys = _entities(text, "en")
        assert any(surface in {"HALIFAX", "MADRID"} for surfaces in keys.values() for surface in surfaces)


def test_a_lone_function_word_not_in_capitals_names_nothing() -> None:
    assert _entities("Who among you will lead the town?", "en") == {}
    assert _entities("The WHO said the outbreak is over.", "en") == {"org:WHO": {"WHO"}}


def test_a_photo_credit_s_word_alone_names_nothing() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import retype_by_evidence
    from streams.pipeline.enrich.spans import Span

    text = "Boats at the pier. Photo / Supplied. (Photo by Ann Lee)"
    tokens = tokenize(text)
    photos = [t.index for t in tokens if t.form == "photo"]
    tagged = [Span(photos[0], photos[0], "org", None, 2), Span(photos[1], photos[1], "person", None, 2)]
    assert retype_by_evidence(tokens, tagged, gazetteer(), "en") == []


def test_a_zoo_or_a_museum_is_an_organisation() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import retype_by_evidence
    from streams.pipeline.enrich.spans import Span

    text = "Keepers at Harlow Zoo and the Marsh Museum cheered."
    tokens = tokenize(text)
    zoo, museum = [t.index for t in tokens if t.form in ("harlow", "marsh")]
    tagged = [Span(zoo, zoo + 1, "person", None, 2), Span(museum, museum + 1, "place", None, 2)]
    assert [s.type for s in retype_by_evidence(tokens, tagged, gazetteer(), "en")] == ["org", "org"]


def test_two_tagged_halves_joined_by_and_are_one_organisation() -> None:
    from streams.pipeline.enrich.refine import orgs_joined_by_and
    from streams.pipeline.enrich.spans import Span

    def joined(text: str, halves: list[tuple[str, str]]) -> list[str]:
        tokens = tokenize(text)
        forms = [t.form for t in tokens]
        spans = [Span(forms.index(a), forms.index(b), "org", None, 2) for a, b in halves]
        found = orgs_joined_by_and(text, tokens, spans, "en")
        return [" ".join(t.text for t in tokens[s.first : s.last + 1]) for s in found]

    assert joined(
        "The Vermont Fish and Wildlife Department says", [("vermont", "fish"), ("wildlife", "department")]
    ) == ["Vermont Fish and Wildlife Department"]
    # two whole names, or a list, stay apart
    assert joined("Acme Bank and Justice Department", [("acme", "bank"), ("justice", "department")]) == [
        "Acme Bank",
        "Justice Department",
    ]
    assert joined("Orbital, and Pioneer Airlines", [("orbital", "orbital"), ("pioneer", "airlines")]) == [
        "Orbital",
        "Pioneer Airlines",
    ]


def test_a_person_whose_given_name_is_a_place_stays_one_person() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import retype_by_evidence
    from streams.pipeline.enrich.spans import Span

    text = "Jordan Wesley and Chad Grant were called into camp."
    tokens = tokenize(text)
    tagged = [Span(0, 1, "person", None, 2), Span(3, 4, "person", None, 2)]
    found = retype_by_evidence(tokens, tagged, gazetteer(), "en")
    assert [(s.first, s.last, s.type) for s in found] == [(0, 1, "person"), (3, 4, "person")]


def test_an_acronym_is_no_given_name_for_a_lone_mention() -> None:
    from streams.pipeline.enrich.entities import _group
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.spans import Span

    text = "said HSPA North Vale manager Ann Pike. Owners went to the HSPA. Frida Lund met Frida."
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    hspa = [i for i, f in enumerate(forms) if f == "hspa"]
    frida = [i for i, f in enumerate(forms) if f == "frida"]
    spans = [Span(hspa[0], hspa[0] + 2, "person", None, 2), Span(hspa[1], hspa[1], "org", None, 2)]
    spans += [Span(frida[0], frida[0] + 1, "person", None, 2), Span(frida[1], frida[1], "org", None, 2)]
    found = _group(text, tokens, spans, gazetteer(), "en")
    types = {m.text: e.type for e in found.values() for m in e.mentions}
    assert types["HSPA"] == "org"
    assert types["Frida"] == "person"  # a given name alone is the person named in full before


def test_a_capitalised_word_the_article_also_writes_in_lower_case_is_no_name() -> None:
    from streams.pipeline.enrich.entities import _common_nouns_dropped
    from streams.pipeline.enrich.spans import Span

    text = "Fireworks, smoke and tear gas start the decade. The fireworks lit the sky."
    assert _common_nouns_dropped(text, tokenize(text), [Span(0, 0, "org", None, 2)]) == []
    # a web address writes a name in lower case: no evidence
    named = "Zorvex said on Monday the outage is over, see zorvex.com for more."
    kept = [Span(0, 0, "org", None, 2)]
    assert _common_nouns_dropped(named, tokenize(named), kept) == kept


def test_a_title_the_tagger_takes_into_an_arabic_name_is_left_out() -> None:
    from streams.pipeline.enrich.entities import _clean_tagged

    text = normalize_text("كثيرة والأمير بندر قال أيضا")
    tokens = tokenize(text)
    assert _clean_tagged(text, tokens, [(1, 2, "person")], "ar") == [(2, 2, "person")]
    # a title alone names no one
    assert _clean_tagged(text, tokens, [(1, 1, "person")], "ar") == []


def test_a_reporting_verb_the_tagger_takes_into_a_name_is_left_out() -> None:
    from streams.pipeline.enrich.entities import _clean_tagged

    text = normalize_text("ورأى ستيف بلادوين عالم الفلك")
    tokens = tokenize(text)
    assert _clean_tagged(text, tokens, [(0, 2, "person")], "ar") == [(1, 2, "person")]
    from streams.pipeline.enrich.quotes import reporting_verb_at

    latin = tokenize(normalize_text("the book of Said Jalili"))  # a capitalised Said is a name
    assert reporting_verb_at(latin, 3, "en") is False
    assert reporting_verb_at(tokenize("as he said Monday"), 2, "en") is True


def test_a_bracketed_word_abbreviates_the_organisation_before_it_in_a_caseless_script() -> None:
    text = (
        "وذكرت وكالة الأنباء الكويتية (كونا) أن اللقاء تناول العلاقات. ونقلت وكونا عن مصدر قوله "
        "إن وزارة الصحة (الكويتية) ستعلن النتائج."
    )
    found = find_entities(text, tokenize(text), "ar")
    agency = next(e for e in found if e.name == "وكالة الأنباء الكويتية")
    assert [m.text for m in agency.mentions] == ["وكالة الأنباء الكويتية", "كونا", "وكونا"]
    # a bracketed definite word explains the name: it neither abbreviates nor extends it
    assert {m.text for e in found for m in e.mentions if "الصحة" in m.text} == {"وزارة الصحة"}


def test_a_bracketed_word_no_list_knows_abbreviates_the_organisation_before_it() -> None:
    text = "وأعلنت هيئة تنظيم الطيران المدني (هتاط) أمس أن هتاط ستصدر القرار."
    found = find_entities(text, tokenize(text), "ar")
    body = next(e for e in found if e.name == "هيئة تنظيم الطيران المدني")
    assert [m.text for m in body.mentions] == ["هيئة تنظيم الطيران المدني", "هتاط", "هتاط"]
