"""Quote pairing, names in quote marks, and speakers across the clause."""

from __future__ import annotations

from streams.pipeline.enrich.entities import _clean_tagged, find_entities
from streams.pipeline.enrich.quotes import find_quotes, quoted_spans
from streams.pipeline.enrich.tokens import tokenize
from streams.text import normalize_text


def _quotes(text: str, language: str = "ar", tagger: bool = False) -> list[tuple[str, str | None]]:
    text = normalize_text(text)
    tokens = tokenize(text)
    entities = find_entities(text, tokens, language, use_tagger=tagger)
    return [(q.text, q.speaker) for q in find_quotes(text, tokens, language, entities)]


def test_every_quote_style_pairs() -> None:
    text = 'أ «ب» ج “د” هـ „و“ ز "ح" ط'
    assert [text[s:e] for s, e in quoted_spans(text)] == ["ب", "د", "و", "ح"]


def test_speaker_across_the_clause_and_a_quoted_name_is_no_quote() -> None:
    text = (
        'في المقابل قال المتحدث باسم وزارة الدفاع الأمريكية "البنتاجون"، بات رايدر، '
        'في بيان، إنّ أوستن "شدّد على أهمية الحفاظ على خطوط الاتصال".'
    )
    assert _quotes(text) == [("شدّد على أهمية الحفاظ على خطوط الاتصال", "بات رايدر")]


def test_institution_speaks_when_no_person_does() -> None:
    text = 'وقالت وزارة الدفاع الروسية، في بيان، إنّ "الوزيرين تبادلا وجهات النظر".'
    assert _quotes(text) == [("الوزيرين تبادلا وجهات النظر", "وزارة الدفاع الروسية")]


def test_english_speaker_after_the_quote() -> None:
    text = '"We will not back down," Defense Secretary Lloyd Austin said on Tuesday.'
    assert _quotes(text, "en") == [("We will not back down,", "Lloyd Austin")]


def test_a_speaker_named_again_by_part_of_the_name_speaks_under_the_full_name() -> None:
    text = 'استقبل الأمير فيصل بن خالد الوفد في أبها. والأمير فيصل قال أيضا "نرحب بالضيوف في المنطقة".'
    assert _quotes(text) == [("نرحب بالضيوف في المنطقة", "فيصل بن خالد")]


def test_a_short_quote_after_a_name_is_speech_when_a_reporting_verb_comes_first() -> None:
    text = 'حدد رئيس الوزراء الكندي جاستن ترودو ملامح خطته، وهي مسألة اعتبرها ترودو "معركة عصرنا".'
    assert _quotes(text) == [("معركة عصرنا", "جاستن ترودو")]


def test_a_verb_after_the_next_quote_mark_belongs_to_that_quote() -> None:
    text = (
        'The plan is open to all members, spokesman Oliver Grant said. "It helps every family," '
        'good for the town," Ms Lane said.'
    )
    assert _quotes(text, "en")[0] == ("It helps every family,", "Oliver Grant")


def test_a_quote_that_opens_its_sentence_takes_the_speaker_the_sentence_before_ends_on() -> None:
    text = 'The outage ended on Monday, spokesman Frank Shaw said. "We are sorry for the trouble."'
    assert _quotes(text, "en") == [("We are sorry for the trouble.", "Frank Shaw")]
    reported = 'Frank Shaw said the outage ended after the update on Monday. "We are sorry for the trouble."'
    assert _quotes(reported, "en") == [("We are sorry for the trouble.", None)]


