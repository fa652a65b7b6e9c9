"""Real-looking Arabic news pages for the benchmark, generated, deterministic.

Every figure of ``make bench`` is measured on the same messages: JSON envelopes
of about 2.5 KB whose text looks like a scraped Arabic news page (an app
promotion line, paragraphs, a ``المصدر:`` line, a ``كلمات دلالية:`` tag line,
sometimes a second article embedded after ``إقرأ أيضاً:`` and a list of related
headlines), with a share of exact reposts and near copies (the spelling
variation real outlets show: الأمريكية / الأميركية, البنتاجون / البنتاغون,
إنّ / إن, Arabic-Indic digits). The sentences below were written for this file;
nothing is copied from evaluation data.

``generate_pages(n, seed=1)`` always returns the same pages for the same
arguments, so two runs (or the in-process and the broker path of one run)
see byte-identical input.
"""

# ruff: noqa: E501  (one Arabic sentence per line reads better than split strings)
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import orjson

Kind = Literal["original", "exact", "near"]

PEOPLE = (
    "وزير الخارجية الأمريكي أنتوني بلينكن",
    "الرئيس الروسي فلاديمير بوتين",
    "رئيس الوزراء العراقي محمد شياع السوداني",
    "وزير الدفاع الأمريكي لويد أوستن",
    "المتحدث باسم الكرملين ديميتري بيسكوف",
    "الأمين العام للأمم المتحدة أنطونيو غوتيريش",
    "وزير المالية المصري محمد معيط",
    "الرئيس الفرنسي إيمانويل ماكرون",
    "وزير الطاقة السعودي الأمير عبد العزيز بن سلمان",
    "رئيس الحكومة المغربية عزيز أخنوش",
    "وزير الخارجية الأردني أيمن الصفدي",
    "المستشار الألماني أولاف شولتس",
    "رئيس المجلس الرئاسي الليبي محمد المنفي",
    "وزيرة الخارجية الألمانية أنالينا بيربوك",
    "المبعوث الأممي إلى اليمن هانس غروندبرغ",
    "رئيس الوزراء الإيطالي جورجيا ميلوني",
)
SPEAKERS = (
    'المتحدث باسم وزارة الدفاع الأمريكية "البنتاجون" بات رايدر',
    "مصدر حكومي مطلع",
    "المتحدث باسم الخارجية الإيرانية ناصر كنعاني",
    "مسؤول في الاتحاد الأوروبي",
    "الناطق باسم الحكومة الأردنية مهند مبيضين",
    "خبير اقتصادي في جامعة القاهرة",
)
# Most people in the news are not famous: names are also composed from these.
ROLES = (
    "وزير الزراعة",
    "محافظ البنك المركزي",
    "رئيس بلدية",
    "النائب في البرلمان",
    "مدير شركة النفط الوطنية",
    "رئيس اتحاد الغرف التجارية",
    "قائد الشرطة",
    "الأستاذ الجامعي",
    "الناشط الحقوقي",
    "رئيس نقابة المعلمين",
)
GIVEN_NAMES = (
    "أحمد",
    "محمد",
    "خالد",
    "سامي",
    "عمر",
    "يوسف",
    "حسن",
    "علي",
    "طارق",
    "نبيل",
    "فيصل",
    "ماجد",
    "رامي",
    "وليد",
    "زياد",
    "كريم",
    "هشام",
    "عادل",
    "منير",
    "جمال",
    "سعيد",
    "مروان",
    "إبراهيم",
    "باسل",
)
FAMILY_NAMES = (
    "الحسيني",
    "العمري",
    "الشمري",
    "القحطاني",
    "المصري",
    "الخطيب",
    "النجار",
    "الحداد",
    "العلي",
    "الزعبي",
    "البدري",
    "السقا",
    "الراشد",
    "المنصوري",
    "الكبيسي",
    "الفاسي",
    "التونسي",
    "الدوري",
    "الجبوري",
    "الساعدي",
    "العطار",
    "الصباغ",
    "القاسم",
    "الطحان",
    "الهاشمي",
    "الأنصاري",
)
PLACES = (
    "القاهرة",
    "الرياض",
    "بغداد",
    "عمّان",
    "الدوحة",
    "بيروت",
    "دمشق",
    "الجزائر",
    "تونس",
    "الرباط",
    "طرابلس",
    "الخرطوم",
    "أبوظبي",
    "مسقط",
    "الكويت",
    "صنعاء",
    "موسكو",
    "واشنطن",
    "باريس",
    "برلين",
    "أنقرة",
    "طهران",
    "كييف",
    "بكين",
    "نيامي",
)
COUNTRIES = (
    "مصر",
    "السعودية",
    "العراق",
    "الأردن",
    "قطر",
    "لبنان",
    "سوريا",
    "الجزائر",
    "تونس",
    "المغرب",
    "ليبيا",
    "السودان",
    "الإمارات",
    "سلطنة عمان",
    "الكويت",
    "اليمن",
    "روسيا",
    "الولايات المتّحدة",
    "فرنسا",
    "ألمانيا",
    "تركيا",
    "إيران",
    "أوكرانيا",
    "الصين",
)
ORGS = (
    "الأمم المتحدة",
    "جامعة الدول العربية",
    "صندوق النقد الدولي",
    "البنك الدولي",
    "منظمة الصحة العالمية",
    "الاتحاد الأوروبي",
    "حلف شمال الأطلسي",
    "منظمة أوبك",
    "مجلس التعاون الخليجي",
    "الاتحاد الأفريقي",
    "البنك المركزي المصري",
    "وكالة الطاقة الدولية",
)
TOPICS = (
    "الطاقة",
    "الأمن الغذائي",
    "التجارة",
    "الاستثمار",
    "المياه",
    "التعليم",
    "الصحة",
    "النقل",
    "السياحة",
    "الأمن الإقليمي",
    "اللاجئين",
    "المناخ",
    "التحول الرقمي",
)
DAYS = ("الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")
MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
OUTLETS = (
    "البوابة نيوز",
    "وكالة الأنباء الرسمية",
    "صحيفة الشرق",
    "قناة الحدث",
    "موقع النهار",
    "وكالة الأناضول",
    "RT",
    "سكاي نيوز عربية",
    "صحيفة الوطن",
    "الجزيرة نت",
)
HOSTS = (
    "albawaba.example",
    "sada.example",
    "alsharq.example",
    "alhadath.example",
    "annahar.example",
    "wire.example",
)
PROMOTIONS = (
    "تابع أحدث الأخبار عبر تطبيق",
    "تابعونا على قناتنا في واتساب",
    "اشترك في النشرة البريدية لتصلك آخر الأخبار",
    "حمّل تطبيقنا على هاتفك",
)

