"""Arabic entity rules: words that are names only in context, generic heads, adjectives."""

from __future__ import annotations

from streams.pipeline.enrich.entities import find_entities
from streams.pipeline.enrich.tokens import tokenize
from streams.text import normalize_text


def _entities(text: str, use_tagger: bool = False) -> dict[str, set[str]]:
    text = normalize_text(text)
    found = find_entities(text, tokenize(text), "ar", use_tagger=use_tagger)
    return {e.key: {m.text for m in e.mentions} for e in found}


def test_a_city_that_is_a_common_word_needs_the_context() -> None:
    assert "place:khobar" not in _entities("انتشر الخبر بسرعة، ويمكن قراءة الخبر كاملا عبر الرابط.")
    assert "place:khobar" in _entities("وصل الوفد إلى الخبر أمس قادما من الدمام.")


def _span_texts(text: str, spans: list, tokens: list) -> list[tuple[str, str]]:
    return [(text[tokens[s.first].start : tokens[s.last].end], s.type) for s in spans]


def test_a_generic_head_is_no_part_of_a_name() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import generic_heads_cut
    from streams.pipeline.enrich.spans import Span

    assert _entities("هاجم تنظيم داعش القرية")["org:isis"] == {"داعش"}
    text = normalize_text("نشرت بصحيفة الأفق الجديد تقريرا، وأعلنت شركة عن خطة في مدينة الكويت")
    tokens = tokenize(text)
    kuwait_city = Span(10, 11, "place", "place:kuwait-city")
    tagged = [Span(1, 3, "org", rank=2), Span(6, 6, "org", rank=2), kuwait_city]
    cut = generic_heads_cut(tokens, tagged, gazetteer(), "ar")
    assert _span_texts(text, cut, tokens) == [("الأفق الجديد", "org"), ("مدينة الكويت", "place")]


def test_a_nationality_adjective_alone_is_no_place() -> None:
    assert "place:SA" not in _entities("تراجعت الصادرات السعودية خلال الشهر")
    assert "place:SA" in _entities("وصل الوفد إلى السعودية أمس، ووقعت السعودية الاتفاق")


def test_a_lone_nisba_organisation_is_an_agency_unless_it_agrees_with_a_name() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import lone_nisbas
    from streams.pipeline.enrich.spans import Span

    text = normalize_text('ذكرت الفرنسية أن صحيفة "لاريبوبليكا" الإيطالية نشرت أن الدار البريطانية تعرض')
    tokens = tokenize(text)
    spans = [Span(1, 1, "org", rank=2), Span(4, 4, "org", rank=2), Span(5, 5, "org", rank=2)]
    spans.append(Span(9, 9, "place", rank=2))
    kept = lone_nisbas(text, tokens, spans, gazetteer())
    assert _span_texts(text, kept, tokens) == [("الفرنسية", "org"), ("لاريبوبليكا", "org")]


def test_a_common_noun_with_the_article_refers_back_and_is_no_organisation() -> None:
    from streams.pipeline.enrich.refine import back_references
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("افتتحت البلاد قاعدة بحرية جديدة، وستستخدم القوات القاعدة قريبا. وقالت الرابطة إن")
    tokens = tokenize(text)
    spans = [Span(7, 7, "org", rank=2), Span(10, 10, "org", rank=2)]
    kept = back_references(text, tokens, spans)
    assert _span_texts(text, kept, tokens) == [("الرابطة", "org")]


def test_a_person_s_name_after_a_word_for_a_town_is_the_town() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import places_after_place_nouns
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("قصفت الطائرات بلدة أبو سالم وقرية الشيخ مبارك، والتقى الشيخ مبارك بالوفد")
    tokens = tokenize(text)
    spans = [Span(3, 4, "person", rank=2), Span(7, 7, "person", rank=1), Span(10, 10, "person", rank=1)]
    out = places_after_place_nouns(tokens, spans, gazetteer(), "ar")
    assert _span_texts(text, out, tokens) == [
        ("أبو سالم", "place"),
        ("الشيخ مبارك", "place"),
        ("مبارك", "person"),
    ]


def test_a_person_after_the_word_for_a_region_with_its_article_stays_a_person() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import places_after_place_nouns
    from streams.pipeline.enrich.spans import Span

    # المنطقة is "the region" named before, not the head of a place's name
    text = normalize_text("وقال مدير شرطة المنطقة العقيد سالم الفهيد إن، وزار بالمنطقة وليد")
    tokens = tokenize(text)
    spans = [Span(5, 6, "person", rank=2), Span(10, 10, "person", rank=1)]
    out = places_after_place_nouns(tokens, spans, gazetteer(), "ar")
    assert _span_texts(text, out, tokens) == [("سالم الفهيد", "person"), ("وليد", "person")]