def test_a_pronoun_speaker_is_the_last_named_person_of_its_gender() -> None:
    text = 'Ms Anna Weber met Mr Tom Baker on Monday. "We are united," she said. "It went well," he added.'
    assert _quotes(text, "en") == [("We are united,", "Anna Weber"), ("It went well,", "Tom Baker")]
    she = 'التقت المستشارة الألمانية أنغيلا ميركل الرئيس الأمريكي جو بايدن. وأضافت "المحادثات كانت جيدة".'
    assert _quotes(she) == [("المحادثات كانت جيدة", "أنغيلا ميركل")]
    he = 'التقى الرئيس الأمريكي جو بايدن المستشارة الألمانية أنغيلا ميركل. وقال "المحادثات كانت جيدة".'
    assert _quotes(he) == [("المحادثات كانت جيدة", "جو بايدن")]


def test_according_to_after_the_quote() -> None:
    [(quote, speaker)] = _quotes('"المحادثات كانت جيدة"، وفقا لوزارة الخارجية المصرية.')
    assert quote == "المحادثات كانت جيدة" and speaker is not None and "وزارة الخارجية المصرية" in speaker


def test_a_short_given_name_makes_a_speaker_of_an_unknown_surname() -> None:
    text = "ورأى ستيف بلادوين عالم الفلك بمرصد باريس هذا الاكتشاف «حدثا كبيرا»."
    assert _quotes(text, tagger=True) == [("حدثا كبيرا", "ستيف بلادوين")]


def test_a_capitalised_name_in_the_speaker_slot_is_a_person() -> None:
    text = '"The rules are unclear," Karlo Vemmik, a lawyer, has commented. "They need work," Vemmik said.'
    assert _quotes(text, "en") == [
        ("The rules are unclear,", "Karlo Vemmik"),
        ("They need work,", "Karlo Vemmik"),
    ]
    titled = '"We will not back down," Mr Karlo Vemmik said.'
    assert _quotes(titled, "en") == [("We will not back down,", "Karlo Vemmik")]
    assert _quotes('"We will not back down," Police said.', "en") == [("We will not back down,", None)]
    text = normalize_text(text)
    people = [e for e in find_entities(text, tokenize(text), "en", use_tagger=False) if e.type == "person"]
    assert [(e.name, len(e.mentions)) for e in people] == [("Karlo Vemmik", 2)]


def test_a_statement_that_speaks_is_the_organisation_that_spoke_last() -> None:
    text = (
        "وقالت وزارة الداخلية في بيان إن «الوضع مستقر». وقال الوزير محمد علي إن «الوزارة تتابع الموقف». "
        "وأكد البيان أن «التحقيق مستمر»."
    )
    speakers = [speaker for _, speaker in _quotes(text, tagger=True)]
    assert speakers[0] == speakers[2] == "وزارة الداخلية" and "محمد" in (speakers[1] or "")
    english = (
        'Microsoft said on Monday that "the outage is over". "The inquiry goes on," the statement added.'
    )
    assert _quotes(english, "en") == [
        ("the outage is over", "Microsoft"),
        ("The inquiry goes on,", "Microsoft"),
    ]


def test_an_outlet_spoken_to_is_not_the_speaker() -> None:
    assert _quotes("وقال مسؤول أمريكي لرويترز إن «الاتفاق صامد».", tagger=True) == [("الاتفاق صامد", None)]
    assert _quotes("وقالت وكالة الأنباء الفرنسية إن «الاتفاق صامد».", tagger=True) == [
        ("الاتفاق صامد", "وكالة الأنباء الفرنسية")
    ]


def test_participles_and_present_tense_verbs_report() -> None:
    text = (
        "وقال رئيس النادي الأهلي محمود الخطيب إن ناديه يرفض القرار. "
        "متابعاً بأن «الاتحاد لم يستشر الأندية». ويشير إلى أن «الموسم سيتأثر»."
    )
    assert [speaker for _, speaker in _quotes(text, tagger=True)] == ["محمود الخطيب", "محمود الخطيب"]