# One news sentence each; slots: {person} {speaker} {place} {place2} {country}
# {country2} {org} {topic} {day} {n} {n2} {year} {month}.
SENTENCES = (
    "أجرى {person} اتصالاً هاتفياً بنظيره في {country}، هو الأول من نوعه منذ نحو {n} شهراً، بحثا خلاله الوضع في {country2}.",
    "وأعلنت {place} أنّ الاتصال جاء بمبادرة من الولايات المتّحدة، مؤكدة أنّ الجانبين اتفقا على إبقاء قنوات الحوار مفتوحة.",
    'وقال {speaker}، في بيان نشره عبر تطبيق تليجرام، إنّ "المحادثات تناولت ملفات {topic} والتعاون الثنائي".',
    "وأوضح {person} أنّ بلاده تعمل مع {org} على خطة تمتد حتى عام {year} لدعم قطاع {topic}.",
    "وكانت {country} قد وقعت في {n} {month} الماضي اتفاقية مع {country2} بقيمة {n2} مليون دولار.",
    'في المقابل، قال {speaker} إنّ "الولايات المتحدة الأمريكية ملتزمة بأمن المنطقة واستقرارها".',
    "وتأتي هذه التصريحات بعد أيام من زيارة قام بها {person} إلى {place}، التقى خلالها عدداً من المسؤولين.",
    "وأشار التقرير الصادر عن {org} إلى أنّ معدل النمو في {country} بلغ {n} في المئة خلال الربع الأول.",
    "وشهدت {place} يوم {day} احتجاجات شارك فيها نحو {n2} شخص للمطالبة بتحسين خدمات {topic}.",
    'وذكرت وزارة الدفاع الأمريكية "البنتاجون" أنّ قواتها المتمركزة في {country} ستغادر بحلول {n} {month}.',
    "ويرى مراقبون أنّ التقارب بين {country} و{country2} قد يفتح الباب أمام تعاون أوسع في مجال {topic}.",
    'وأكد {person} خلال مؤتمر صحفي في {place} أنّ "الحوار هو السبيل الوحيد لحل الأزمة".',
    "من جهته، حذر {speaker} من مخاطر التصعيد، داعياً جميع الأطراف إلى ضبط النفس.",
    "وارتفعت أسعار النفط بنسبة {n} في المئة يوم {day}، بعد أن أعلنت {org} خفض الإنتاج.",
    "وتعتبر {country} أنّ {country2} أصبحت طرفاً في النزاع منذ عام {year}، وفق ما نقلته وسائل إعلام رسمية.",
    "واستقبل {person} في مكتبه بـ{place} وفداً من {org} برئاسة نائب المدير العام.",
    "وبحسب أرقام رسمية، بلغ عدد الزوار {n2} ألف زائر خلال {month} الماضي، بزيادة {n} في المئة عن العام السابق.",
    "وأعلنت السلطات في {place} إغلاق عدد من الطرق الرئيسية يوم {day} بسبب الأحوال الجوية.",
    'ونقلت وكالة الأنباء الرسمية عن {speaker} قوله إنّ "المرحلة المقبلة تتطلب تنسيقاً أكبر".',
    "وكان {person} قد هدد الأسبوع الماضي بفرض عقوبات جديدة على الشركات المتعاملة مع {country}.",
    "وتستضيف {place} في {month} المقبل مؤتمراً دولياً حول {topic} بمشاركة ممثلين عن {n} دولة.",
    "ولفت البيان إلى أنّ الاتفاق يشمل إنشاء {n} مشروعاً في قطاعي {topic} والبنية التحتية.",
    "وقالت {org} في تقريرها السنوي إنّ نحو {n2} ألف شخص تأثروا بالأزمة في {country}.",
    "وأدى التراجع الأخير إلى انخفاض قيمة العملة المحلية في {country} إلى أدنى مستوى لها منذ عام {year}.",
    "وتبادلت {country} و{country2} الاتهامات بشأن المسؤولية عن الهجوم الذي وقع قرب {place} يوم {day}.",
    "وبدأت الولايات المتّحدة في {n} {month} الجاري سحب قواتها، وتم التوصل إلى اتفاق بشأن الانسحاب في منتصف الشهر.",
    "وأضاف {person} أنّ حكومته ستعرض مشروع قانون جديداً لتنظيم قطاع {topic} على البرلمان قريباً.",
    "ويعمل في القطاع أكثر من {n2} ألف موظف، بحسب بيانات صادرة عن {org}.",
    "وشدد {speaker} على أهمية الحفاظ على خطوط الاتصال المفتوحة في سياق الأزمة الحالية.",
    "وأفاد شهود عيان بأنّ قوات الأمن انتشرت بكثافة في وسط {place} منذ ساعات الصباح الأولى.",
    "وتوقع خبراء أن تسجل صادرات {country} نمواً بنحو {n} في المئة بحلول نهاية عام {year}.",
    "وفي سياق متصل، أعلن {org} تقديم منحة بقيمة {n2} مليون دولار لدعم مشاريع {topic} في {country}.",
    "وكانت آخر زيارة من هذا المستوى إلى {place} قد جرت في {month} من عام {year}.",
    "وأشار {person} إلى أنّ المفاوضات مع {country2} دخلت مرحلة حاسمة، دون أن يكشف عن تفاصيل.",
    "ودعت {org} إلى عقد اجتماع طارئ يوم {day} لبحث تداعيات الأزمة على {topic}.",
    "وأعلن الجيش في بيان أنّه دمّر {n} طائرات مسيرة فوق مناطق قريبة من {place} الليلة الماضية.",
)
TITLES = (
    "{person} يبحث مع نظيره في {country} ملف {topic}",
    "{country} و{country2} توقعان اتفاقاً جديداً في مجال {topic}",
    "{org}: نمو اقتصاد {country} يبلغ {n} في المئة",
    "احتجاجات في {place} للمطالبة بتحسين خدمات {topic}",
    "بعد انسحابها من {country}.. واشنطن تبحث عن حلفاء جدد في المنطقة",
    "{place} تستضيف مؤتمراً دولياً حول {topic}",
    "تحذيرات من التصعيد بين {country} و{country2}",
)
TAGS = (
    "الدفاع الأمريكي",
    "الاقتصاد",
    "أوكرانيا",
    "الطاقة",
    "النفط",
    "السياسة",
    "الشرق الأوسط",
    "أفريقيا",
    "الأمم المتحدة",
    "الانتخابات",
    "المناخ",
    "الاستثمار",
)
# Spellings outlets disagree on; a near copy swaps some of them.
SPELLING_VARIANTS = (
    ("الأمريكية", "الأميركية"),
    ("الأمريكي", "الأميركي"),
    ("البنتاجون", "البنتاغون"),
    ("إنّ", "إن"),
    ("أنّ", "أن"),
    ("المتّحدة", "المتحدة"),
    ("تليجرام", "تيليغرام"),
)
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
READ_ALSO = "إقرأ أيضاً:"
RELATED = "مقالات مشابهة"