def test_a_verb_with_a_conjunction_before_a_known_name_is_no_part_of_it() -> None:
    from streams.pipeline.enrich.refine import conjunction_cut
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("زار رئيس الوزراء جون هاريسون المعرض. ووعد هاريسون بدعمه، ووليد هاريسون ابنه")
    tokens = tokenize(text)
    spans = [Span(3, 4, "person", rank=1), Span(6, 7, "person", rank=2), Span(9, 10, "person", rank=2)]
    out = conjunction_cut(tokens, spans, "ar")
    assert _span_texts(text, out, tokens) == [
        ("جون هاريسون", "person"),
        ("هاريسون", "person"),
        ("ووليد هاريسون", "person"),
    ]


def test_the_name_after_a_word_for_a_newspaper_is_the_outlet() -> None:
    from streams.pipeline.enrich.refine import outlets_after_heads
    from streams.pipeline.enrich.spans import Span

    text = normalize_text(
        'نشرت بصحيفة الأفق تقريرا، وذكرت جريدة "النهار الجديد" أن القناة التي تبث من الرياض'
        " كتبت في جريدة الرياض"
    )
    tokens = tokenize(text)
    spans = [Span(13, 13, "place", "place:riyadh"), Span(17, 17, "place", "place:riyadh")]
    out = outlets_after_heads(text, tokens, spans, "ar")
    assert _span_texts(text, out, tokens) == [
        ("الأفق", "org"),
        ("النهار الجديد", "org"),
        ("الرياض", "place"),
        ("الرياض", "org"),
    ]


def test_a_public_body_is_its_head_and_the_definite_words_after_it() -> None:
    from streams.pipeline.enrich.refine import public_bodies

    text = normalize_text(
        "أعلنت وزارة المياه والزراعة عن خطة، وقالت الهيئة العامة لرعاية الحدائق إن مجلس الإدارة"
        " وافق بالإجماع، وسيجتمع مجلس الأمن الأسبوع المقبل"
    )
    tokens = tokenize(text)
    found = [
        (text[tokens[s.first].start : tokens[s.last].end], s.type) for s in public_bodies(text, tokens, "ar")
    ]
    assert found == [("وزارة المياه والزراعة", "org"), ("الهيئة العامة لرعاية الحدائق", "org")]


def test_a_city_with_a_masculine_nationality_adjective_is_a_club() -> None:
    from streams.pipeline.enrich.refine import clubs_by_nisba
    from streams.pipeline.enrich.spans import Span

    text = normalize_text(
        "فاز فريقه أمام روما الإيطالي، ثم سافر إلى روما الإيطالية، وهبط في مطار روما الإيطالي"
    )
    tokens = tokenize(text)
    spans = [Span(k, k, "place", "place:rome") for k in (3, 8, 13)]
    assert [s.type for s in clubs_by_nisba(text, tokens, spans, "ar")] == ["org", "place", "place"]


def test_a_latin_title_after_a_word_for_a_product_is_no_organisation() -> None:
    from streams.pipeline.enrich.institutions import latin_runs
    from streams.pipeline.enrich.refine import latin_works_dropped

    text = normalize_text(
        "أطلقت الشركة تطبيق “نوتس” Quick Notes لتدوين الملاحظات. ويعمل Quick Notes دون اتصال، بحسب Reuters."
    )
    tokens = tokenize(text)
    kept = latin_works_dropped(text, tokens, latin_runs(text, tokens), "ar")
    assert _span_texts(text, kept, tokens) == [("Reuters", "org")]


def test_a_city_alone_in_quote_marks_is_the_newspaper_named_after_it() -> None:
    from streams.pipeline.enrich.refine import quoted_places_as_outlets
    from streams.pipeline.enrich.spans import Span

    text = normalize_text('وقال في تصريح لـ"الرياض" إن الوفد زار الرياض ومنطقة "الدمام" أمس')
    tokens = tokenize(text)
    spans = [Span(4, 4, "place", "place:riyadh"), Span(8, 8, "place", "place:riyadh")]
    spans.append(Span(10, 10, "place", "place:dammam"))
    out = quoted_places_as_outlets(text, tokens, spans, "ar")
    assert [s.type for s in out] == ["org", "place", "place"]


def test_a_public_body_ends_before_a_title() -> None:
    from streams.pipeline.enrich.refine import public_bodies

    text = normalize_text("استدعت وزارة الخارجية البحرينية السفير الإيراني")
    tokens = tokenize(text)
    found = [text[tokens[s.first].start : tokens[s.last].end] for s in public_bodies(text, tokens, "ar")]
    assert found == ["وزارة الخارجية البحرينية"]


def test_a_country_after_a_preposition_is_no_adjective() -> None:
    assert "place:SA" in _entities("بلغت الواردات الإجمالية للسعودية من الأقمشة مليار ريال")


