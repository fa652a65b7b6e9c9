"""Quote pairing, names in quote marks, and speakers across the clause."""

from __future__ import annotations

from streams.pipeline.enrich.entities import find_entities
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
    text = (
        'استقبل الأمير بندر بن سلطان الوفد في الرياض. والأمير بندر قال أيضا "يعتمد الناس في منطقتي على الله".'
    )
    assert _quotes(text) == [("يعتمد الناس في منطقتي على الله", "بندر بن سلطان")]


def test_a_short_quote_after_a_name_is_speech_when_a_reporting_verb_comes_first() -> None:
    text = 'حدد رئيس الوزراء البريطاني ديفيد كاميرون ملامح خطته، وهي مسألة اعتبرها كاميرون "صراع جيلنا".'
    assert _quotes(text) == [("صراع جيلنا", "ديفيد كاميرون")]


def test_a_verb_after_the_next_quote_mark_belongs_to_that_quote() -> None:
    text = (
        'The scheme is open to all staff, spokesman Calvin Moore said. "It is a great benefit," '
        'best for the team," Ms Bradley said.'
    )
    assert _quotes(text, "en")[0] == ("It is a great benefit,", "Calvin Moore")


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
    text = "فقد وصف ستيف بلادوين عالم الآثار بجامعة أكسفورد هذا الاكتشاف بأنه «حدث كبير»."
    assert _quotes(text, tagger=True) == [("حدث كبير", "ستيف بلادوين")]


def test_a_capitalised_name_in_the_speaker_slot_is_a_person() -> None:
    text = (
        '"Secularism is no doctrine," Karlo Vemmik, a lawyer, has commented. "It is equality," Vemmik said.'
    )
    assert _quotes(text, "en") == [
        ("Secularism is no doctrine,", "Karlo Vemmik"),
        ("It is equality,", "Karlo Vemmik"),
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
        "وقال رئيس النادي الأهلي علاء عبد الصادق إن ناديه يرفض الفكرة. "
        "متابعاً بأن «اتحاد الكرة يدير أموره بعشوائية». ويشير إلى أن «الأندية لم تستشر»."
    )
    assert [speaker for _, speaker in _quotes(text, tagger=True)] == ["علاء عبد الصادق", "علاء عبد الصادق"]


def test_a_title_alone_stands_for_the_person_named_with_it_before() -> None:
    text = "وصل وزير الخارجية الأمريكي جون كيري إلى القاهرة. وقال الوزير الأمريكي إن «المحادثات جيدة»."
    assert _quotes(text) == [("المحادثات جيدة", "جون كيري")]
    english = (
        'Chancellor Angela Merkel arrived on Monday. "The talks went well," the chancellor told reporters.'
    )
    assert _quotes(english, "en") == [("The talks went well,", "Angela Merkel")]
    assert _quotes("قال المتحدث إن «المحادثات جيدة».") == [("المحادثات جيدة", None)]


def test_x_tells_y_and_unnamed_sources_speak_unnamed() -> None:
    text = 'Actor Kumud Mishra praises the director and tells Ahmedabad Mirror, "He is a wonderful director."'
    assert _quotes(text, "en", tagger=True) == [("He is a wonderful director.", "Kumud Mishra")]
    arabic = (
        "وقال الوزير محمد علي إن «الوضع مستقر». وتؤكد مصادر طبية لـ«الشرق الأوسط» أن «المستشفى بلا كهرباء»."
    )
    assert _quotes(arabic, tagger=True)[1] == ("المستشفى بلا كهرباء", None)


def test_the_name_right_after_the_verb_speaks_and_a_relayed_source_speaks() -> None:
    text = (
        "وشددت هيئة كبار العلماء على ضرورة التواصل. وقالت الهيئة في تغريدات نشرها حساب "
        'وزارة الداخلية عبر تويتر: "مجتمعنا سيبقى كما هو".'
    )
    assert _quotes(text, tagger=True) == [("مجتمعنا سيبقى كما هو", "هيئة كبار العلماء")]
    relayed = (
        'ونقلت هيئة الإذاعة البريطانية "بي بي سي" عن رئيس الوزراء ديفيد كاميرون القول إن '
        '"بريطانيا ستواجه الحقيقة".'
    )
    assert _quotes(relayed, tagger=True) == [("بريطانيا ستواجه الحقيقة", "ديفيد كاميرون")]