TARGET_BYTES = 2500
EMBEDDED_SHARE = 0.15
EXACT_SHARE = 0.08
NEAR_SHARE = 0.10
RELATED_SHARE = 0.3
# Reposts copy one of the most recent originals, as outlets do within hours.
REPOST_WINDOW = 200
START = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Page:
    """One raw message for ``articles.raw``: its key, its bytes and what it was made as."""

    key: bytes
    value: bytes
    kind: Kind
    embeds_article: bool


@dataclass(slots=True)
class _Story:
    title: str
    paragraphs: list[str]
    outlet: str
    tags: list[str]
    embedded: tuple[str, list[str], str] | None
    related: list[str]
    promotion: str | None


def generate_pages(n: int, seed: int = 1, id_prefix: str = "bench") -> list[Page]:
    """``n`` pages, the same for the same arguments; ids are ``<id_prefix>-<seed>-<index>``."""
    return list(iter_pages(n, seed, id_prefix))


def iter_pages(n: int, seed: int = 1, id_prefix: str = "bench") -> Iterator[Page]:
    rng = random.Random(seed)
    originals: list[_Story] = []
    for index in range(n):
        article_id = f"{id_prefix}-{seed}-{index:06d}"
        published = START + timedelta(minutes=3 * index + rng.randrange(3))
        roll = rng.random()
        kind: Kind = "original"
        if originals and roll < EXACT_SHARE:
            kind, story = "exact", _repost(rng, rng.choice(originals[-REPOST_WINDOW:]))
        elif originals and roll < EXACT_SHARE + NEAR_SHARE:
            kind, story = "near", _near_copy(rng, rng.choice(originals[-REPOST_WINDOW:]))
        else:
            story = _new_story(rng)
            originals.append(story)
        host = rng.choice(HOSTS)
        envelope = {
            "id": article_id,
            "url": f"https://{host}/news/{published:%Y/%m/%d}/{article_id}",
            "source": host,
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "title": story.title,
            "text": _page_text(story),
        }
        if rng.random() < 0.67:  # some feeds say the language, others leave it to detection
            envelope["language"] = "ar"
        yield Page(article_id.encode(), orjson.dumps(envelope), kind, story.embedded is not None)