def test_a_name_written_bare_elsewhere_is_no_common_noun() -> None:
    from streams.pipeline.enrich.refine import back_references
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("قال رئيس الاتحاد (فيفا) إن الفيفا سيعقد اجتماعا")
    tokens = tokenize(text)
    kept = back_references(text, tokens, [Span(3, 3, "org", rank=2), Span(5, 5, "org", rank=2)])
    assert _span_texts(text, kept, tokens) == [("فيفا", "org"), ("الفيفا", "org")]


def test_an_outlet_s_name_is_not_repeated_where_it_is_a_common_word() -> None:
    text = normalize_text("نشرت بصحيفة الأفق تقريرا، وقال كاتبه إن الأفق مفتوح")
    found = find_entities(text, tokenize(text), "ar", use_tagger=False)
    assert [(e.type, len(e.mentions)) for e in found] == [("org", 1)]


def test_a_short_surname_is_matched_by_its_own_spelling_not_its_key() -> None:
    # رايس and رئيس share the key رس: the title after the name is no mention of her
    found = _entities("قالت الوزيرة سوزان رايس إن الخطة جاهزة، وأضافت رايس أنها عرضتها للرئيس أمس.")
    person = next(mentions for key, mentions in found.items() if key.startswith("person:"))
    assert person == {"سوزان رايس", "رايس"}


def test_a_word_only_companies_end_with_makes_the_name_a_company() -> None:
    from streams.pipeline.enrich.refine import company_tails
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("وهي ستيت ستريت كوربورشن، وسيتي جروب.")
    tokens = tokenize(text)
    tagged = [Span(1, 3, "person", rank=2), Span(4, 4, "person", rank=2), Span(5, 5, "org", rank=2)]
    assert _span_texts(text, company_tails(text, tokens, tagged, "ar"), tokens) == [
        ("ستيت ستريت كوربورشن", "org"),
        ("وسيتي جروب", "org"),
    ]
    # a language that lists no such words is left as it is
    assert company_tails(text, tokens, tagged, "en") == tagged


def test_a_title_and_name_after_a_facility_word_name_the_place_not_a_person() -> None:
    from streams.pipeline.enrich.refine import named_after_titled
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("نقلت إلى مستشفى الملك فيصل ثم إلى مطار الملك خالد، وقال الجيش العقيد جون باراديس")
    tokens = tokenize(text)
    people = [Span(4, 4, "person", rank=1), Span(9, 9, "person", rank=1), Span(13, 14, "person", rank=1)]
    assert _span_texts(text, named_after_titled(tokens, people, "ar"), tokens) == [
        ("مستشفى الملك فيصل", "org"),  # a hospital is an organisation
        ("جون باراديس", "person"),  # an article on the word before: no construct state
    ]  # the airport is a facility: no entity


def test_agencies_platforms_and_clubs_are_known_organisations() -> None:
    found = _entities("وقالت واس إن البيان نشر على تويتر، كما نقلته الإندبندنت عن منظمة الأغذية والزراعة.")
    assert {"org:spa", "org:twitter", "org:independent", "org:FAO"} <= found.keys()


def test_a_listed_club_named_after_its_city_does_not_mention_the_city() -> None:
    found = _entities("قال مدرب ريال مدريد إن الفريق جاهز")
    assert found["org:real-madrid"] == {"ريال مدريد"}
    assert not any(key.startswith("place:") for key in found)


def test_a_set_phrase_opening_with_a_given_name_is_no_person() -> None:
    from streams.pipeline.enrich.refine import idioms_not_people
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("تقوم على مبادئ حسن الجوار وحسن النية، واستقبل حسن روحاني الوفد")
    tokens = tokenize(text)
    tagged = [Span(3, 4, "person", rank=2), Span(5, 6, "person", rank=2), Span(8, 9, "person", rank=2)]
    assert _span_texts(text, idioms_not_people(tokens, tagged, "ar"), tokens) == [("حسن روحاني", "person")]


def test_organisations_matched_by_name_are_no_feature_of_the_tagger() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer, tagger_gazetteer
    from streams.pipeline.enrich.tagger import features

    text = "نشر البيان على تويتر"
    tokens = tokenize(text)
    assert [m.entry.key for m in gazetteer().find_all(tokens)] == ["org:twitter"]
    assert tagger_gazetteer().find_all(tokens) == []
    assert "gaz=-" in features(text, tokens, "ar")[3]


def test_a_person_s_name_starts_at_the_given_name_after_a_title_s_adjective() -> None:
    from streams.pipeline.enrich.refine import definite_word_before_given_name
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("نجل الزعيم الشيشاني أحمد قاديروف، وزار الحسين بن علي")
    tokens = tokenize(text)
    tagged = [Span(2, 4, "person", rank=1), Span(6, 8, "person", rank=2)]
    assert _span_texts(text, definite_word_before_given_name(tokens, tagged, "ar"), tokens) == [
        ("أحمد قاديروف", "person"),
        ("الحسين بن علي", "person"),
    ]


