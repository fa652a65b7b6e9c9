"""Quoted speech and who said it.

Quote marks are paired in order first (« », “ ”, „ “, and straight " paired
left to right), then filtered: a quoted span that is a known name (``"البنتاجون"``,
``"واشنطن بوست"``) is a name in quote marks, not speech.

The speaker is found in the clause before the quote: the last reporting verb
(``lang/<xx>/reporting.json``), then the entity between that verb and the
complementizer (إنّ، أنّ; that), a person before an organisation. So in
``قال المتحدث باسم وزارة الدفاع الأمريكية "البنتاجون"، بات رايدر، في بيان، إنّ أوستن "شدّد ..."``
the speaker is بات رايدر, not the ministry and not أوستن. With nothing there,
the nearest person or organisation before the verb speaks (SVO order:
``بيسكوف، هدّد ... بـ"عواقب"``); with no verb, the first one in the clause;
then the clause after the quote (English: ``"...", she said``). A reporting
verb whose subject is a pronoun (``he said``, ``she added``, or an Arabic verb
with no name: ``وأضاف``) gives the quote to the last named speaker, else the
last person named before it. ``X told Reuters`` (``subject_first_verbs``): X speaks.
A verb after the next quote mark speaks that quote, not this one; a quote that opens its
sentence with no verb after it is said by whom the sentence before ends on (``...,
spokesman Oliver Grant said. "The plan helps ..."``). A speaker named by part of a name
given in full earlier (``الأمير فيصل`` after ``فيصل بن خالد``) speaks under the full name.
A pronoun or a verb's person tells a gender (she, وأضافت: ``female_subjects`` /
``male_subjects``); it goes to the last named person of that gender or of none the text
tells (a given name or a word before the name: Ms, المستشارة, وقالت; ``lang/<xx>/gender.json``),
else, when no one named fits, to the one it would go to with no gender. A capitalised name in
the speaker slot after a quote (``"...," Karlo Vemmik, a lawyer, has commented``) is a
person for the entity finder (``speaker_names``), known to it or not. A statement that speaks
(``وأكد البيان أن``, ``the statement added``; ``documents``) is the organisation that spoke
last, unless another verb of the clause names a speaker (``وأوصى العتيبي، بحسب البيان``). An
outlet with the preposition of address (``قال مسؤول لرويترز``; ``addressees``) is spoken to.
A title alone (``وتابع الوزير الأمريكي``, ``the chancellor said``) is the person named before
with that title a few words ahead (``وزير الخارجية الأمريكي جون كيري``), else an office, unnamed;
so are sources (``وتؤكد مصادر طبية``; ``unnamed_subjects``). A name right after the verb is
its subject (``وقالت الهيئة ... عبر تويتر``); with a relaying verb the one relayed from speaks
(``ونقلت الوكالة عن الوزير``; ``relaying_verbs``, ``relayed_from``). A quote that opens its
sentence after one ending on a pronoun and a verb (``..., she said. "I pray ..."``) is that
pronoun's. Who a link to another story names (``ALSO READ : Sfundo soars ...``; ``page.json``
"embedded_markers") is no speaker of this one. A closing mark after a word with a reporting verb
right after it (``... got upThe church is my family,” she said``) closes a quote whose opening
mark the scraper lost: it began at its sentence's start, or where two passages run together.

One module, read whole: each rule above is a step in choosing one quote's speaker,
and the order the steps are tried in is what decides it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from streams import lang
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.tokens import Token, between, phrase_forms
from streams.records import Entity, Quote
from streams.text import matching_form

# Scraped text mixes straight and curly marks ("I hope ...,” Ohlyan said): either closes.
# Arabic text typed right to left often has the curly marks the other way round (” ... “).
_PAIRS = {"«": "»", "“": '”"', "„": "“”", "‹": "›", '"': '"”', "”": "“”"}
_CLOSING_FIRST = frozenset("”")
_QUOTE_MARKS = frozenset("".join(_PAIRS) + "".join(_PAIRS.values()))
# A quote still open at the end of its paragraph runs on (news leaves a quote that goes on
# into the next paragraph open) when it is this long; a shorter one is a stray mark.
MIN_OPEN_QUOTE = 40
_OPENER = re.compile("[" + re.escape("".join(_PAIRS)) + "]")
# What ends a quote opened by each mark: one of its closers, or the paragraph's end.
_QUOTE_END = {mark: re.compile("[" + re.escape(closers) + "\n]") for mark, closers in _PAIRS.items()}
_SENTENCE_END = re.compile(r"[.!?؟]\s|\n")


@dataclass(frozen=True, slots=True)
class _Reporting:
    verbs: PhraseSet
    complementizers: frozenset[str]
    breaks: PhraseSet
    pronouns: frozenset[str]
    subject_first: PhraseSet
    titles: PhraseSet
    not_names: frozenset[str]
    documents: PhraseSet
    addressees: frozenset[str]
    # A word before a name after the verb that makes the name no subject (wrote on Instagram).
    not_subject_after: frozenset[str]
    # Titles written with a full stop (Mr., Cpl.): the stop ends no sentence.
    abbreviations: frozenset[str]
    unnamed: PhraseSet
    relaying: PhraseSet
    relayed_from: frozenset[str]
    # Gender of a speaker's pronoun or verb (she, وأضافت), of a word before a name (Ms, الوزيرة,
    # وقالت) and of a given name: "f" or "m".
    subject_gender: dict[str, str]
    word_gender: dict[str, str]
    name_gender: dict[str, str]
    # What introduces a link to another story inside the text (ALSO READ:, اقرأ أيضا:).
    links: PhraseSet
    # Words before a name that are no part of it (names.json "honorifics": Ms, Justice, Honorable).
    honorifics: PhraseSet


@cache
def _reporting(language: str) -> _Reporting | None:
    data = lang.load(language, "reporting")
    if data is None:
        return None
    gender = lang.load(language, "gender") or {}
    titles = (lang.load(language, "titles") or {}).get("titles", [])
    subject_gender = _genders(data, "{}_subjects")
    # A gendered reporting verb right before a name tells the name's gender (وقالت ماريا);
    # a pronoun (she met John) does not.
    one_word_verbs = {forms[0] for forms in map(phrase_forms, data["verbs"]) if len(forms) == 1}
    verb_gender = {w: g for w, g in subject_gender.items() if w in one_word_verbs}
    return _Reporting(
        verbs=PhraseSet(data["verbs"]),
        complementizers=frozenset(f for c in data["complementizers"] for f in phrase_forms(c)),
        breaks=PhraseSet(data["clause_breaks"]),
        pronouns=frozenset(f for p in data.get("pronouns", []) for f in phrase_forms(p)),
        subject_first=PhraseSet(data.get("subject_first_verbs", [])),
        titles=PhraseSet(titles),
        not_names=frozenset(
            f
            for w in (lang.load(language, "function_words") or {}).get("words", [])
            + data.get("not_speakers", [])
            for f in phrase_forms(w)
        ),
        documents=PhraseSet(data.get("documents", [])),
        unnamed=PhraseSet(data.get("unnamed_subjects", [])),
        relaying=PhraseSet(data.get("relaying_verbs", [])),
        relayed_from=frozenset(f for w in data.get("relayed_from", []) for f in phrase_forms(w)),
        addressees=frozenset(f[0] for f in map(phrase_forms, data.get("addressees", [])) if f),
        not_subject_after=frozenset(f for w in data.get("not_subject_after", []) for f in phrase_forms(w)),
        abbreviations=frozenset(t[:-1].lower() for t in titles if t.endswith(".") and " " not in t),
        subject_gender=subject_gender,
        word_gender=verb_gender | _genders(gender, "{}"),
        name_gender=_genders(gender, "{}_names"),
        links=PhraseSet((lang.load(language, "page") or {}).get("embedded_markers", [])),
        honorifics=PhraseSet((lang.load(language, "names") or {}).get("honorifics", [])),
    )


def _genders(data: dict[str, Any], key: str) -> dict[str, str]:
    """``{matching form: "f" or "m"}`` of the one-word entries of two lists (``female``, ``male``)."""
    found: dict[str, str] = {}
    for gender, name in (("f", "female"), ("m", "male")):
        for word in data.get(key.format(name), []):
            forms = phrase_forms(word)
            if len(forms) == 1:
                found[forms[0]] = gender
    return found


def reporting_verb_at(tokens: list[Token], i: int, language: str) -> bool:
    """Token ``i`` is a one-word reporting verb of the language in lower case (ورأى، وقالت):
    the start of a clause, never of a name (a capitalised Said is a name)."""
    rules = _reporting(language)
    return rules is not None and not tokens[i].capitalised and rules.verbs.match_at(tokens, i) == i


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the text inside each pair of quote marks, in order.

    A quote mark that opens a sentence inside a quote (``"... confidence. "All 13 ...``) opens
    the next paragraph's quote: scraped text runs paragraphs together, and news leaves a quote
    that goes on into the next paragraph unclosed, so the first quote ends at its sentence.
    Single marks quote too (``Trump says Kim is 'a man of his word'``), where they cannot be
    apostrophes (``Kim's``, ``the players' union``, ``'90s``): see ``_single_quote``."""
    spans: list[tuple[int, int]] = []
    i = 0
    while True:
        opener = _OPENER.search(text, i)
        single = _single_quote(text, i, opener.start() if opener is not None else len(text))
        if single is not None:
            spans.append(single)
            i = single[1] + 1
            continue
        if opener is None:
            break
        i = opener.start()  # no mark before it opens anything
        if text[i] in _CLOSING_FIRST and i > 0 and not text[i - 1].isspace():
            i += 1  # a closing mark after a word closes, it opens nothing (البلاد”)
            continue
        closing = _QUOTE_END[text[i]].search(text, i + 1)
        end = closing.start() if closing is not None else len(text)
        reopened = _REOPENED.search(text, i + 1, end + 2)
        if reopened is not None:
            spans.append((i + 1, reopened.start()))
            i = reopened.end() - 1
            continue
        still_open = end == len(text) or text[end] == "\n"
        if still_open and (end - i - 1 < MIN_OPEN_QUOTE or any(c in text[i + 1 : end] for c in _PAIRS)):
            i += 1
            continue
        spans.append((i + 1, end))
        i = end + 1
    return spans