def test_a_title_alone_stands_for_the_person_named_with_it_before() -> None:
    text = "وصل وزير الخارجية الأمريكي جون كيري إلى القاهرة. وقال الوزير الأمريكي إن «المحادثات جيدة»."
    assert _quotes(text) == [("المحادثات جيدة", "جون كيري")]
    english = (
        'Chancellor Angela Merkel arrived on Monday. "The talks went well," the chancellor told reporters.'
    )
    assert _quotes(english, "en") == [("The talks went well,", "Angela Merkel")]
    assert _quotes("قال المتحدث إن «المحادثات جيدة».") == [("المحادثات جيدة", None)]


def test_x_tells_y_and_unnamed_sources_speak_unnamed() -> None:
    text = 'Actor Ravi Kapoor praises the director and tells Mumbai Mirror, "He is a patient director."'
    assert _quotes(text, "en", tagger=True) == [("He is a patient director.", "Ravi Kapoor")]
    arabic = "وقال الوزير محمد علي إن «الوضع مستقر». وتؤكد مصادر طبية لصحيفة عكاظ أن «المستشفى بلا كهرباء»."
    assert _quotes(arabic, tagger=True)[1] == ("المستشفى بلا كهرباء", None)


def test_the_name_right_after_the_verb_speaks_and_a_relayed_source_speaks() -> None:
    text = (
        "وأعلنت هيئة الهلال الأحمر عن حملة جديدة. "
        'وقالت الهيئة ردا على سؤال النائب خالد العتيبي: "الحملة تبدأ غدا".'
    )
    assert _quotes(text, tagger=True) == [("الحملة تبدأ غدا", "هيئة الهلال الأحمر")]
    relayed = 'ونقلت قناة الجزيرة عن وزارة الصحة المصرية قولها إن "الوضع تحت السيطرة".'
    assert _quotes(relayed, tagger=True) == [("الوضع تحت السيطرة", "وزارة الصحة المصرية")]


def test_the_person_at_the_end_of_a_title_chain_speaks_not_the_organisation() -> None:
    after = (
        '"Every kitten in the shed had been left without water for days," said Lakeview Animal '
        "Rescue branch manager Marta Kellerman in a news release."
    )
    assert _quotes(after, "en")[0][1] == "Marta Kellerman"
    before = 'On Friday said Lakeview Animal Rescue branch manager Marta Kellerman that "the shed was shut".'
    assert _quotes(before, "en")[0][1] == "Marta Kellerman"


def test_the_full_stop_of_an_honorific_ends_no_sentence() -> None:
    mr = '"The rumours about the vineyard were never a secret," Mr. Abernathy said.'
    assert _quotes(mr, "en") == [("The rumours about the vineyard were never a secret,", "Abernathy")]
    rank = '"We are still trying to narrow the window," Cpl. Rowan O\'Kelleher told Channel 7 News.'
    assert _quotes(rank, "en", tagger=True)[0][1] == "Rowan O'Kelleher"


def test_a_platform_after_on_is_not_the_speaker() -> None:
    text = (
        "Greta Lindqvist is a singer. Greta wrote on Instagram, "
        '"Like many of you, I have been unwell all week and we are staying apart for now."'
    )
    assert _quotes(text, "en", tagger=True)[0][1] == "Greta Lindqvist"


def test_a_tagged_person_with_digits_or_only_a_title_names_no_one() -> None:
    # the tagger's person spans: "covid 19" (so "he said" cannot go to it) and "Cpl" alone
    text = "The worst covid-19 outbreak spread, Cpl. Rowan Kell said."
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    covid, cpl, kell = forms.index("covid"), forms.index("cpl"), forms.index("kell")
    tagged = [(covid, covid + 1, "person"), (cpl, cpl, "person"), (cpl + 1, kell, "person")]
    assert _clean_tagged(text, tokens, tagged, "en") == [(cpl + 1, kell, "person")]