def _new_story(rng: random.Random) -> _Story:
    slots = _slots(rng)
    title = rng.choice(TITLES).format(**slots)
    embedded = None
    budget = TARGET_BYTES - 560  # envelope fields, source and tag lines
    if rng.random() < EMBEDDED_SHARE:
        other = _slots(rng)
        embedded_paragraphs = _paragraphs(rng, other, budget_bytes=int(budget * 0.4))
        embedded = (rng.choice(TITLES).format(**other), embedded_paragraphs, rng.choice(OUTLETS))
        budget = int(budget * 0.6)
    related = []
    if rng.random() < RELATED_SHARE:
        related = [rng.choice(TITLES).format(**_slots(rng)) for _ in range(rng.randint(3, 6))]
        budget -= sum(len(h.encode()) + 6 for h in related)
    return _Story(
        title=title,
        paragraphs=_paragraphs(rng, slots, budget_bytes=max(budget, 600)),
        outlet=rng.choice(OUTLETS),
        tags=rng.sample(TAGS, rng.randint(2, 4)),
        embedded=embedded,
        related=related,
        promotion=rng.choice(PROMOTIONS) if rng.random() < 0.5 else None,
    )


def _slots(rng: random.Random) -> dict[str, str]:
    country, country2 = rng.sample(COUNTRIES, 2)
    place, place2 = rng.sample(PLACES, 2)
    return {
        "person": _person(rng),
        "speaker": rng.choice(SPEAKERS),
        "place": place,
        "place2": place2,
        "country": country,
        "country2": country2,
        "org": rng.choice(ORGS),
        "topic": rng.choice(TOPICS),
        "day": rng.choice(DAYS),
        "month": rng.choice(MONTHS),
        "n": str(rng.randint(2, 40)),
        "n2": str(rng.randint(100, 9000)),
        "year": str(rng.randint(2012, 2030)),
    }