# A mark that opens a sentence inside a quote: after a sentence's end and a space, before a word.
_REOPENED = re.compile(r"(?<=[.!?]) +[\"“](?=\w)")
# A single mark opens after a space or a bracket (or at the start) and before a letter, and
# closes after a non-space and before no letter or digit, on the same line; what it holds is at
# least two words ('90s, rock 'n' roll and one-word scare quotes are no speech).
_SINGLE_OPEN = re.compile(r"(?<![^\s(\[])[‘'](?=[^\W\d_])")
_SINGLE_CLOSE = re.compile(r"(?<=[^\s‘'])[’'](?!\w)")
MAX_SINGLE_QUOTE = 200


def _single_quote(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """``(start, end)`` of the first quote in single marks opened between ``start`` and ``stop``
    (where the next double mark opens), if any."""
    for opener in _SINGLE_OPEN.finditer(text, start, stop):
        line_end = text.find("\n", opener.end())
        limit = min(len(text) if line_end < 0 else line_end, opener.end() + MAX_SINGLE_QUOTE)
        closer = _SINGLE_CLOSE.search(text, opener.end(), limit)
        if closer is None:
            continue
        inside = text[opener.end() : closer.start()]
        if len(inside.split()) >= 2 and not any(c in _QUOTE_MARKS for c in inside):
            return opener.end(), closer.start()
    return None


MAX_SPEAKER_NAME = 4
# What may stand between two words of one name (Jane O'Neill, Ana Lopez-Garcia).
_NAME_JOINS = frozenset({" ", "'", "’", "-"})
# Words between a speaker's name and the reporting verb: an apposition between commas
# (Karlo Vemmik, a lawyer, has commented) and one more word (has, also).
MAX_APPOSITION = 6


def speaker_names(text: str, tokens: list[Token], language: str | None) -> list[tuple[int, int]]:
    """First and last token index of each capitalised name in the speaker slot after a quote,
    which the entity finder may not know (``"...," Karlo Vemmik, a lawyer, has commented``,
    ``"...," Vemmik said``): one to four capitalised words, then the reporting verb, right
    after them or after an apposition between commas."""
    rules = _reporting(language or "")
    if rules is None:
        return []
    stop = rules.not_names
    found = []
    for _, end in quoted_spans(text):
        k = next((i for i, t in enumerate(tokens) if t.start > end), len(tokens))
        if k == len(tokens) or text[end + 1 : tokens[k].start].strip(" ,\u00a0"):
            continue
        while k < len(tokens) and (title := _title_at(rules, tokens, k)) is not None:
            k = title + 1  # "...," Defense Secretary Lloyd Austin said: the name after the title
        n = 0
        while (
            k + n < len(tokens)
            and n < MAX_SPEAKER_NAME
            and tokens[k + n].capitalised
            and tokens[k + n].form not in stop
            and (n == 0 or text[tokens[k + n - 1].end : tokens[k + n].start] in _NAME_JOINS)
        ):
            n += 1
        if n == 0 or k + n == len(tokens):
            continue
        last = k + n - 1
        if _verb_follows(text, tokens, rules, last):
            found.append((k, last))
    return found


def _title_at(rules: _Reporting, tokens: list[Token], k: int) -> int | None:
    """The last token of a title or an honorific at ``k`` (Justice Secretary, Honorable)."""
    found = [
        e for e in (rules.titles.match_at(tokens, k), rules.honorifics.match_at(tokens, k)) if e is not None
    ]
    return max(found, default=None)


def _verb_follows(text: str, tokens: list[Token], rules: _Reporting, last: int) -> bool:
    """A reporting verb right after token ``last`` (one word may stand between: has said), or
    after an apposition between commas (, a lawyer, has commented)."""
    nxt = last + 1
    gap = text[tokens[last].end : tokens[nxt].start]
    if not gap.strip():
        return any(rules.verbs.match_at(tokens, j) is not None for j in range(nxt, min(nxt + 2, len(tokens))))
    if gap.strip() != ",":
        return False
    for j in range(nxt + 1, min(nxt + MAX_APPOSITION, len(tokens))):
        between = text[tokens[j - 1].end : tokens[j].start].strip()
        if between and between != ",":
            return False
        if between == ",":
            return any(rules.verbs.match_at(tokens, i) is not None for i in range(j, min(j + 2, len(tokens))))
    return False


_WORD_BEFORE = re.compile(r"(\w+)$")


def _sentence_ends(text: str, rules: _Reporting, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence end between ``start`` and ``end``; the full stop of a
    title (``"...," Mr. Romero said``, ``Cpl. Jane O'Neill``) ends none."""
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[m.start()] == ".":
            word = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if word is not None and word.group(1).lower() in rules.abbreviations:
                continue
        yield m.start(), m.end()


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    entity: Entity


def find_quotes(text: str, tokens: list[Token], language: str | None, entities: list[Entity]) -> list[Quote]:
    rules = _reporting(language or "") or _reporting("ar")
    assert rules is not None
    mentions = sorted(
        (_Mention(m.start, m.end, e) for e in entities for m in e.mentions if e.type != "place"),
        key=lambda m: m.start,
    )
    names = [(m.start, m.end) for e in entities for m in e.mentions]
    mentions = sorted(mentions + _head_mentions(tokens, entities, mentions), key=lambda m: m.start)
    mentions = _full_names(text, mentions, entities)
    links = _links(text, tokens, rules)
    mentions = [m for m in mentions if not any(a <= m.start < b for a, b in links)]
    genders = _person_genders(tokens, rules, mentions)
    quotes = []
    last_speaker: Entity | None = None
    last_org_speaker: Entity | None = None
    previous_end = 0
    spans = quoted_spans(text)
    for start, end in sorted(spans + _unopened_quotes(text, tokens, rules, spans)):
        content = text[start:end].strip()
        if not content or any(s <= start and end <= e2 for s, e2 in names) or _is_name(start, end, names):
            continue
        if _nickname(text, tokens, rules, content, start, names):
            continue  # كيسنجر "الثعلب": a name's epithet, not speech
        speaker = _speaker(text, tokens, rules, mentions, start - 1, end + 1)
        if speaker is _UNNAMED:
            speaker = None
        elif speaker is _DOCUMENT:
            speaker = last_org_speaker or last_speaker
        elif _pronoun(speaker):
            fits = _fits(genders, next(g for g, p in _BY_GENDER.items() if p is speaker))
            # no one of that gender: the gender data or the text is wrong, not the attribution
            speaker = _antecedent(mentions, last_speaker, previous_end, start, fits) or _antecedent(
                mentions, last_speaker, previous_end, start
            )
        elif (
            speaker is None
            and last_speaker is not None
            and _continues(text, rules, mentions, last_speaker, previous_end, start)
        ):
            speaker = last_speaker  # a quote that follows a quote with no one named between
        last_speaker = speaker or last_speaker
        if speaker is not None and speaker.type == "org":
            last_org_speaker = speaker
        previous_end = end
        quotes.append(
            Quote(
                text=content,
                speaker=speaker.name if speaker else None,
                speaker_key=speaker.key if speaker else None,
            )
        )
    return quotes


# Two passages a scraper ran together mid-word (``got upThe church``): a lower-case letter, then
# a capital that starts a word.
_SEAM = re.compile(r"(?<=[a-z])[A-Z](?=[a-z]*\b)")
MAX_VERB_AFTER_QUOTE = 3


def _unopened_quotes(
    text: str, tokens: list[Token], rules: _Reporting, spans: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Quotes whose opening mark the scraper lost (``Then the man got upThe church is my
    family,” she said.``): a closing curly mark after a word, outside every quote, with a
    reporting verb a few words after it. The quote began at its sentence's start, or where two
    passages were run together inside it."""
    found = []
    for mark in re.finditer("”", text):
        end = mark.start()
        if end == 0 or text[end - 1].isspace() or any(a - 1 <= end <= b for a, b in spans):
            continue
        stop = next((s for s, _ in _sentence_ends(text, rules, end, len(text))), len(text))
        after = [t for t in tokens if end < t.start and t.end <= stop][:MAX_VERB_AFTER_QUOTE]
        if not any(rules.verbs.match_at(after, k) is not None for k in range(len(after))):
            continue
        start = max((e for _, e in _sentence_ends(text, rules, 0, end)), default=0)
        start = max([start] + [m.start() for m in _SEAM.finditer(text, start, end)])
        if len(text[start:end].split()) >= 2 and not any(c in _QUOTE_MARKS for c in text[start:end]):
            found.append((start, end))
    return found


_LINK_SEPARATORS = frozenset(":|-–—>»")


def _links(text: str, tokens: list[Token], rules: _Reporting) -> list[tuple[int, int]]:
    """``(start, end)`` of each link to another story run into the text (``ALSO READ : Sfundo
    soars with six distinctions``): a marker (``page.json`` "embedded_markers") and a separator,
    then the other story's headline up to the end of the line or sentence or a quote mark. Who
    the headline names is no one of this story: no speaker, no antecedent of "she"."""
    found = []
    firsts = rules.links.first_words()
    for k, token in enumerate(tokens):
        if firsts.isdisjoint(token.readings):
            continue
        last = rules.links.match_at(tokens, k)
        if last is None or last + 1 >= len(tokens):
            continue
        if between(text, tokens[last], tokens[last + 1]).strip()[:1] not in _LINK_SEPARATORS:
            continue
        start = tokens[last + 1].start
        ends = [m.start() for m in (_SENTENCE_END.search(text, start), _OPENER.search(text, start)) if m]
        found.append((token.start, min(ends, default=len(text))))
    return found


# A speaker the text names only by a pronoun or a verb's person (he said, وأضاف), and its gender.
_PRONOUN = Entity(type="person", name="", key="")
_SHE = Entity(type="person", name="", key="f")
_HE = Entity(type="person", name="", key="m")
_BY_GENDER: dict[str | None, Entity] = {None: _PRONOUN, "f": _SHE, "m": _HE}


def _pronoun(speaker: Entity | None) -> bool:
    return any(speaker is p for p in _BY_GENDER.values())


# A speaker the text does not name (قال المتحدث إن ...): the quote has none.
_UNNAMED = Entity(type="person", name="", key="-")
# The subject is a statement or a report the text mentioned (وأضاف البيان, the statement added):
# the organisation that spoke last issued it, else the last speaker.
_DOCUMENT = Entity(type="org", name="", key="doc")
# No reporting verb after the quote in its sentence.
_NO_VERB = Entity(type="person", name="", key="?")
MAX_NICKNAME_WORDS = 2


def _nickname(
    text: str, tokens: list[Token], rules: _Reporting, content: str, start: int, names: list[tuple[int, int]]
) -> bool:
    """One or two quoted words right after a name: an epithet (كيسنجر "الثعلب"), unless a
    reporting verb stands right before the name (اعتبرها ترودو "معركة عصرنا": speech)."""
    if len(content.split()) > MAX_NICKNAME_WORDS:
        return False
    for s, e in names:
        if 0 <= start - 1 - e <= 1 and not text[e : start - 1].strip():
            before = [t for t in tokens if t.end <= s][-1:]
            return not (before and rules.verbs.match_at(before, 0) is not None)
    return False


def _full_names(text: str, mentions: list[_Mention], entities: list[Entity]) -> list[_Mention]:
    """A person named by part of a longer name speaks under that full name: the first person
    the article names with those words and more (الأمير فيصل after فيصل بن خالد, ماكرون
    after إيمانويل ماكرون, as news gives a name in full first)."""
    people = sorted(
        ((e, set(phrase_forms(e.name))) for e in entities if e.type == "person" and e.mentions),
        key=lambda p: p[0].mentions[0].start,
    )
    out = []
    for m in mentions:
        if m.entity.type == "person":
            words = set(phrase_forms(text[m.start : m.end]))
            fuller = next((e for e, names in people if words and words < names), None)
            if fuller is not None:
                m = _Mention(m.start, m.end, fuller)
        out.append(m)
    return out


def _head_mentions(tokens: list[Token], entities: list[Entity], mentions: list[_Mention]) -> list[_Mention]:
    """An organisation named again by its first word alone (المرصد السوري ... أوضح المرصد,
    هيئة الهلال الأحمر ... وقالت الهيئة):
    a mention for finding speakers, when only one organisation of the article starts so."""
    heads: dict[str, list[Entity]] = {}
    for entity in entities:
        if entity.type == "org":
            words = entity.mentions[0].text.split()
            if len(words) > 1:
                heads.setdefault(matching_form(words[0]), []).append(entity)
    if not heads:
        return []
    covered = [(m.start, m.end) for m in mentions]
    found = []
    for token in tokens:
        # the head with the article or a clitic (وقالت الهيئة after هيئة الهلال الأحمر)
        owners = next((heads[r] for r in token.readings if r in heads), None)
        if (
            owners
            and len(owners) == 1
            and not any(a <= token.start < b for a, b in covered)
            and token.start > owners[0].mentions[0].start
        ):
            found.append(_Mention(token.start, token.end, owners[0]))
    return found


MAX_CONTINUATION_GAP = 120
# Words a sentence may go on with after its reporting verb and speaker (on Monday, in a statement)
# and still be the attribution of the quote that opens the next sentence.
MAX_ATTRIBUTION_TAIL = 4


def _continues(
    text: str, rules: _Reporting, mentions: list[_Mention], speaker: Entity, since: int, q_start: int
) -> bool:
    """The quote goes on the previous one: close after it, no other person named between
    (``"...," said Michael Sachs, the past-president ... "We want to ..."``) but in the
    sentence that said who spoke (``"...," said Riverside Shelter manager Jane Doe. "We ..."``)."""
    if since <= 0 or q_start - since > MAX_CONTINUATION_GAP:
        return False
    attribution_end = next((e for _, e in _sentence_ends(text, rules, since, q_start)), since)
    return not any(
        attribution_end <= m.start < q_start and m.entity.type == "person" and m.entity.key != speaker.key
        for m in mentions
    )


def _antecedent(
    mentions: list[_Mention],
    last_speaker: Entity | None,
    since: int,
    q_start: int,
    fits: Callable[[Entity], bool] = lambda entity: True,
) -> Entity | None:
    """Who "he" is: a person it fits named since the last quote, else the last speaker, else
    the last person it fits."""
    people = [m for m in mentions if m.end <= q_start and m.entity.type == "person" and fits(m.entity)]
    named_since = [m for m in people if m.start >= since]
    if named_since:
        return named_since[-1].entity
    if last_speaker is not None and fits(last_speaker):
        return last_speaker
    return people[-1].entity if people else None


MAX_GENDER_LOOKBACK = 4


def _person_genders(tokens: list[Token], rules: _Reporting, mentions: list[_Mention]) -> dict[str, str]:
    """``{entity key: "f" or "m"}`` of the people whose gender the text tells, and tells one way:
    a given name, or a gendered word a few words before a mention with no other name or
    complementizer between (Ms Lane, المستشارة الألمانية أنغيلا ميركل, وقالت ماريا زاخاروفا)."""
    votes: dict[str, set[str]] = {}
    starts = {m.start for m in mentions}
    index = {t.start: k for k, t in enumerate(tokens)}
    for m in mentions:
        if m.entity.type != "person":
            continue
        told = votes.setdefault(m.entity.key, set())
        first = phrase_forms(m.entity.name)[:1]
        if first and first[0] in rules.name_gender:
            told.add(rules.name_gender[first[0]])
        k = index.get(m.start)
        for before in reversed(tokens[max(0, k - MAX_GENDER_LOOKBACK) : k] if k is not None else []):
            if before.start in starts or before.readings[0] in rules.complementizers:
                break
            gender = next((rules.word_gender[r] for r in before.readings if r in rules.word_gender), None)
            if gender:
                told.add(gender)
                break
    return {key: next(iter(told)) for key, told in votes.items() if len(told) == 1}


def _fits(genders: dict[str, str], gender: str | None) -> Callable[[Entity], bool]:
    """Whether a pronoun of ``gender`` can stand for an entity (an organisation, or a person of
    that gender or of none the text tells)."""
    return lambda entity: gender is None or genders.get(entity.key, gender) == gender


def _is_name(start: int, end: int, names: list[tuple[int, int]]) -> bool:
    """The quoted text is exactly one known name (``"البنتاجون"``)."""
    return any(abs(s - start) <= 1 and abs(e - end) <= 1 for s, e in names)


def _speaker(
    text: str,
    tokens: list[Token],
    rules: _Reporting,
    mentions: list[_Mention],
    q_start: int,
    q_end: int,
    follow: bool = True,
) -> Entity | None:
    sentence_start = max((e for _, e in _sentence_ends(text, rules, 0, q_start)), default=0)
    before = [t for t in tokens if sentence_start <= t.start and t.end <= q_start]
    clause_start = sentence_start
    for k in range(len(before)):
        if rules.breaks.match_at(before, k) is not None:
            clause_start = before[k].start
    before = [t for t in before if t.start >= clause_start]
    verbs = [k for k in range(len(before)) if rules.verbs.match_at(before, k) is not None]
    in_clause = [m for m in mentions if clause_start <= m.start and m.end <= q_start]
    # A participle (موضحة أنّ ...) has no subject of its own: try each verb, last first.
    document = False
    for k in reversed(verbs):
        if rules.subject_first.match_at(before, k) is not None:
            continue
        verb_end = before[k].end
        comp = next((t.start for t in before[k + 1 :] if t.readings[0] in rules.complementizers), q_start)
        subject = [t for t in before[k + 1 :] if t.start < comp]
        if rules.relaying.match_at(before, k) is not None:
            # ونقلت الوكالة عن الوزير قوله: the one quoted speaks
            source = next((t for t in subject if t.form in rules.relayed_from), None)
            if source is not None:
                verb_end = source.end
                subject = [t for t in subject if t.start > source.start]
        named = [
            m
            for m in in_clause
            if verb_end <= m.start
            and m.end <= comp
            and not _addressee(tokens, rules, m)
            and not _after_preposition(subject, rules, m)
        ]
        # a name right after the verb is its subject (وقالت الهيئة ردا على سؤال النائب خالد العتيبي),
        # unless a title leads on from it to a person (said Riverside Shelter manager Jane Doe);
        # after a title, the person (قال المتحدث باسم وزارة الدفاع، بات رايدر)
        first = next((m for m in named if subject and m.start == subject[0].start), None)
        chosen = first and (_title_chain(text, subject, rules, first, named) or first.entity)
        chosen = chosen or _prefer_person(named)
        if chosen:
            return chosen
        if subject and rules.documents.match_at(subject, 0) is not None:
            document = True  # وأضاف البيان أن: who issued it, unless another verb names a speaker
            continue  # (وأوصى العتيبي، بحسب البيان، بـ«...»: العتيبي)
        if subject and rules.unnamed.match_at(subject[:1], 0) is not None:
            return _UNNAMED  # وتؤكد مصادر طبية أن ...: sources, no name
        if subject and rules.titles.match_at(subject[:1], 0) is not None:
            # وتابع الوزير: the minister named before; قال المتحدث إن ...: an office, no name
            return _titled(tokens, mentions, subject[0], q_start) or _UNNAMED
    if document:
        return _DOCUMENT
    if verbs:
        earlier = [m for m in in_clause if m.end <= before[verbs[-1]].start]
        if earlier:
            return earlier[-1].entity
        verb = verbs[-1]  # وأضافت tells she speaks; she added, the word before it
        return _BY_GENDER[
            _gender_of(rules, before[verb : verb + 1]) or _gender_of(rules, before[verb - 1 : verb])
        ]
    if in_clause:
        return in_clause[0].entity if follow else None
    if not follow:
        return None
    found = _after(text, tokens, rules, mentions, q_end)
    if found is _NO_VERB:
        opens = not before  # the quote opens its sentence
        return _previous_sentence(text, tokens, rules, mentions, sentence_start) if opens else None
    return found


def _previous_sentence(
    text: str, tokens: list[Token], rules: _Reporting, mentions: list[_Mention], sentence_start: int
) -> Entity | None:
    """A quote that opens its sentence, with no reporting verb after it, after a sentence that
    names who speaks (``..., company spokesman Oliver Grant said. "The plan helps ..."``)."""
    end = sentence_start - 1
    while end > 0 and text[end - 1].isspace():
        end -= 1
    if end <= 0:
        return None
    found = _speaker(text, tokens, rules, mentions, end, end, follow=False)
    if found is None or found is _UNNAMED or found is _DOCUMENT:
        return None  # a pronoun (..., she said. "I pray ...") speaks: the caller tells who she is
    # The sentence ends on who said it (..., Oliver Grant said on Monday.), not on what it
    # reports (Anna Lane said the council's position on the budget changed.).
    start = max((e for _, e in _sentence_ends(text, rules, 0, end)), default=0)
    sentence = [t for t in tokens if start <= t.start and t.end <= end]
    last_verb = max(k for k in range(len(sentence)) if rules.verbs.match_at(sentence, k) is not None)
    named = [(m.start, m.end) for m in mentions if m.entity is found]
    tail = [t for t in sentence[last_verb + 1 :] if not any(a <= t.start < b for a, b in named)]
    return found if len(tail) <= MAX_ATTRIBUTION_TAIL else None


def _titled(tokens: list[Token], mentions: list[_Mention], title: Token, before: int) -> Entity | None:
    """The person a title stands for (وتابع الوزير الأمريكي, the chancellor said): the last one
    named before with that title a few words ahead of the name (وزير الخارجية الأمريكي جون كيري)."""
    forms = set(title.readings)
    index = {t.start: k for k, t in enumerate(tokens)}
    for m in reversed([m for m in mentions if m.end <= before and m.entity.type == "person"]):
        k = index.get(m.start)
        if k is not None and any(
            forms & set(t.readings) for t in tokens[max(0, k - MAX_GENDER_LOOKBACK) : k]
        ):
            return m.entity
    return None


MAX_TITLE_CHAIN = 4


def _title_chain(
    text: str, subject: list[Token], rules: _Reporting, first: _Mention, named: list[_Mention]
) -> Entity | None:
    """The person a name leads on to through a title, with no punctuation or function word
    between (``Riverside Animal Shelter branch manager Jane Doe``): the name before says where or
    for whom the person works; the person at the end of the chain speaks."""
    for m in named:
        if m.start < first.end or m.entity.type != "person":
            continue
        between = [t for t in subject if first.end <= t.start and t.end <= m.start]
        gap = text[first.end : m.start]
        if (
            0 < len(between) <= MAX_TITLE_CHAIN
            and not any(c in gap for c in _CHAIN_BREAKS)
            and not any(t.form in rules.not_names for t in between)  # ردا على سؤال النائب: no chain
            and any(rules.titles.match_at(between, k) is not None for k in range(len(between)))
        ):
            return m.entity
        return None
    return None


_CHAIN_BREAKS = frozenset(',;:()"“”«»،')


def _after_preposition(subject: list[Token], rules: _Reporting, mention: _Mention) -> bool:
    """A name after the verb that a preposition makes no subject (wrote on Instagram,
    posted via X; ``not_subject_after``)."""
    before = [t for t in subject if t.end <= mention.start][-1:]
    return bool(before) and before[0].form in rules.not_subject_after


def _addressee(tokens: list[Token], rules: _Reporting, mention: _Mention) -> bool:
    """The one spoken to, not the speaker: an outlet after the preposition of address
    (قال مسؤول لرويترز, في تصريح لقناة الجزيرة; ``addressees`` with a clitic), or an outlet
    named after such a word that its name leaves out (لصحيفة عكاظ)."""
    first = next((t for t in tokens if t.start == mention.start), None)
    if first is None:
        return False
    before = tokens[first.index - 1] if first.index > 0 else None
    return any(r in rules.addressees for r in first.readings[1:]) or (
        before is not None
        and before.end + 1 == first.start
        and any(r in rules.addressees for r in before.readings[1:])
    )


def _prefer_person(mentions: list[_Mention]) -> Entity | None:
    people = [m for m in mentions if m.entity.type == "person"]
    ranked = people or mentions
    return ranked[0].entity if ranked else None


def _after(
    text: str, tokens: list[Token], rules: _Reporting, mentions: list[_Mention], q_end: int
) -> Entity | None:
    sentence_end = next((s for s, _ in _sentence_ends(text, rules, q_end, len(text))), len(text))
    # "...," Ms Lane said: a verb after another quote mark speaks that quote, not this one
    sentence_end = next((i for i in range(q_end, sentence_end) if text[i] in _QUOTE_MARKS), sentence_end)
    after = [t for t in tokens if q_end <= t.start and t.end <= sentence_end]
    if not any(rules.verbs.match_at(after, k) is not None for k in range(len(after))):
        return _NO_VERB
    following = [m for m in mentions if q_end <= m.start and m.end <= sentence_end]
    # "...," said Riverside Animal Shelter manager Jane Doe: the person at the title chain's end
    found = (following and _title_chain(text, after, rules, following[0], following)) or _prefer_person(
        following
    )
    if found is None and any(
        rules.documents.match_at(after, k) is not None for k in range(min(2, len(after)))
    ):
        return _DOCUMENT  # "...," the statement added
    title = next((t for t in after[:3] if rules.titles.match_at([t], 0) is not None), None)
    if found is None and title is not None:
        return _titled(tokens, mentions, title, q_end) or _UNNAMED  # "...," the chancellor said
    pronoun = [t for t in after[:3] if t.form in rules.pronouns][:1]
    if found is None and pronoun:
        return _BY_GENDER[_gender_of(rules, pronoun)]
    return found


def _gender_of(rules: _Reporting, words: list[Token]) -> str | None:
    """The gender a subject pronoun or a reporting verb's person tells (she, وأضافت), if any."""
    return next(
        (rules.subject_gender[r] for t in words for r in t.readings if r in rules.subject_gender), None
    )