def test_a_given_name_before_a_one_word_person_is_part_of_the_name() -> None:
    from streams.pipeline.enrich.gazetteer import gazetteer
    from streams.pipeline.enrich.refine import given_name_before
    from streams.pipeline.enrich.spans import Span

    text = normalize_text("صدرت عن مرشد الجمهورية علي خامنئي تصريحات")
    tokens = tokenize(text)
    tagged = [Span(5, 5, "person", rank=2)]  # the tagger saw the surname alone
    assert _span_texts(text, given_name_before(text, tokens, tagged, gazetteer(), "ar"), tokens) == [
        ("علي خامنئي", "person")
    ]
    text = normalize_text("وقال رئيس الوزراء علي محمد جيدي إن")
    tokens = tokenize(text)
    tagged = [Span(4, 5, "person", rank=2)]
    assert _span_texts(text, given_name_before(text, tokens, tagged, gazetteer(), "ar"), tokens) == [
        ("علي محمد جيدي", "person")
    ]


def test_states_and_provinces_share_their_iso_key_with_english() -> None:
    found = _entities("وصل حاكم فلوريدا إلى القصيم قادما من شمال سيناء")
    assert {"place:US-FL", "place:SA-05", "place:EG-SIN"} <= found.keys()
    english = normalize_text("The governor of Florida arrived.")
    assert "place:US-FL" in {e.key for e in find_entities(english, tokenize(english), "en", use_tagger=False)}


def test_a_country_s_official_name_is_the_country_under_its_common_name() -> None:
    text = normalize_text("أكدت الجمهورية اليمنية موقفها")
    found = find_entities(text, tokenize(text), "ar", use_tagger=False)
    assert [(e.key, e.name, [m.text for m in e.mentions]) for e in found] == [
        ("place:YE", "اليمن", ["الجمهورية اليمنية"])
    ]


def test_common_given_names_are_evidence_for_a_name_after_a_title() -> None:
    # a name set off from its title by a comma needs evidence: a known given name
    found = _entities("بحضور السفير المصري، إيهاب بدوي، ووقعت مصر الاتفاق")
    assert {"إيهاب بدوي"} in found.values()
    found = _entities("وقال السفير الإيراني، مرتضى صنوبري، إن بلاده ترفض")
    assert {"مرتضى صنوبري"} in found.values()
    found = _entities("والتقى الرئيس الباكستاني، برويز مشرف، بالوفد، وقال المدرب الإيطالي، فابيو كابيلو، إن")
    assert {"برويز مشرف"} in found.values() and {"فابيو كابيلو"} in found.values()


def test_given_names_that_are_also_common_words_are_not_listed() -> None:
    from streams.pipeline.enrich.people import _rules

    rules = _rules("ar")
    assert rules is not None
    # باسم "in the name of", يزيد "increases", أشرف "supervised", ألان = الآن "now"
    for word in ("باسم", "يزيد", "أشرف", "ألان", "أنا"):
        assert tokenize(word)[0].form not in rules.given_names


def test_a_rare_word_after_a_word_for_a_town_is_the_town_s_name() -> None:
    found = _entities("تقدمت القوات نحو الجبل المحاذي لبلدة بلودان، ثم إلى محافظة ضباء")
    assert found["place:بلدن"] == {"بلودان"}
    assert found["place:ضبا"] == {"ضباء"}
    # a common word (the conflict) or an adjective agreeing with the noun (remote) is no name
    found = _entities("يعيشون في منطقة النزاع قرب بلدة نائية")
    assert not any(key.startswith("place:") for key in found)


def test_an_agency_credited_by_its_country_s_adjective_in_brackets() -> None:
    assert "org:afp" in _entities("وقال إن إسرائيل تتابع عدوانها (الفرنسية) كما أعلن الجيش")
    assert "org:dpa" in _entities('وبحسب "الألمانية"، فقد اقترح المجلس خطة')
    # the adjective in running text is no agency
    assert "org:afp" not in _entities("وصل الوفد إلى العاصمة الفرنسية أمس")


def test_the_word_for_state_is_no_part_of_a_country_s_name() -> None:
    found = _entities("بعث أمير دولة الكويت برقية إلى حكومة دولة قطر")
    assert found["place:KW"] == {"الكويت"}
    assert found["place:QA"] == {"قطر"}


def test_a_city_s_name_inside_a_country_s_name_is_no_mention_of_the_city() -> None:
    found = _entities("وصل الرئيس إلى روسيا البيضاء أمس")
    assert found["place:BY"] == {"روسيا البيضاء"}
    assert len(found) == 1