def _person(rng: random.Random) -> str:
    """A famous name one time in three, else a composed one (thousands of distinct people)."""
    if rng.random() < 0.34:
        return rng.choice(PEOPLE)
    return (
        f"{rng.choice(ROLES)} {rng.choice(GIVEN_NAMES)} {rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"
    )


def _paragraphs(rng: random.Random, slots: dict[str, str], budget_bytes: int) -> list[str]:
    """Paragraphs of one or two sentences until ``budget_bytes`` of UTF-8 text."""
    order = rng.sample(range(len(SENTENCES)), len(SENTENCES))
    paragraphs: list[str] = []
    used = 0
    for start in range(0, len(order), 2):
        if used >= budget_bytes:
            break
        # Re-draw some slots per paragraph so articles on one topic still differ.
        local = {
            **slots,
            "n": str(rng.randint(2, 40)),
            "n2": str(rng.randint(100, 9000)),
            "day": rng.choice(DAYS),
            "place2": rng.choice(PLACES),
        }
        picked = order[start : start + rng.randint(1, 2)]
        paragraph = " ".join(SENTENCES[i].format(**local) for i in picked)
        paragraphs.append(paragraph)
        used += len(paragraph.encode()) + 2
    return paragraphs


def _repost(rng: random.Random, story: _Story) -> _Story:
    """Another outlet republishes the story word for word, under its own promotion line."""
    return _Story(
        title=story.title,
        paragraphs=list(story.paragraphs),
        outlet=rng.choice(OUTLETS),
        tags=list(story.tags),
        embedded=None,
        related=[],
        promotion=rng.choice(PROMOTIONS) if rng.random() < 0.5 else None,
    )


def _near_copy(rng: random.Random, story: _Story) -> _Story:
    """The same agency story edited: other spellings, a sentence dropped, digits localised."""
    paragraphs = [respell(p, rng) for p in story.paragraphs]
    if len(paragraphs) > 4:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    if rng.random() < 0.3:
        paragraphs = [p.translate(ARABIC_INDIC_DIGITS) for p in paragraphs]
    return _Story(
        title=respell(story.title, rng),
        paragraphs=paragraphs,
        outlet=rng.choice(OUTLETS),
        tags=rng.sample(TAGS, 2),
        embedded=None,
        related=[],
        promotion=None,
    )


def respell(text: str, rng: random.Random) -> str:
    """Swap each known spelling for its variant with probability 0.7 (per spelling, not per word)."""
    for usual, variant in SPELLING_VARIANTS:
        if usual in text and rng.random() < 0.7:
            text = text.replace(usual, variant)
    return text


def _page_text(story: _Story) -> str:
    lines: list[str] = []
    if story.promotion:
        lines.append(story.promotion)
    lines += story.paragraphs
    lines.append(f"المصدر: {story.outlet}")
    lines.append("كلمات دلالية: " + " ".join(story.tags))  # separators lost, as scraped
    if story.embedded:
        title, paragraphs, outlet = story.embedded
        lines += [READ_ALSO, title, *paragraphs, f"المصدر: {outlet}"]
    if story.related:
        lines.append(RELATED)
        lines += [f"  • {headline}" for headline in story.related]
    return "\n\n".join(lines)