def test_single_marks_quote_where_they_cannot_be_apostrophes() -> None:
    headline = "Mayor says the new bridge is 'a gift to the town' as it opens"
    assert [headline[s:e] for s, e in quoted_spans(headline)] == ["a gift to the town"]
    curly = "Coach calls the season ‘the best we have had’ in years"
    assert [curly[s:e] for s, e in quoted_spans(curly)] == ["the best we have had"]
    apostrophes = "The players' union met Kim's agent in the '90s over rock 'n' roll and 'em."
    assert quoted_spans(apostrophes) == []
    said = "Mayor Lena Ortiz says the bridge is 'a gift to the town' as it opens"
    assert _quotes(said, "en", tagger=True) == [("a gift to the town", "Lena Ortiz")]


def test_a_quote_left_open_at_a_run_together_paragraph_ends_at_its_sentence() -> None:
    # two paragraphs run together: the first quote goes on unclosed, the next one opens
    text = '"The kennels were cold. "Every dog has a home now," the trust said.'
    assert [text[s:e] for s, e in quoted_spans(text)] == [
        "The kennels were cold.",
        "Every dog has a home now,",
    ]
    closed = 'She called it "a test. " Then she left.'
    assert [closed[s:e] for s, e in quoted_spans(closed)] == ["a test. "]


def test_a_person_named_in_the_attribution_does_not_stop_the_next_quote_going_on() -> None:
    text = '"The kennels were cold," said Ms Nadia Frost, who thanked Mr Tom Baker. "We owe him a lot."'
    assert [speaker for _, speaker in _quotes(text, "en")] == ["Nadia Frost", "Nadia Frost"]
    # a person named in a sentence of its own after the attribution does
    other = '"The kennels were cold," said Ms Nadia Frost. Mr Tom Baker runs the farm. "We owe him a lot."'
    assert [speaker for _, speaker in _quotes(other, "en")] == ["Nadia Frost", None]


def test_a_quote_after_a_sentence_ending_on_she_said_is_hers() -> None:
    text = 'Ms Rosa Diaz sat near the door. Her son was with her, she said. "I pray every day."'
    assert _quotes(text, "en") == [("I pray every day.", "Rosa Diaz")]


def test_who_a_link_to_another_story_names_does_not_speak() -> None:
    text = (
        "Ms Priya Naidoo passed with six distinctions. ALSO READ: Tom Baker wins a bursary "
        '"I studied every night," she said.'
    )
    assert _quotes(text, "en", tagger=True) == [("I studied every night,", "Priya Naidoo")]


def test_a_quote_whose_opening_mark_was_lost_begins_at_its_sentence_or_the_seam() -> None:
    seam = "Ms Rosa Diaz sat by the door. Then the bus left earlyThe town is my home,” she said."
    assert _quotes(seam, "en") == [("The town is my home,", "Rosa Diaz")]
    lost = "Ms Rosa Diaz sat by the door. We will rebuild the hall,” she said."
    assert _quotes(lost, "en") == [("We will rebuild the hall,", "Rosa Diaz")]
    # a stray mark with no reporting verb after it quotes nothing
    assert _quotes("Ms Rosa Diaz sat by the door” and waited.", "en") == []


def test_honorifics_and_titles_in_a_row_are_no_part_of_the_speaker_s_name() -> None:
    text = '"We will act on it now," Justice Secretary Ana Cruz said.'
    assert _quotes(text, "en") == [("We will act on it now,", "Ana Cruz")]
    letter = "TO: Honorable Mitch Lane, Justice Secretary Ana Cruz"
    tokens = tokenize(letter)
    forms = [t.form for t in tokens]
    honorable, justice = forms.index("honorable"), forms.index("justice")
    tagged = [
        (honorable, honorable + 2, "person"),
        (justice, justice, "org"),
        (justice + 1, justice + 3, "person"),
    ]
    cleaned = _clean_tagged(letter, tokens, tagged, "en")
    assert [" ".join(t.text for t in tokens[a : b + 1]) for a, b, _ in cleaned] == ["Mitch Lane", "Ana Cruz"]
