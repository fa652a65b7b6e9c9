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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.tokens import Token, phrase_forms
from streams.records import Entity, Quote
from streams.text import matching_form

# Scraped text mixes straight and curly marks ("I hope ...,” Ohlyan said): either closes.
# Arabic text typed right to left often has the curly marks the other way round (” ... “).
_PAIRS = {"«": "»", "“": '”"', "„": "“”", "‹": "›", '"': '"”', "”": "“”"}
_CLOSING_FIRST = frozenset("”")
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


@cache
def _reporting(language: str) -> _Reporting | None:
    data = lang.load(language, "reporting")
    if data is None:
        return None
    return _Reporting(
        verbs=PhraseSet(data["verbs"]),
        complementizers=frozenset(f for c in data["complementizers"] for f in phrase_forms(c)),
        breaks=PhraseSet(data["clause_breaks"]),
        pronouns=frozenset(f for p in data.get("pronouns", []) for f in phrase_forms(p)),
        subject_first=PhraseSet(data.get("subject_first_verbs", [])),
        titles=PhraseSet((lang.load(language, "titles") or {}).get("titles", [])),
    )


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the text inside each pair of quote marks, in order."""
    spans: list[tuple[int, int]] = []
    i = 0
    while (opener := _OPENER.search(text, i)) is not None:
        i = opener.start()  # no mark before it opens anything
        if text[i] in _CLOSING_FIRST and i > 0 and not text[i - 1].isspace():
            i += 1  # a closing mark after a word closes, it opens nothing (البلاد”)
            continue
        closing = _QUOTE_END[text[i]].search(text, i + 1)
        end = closing.start() if closing is not None else len(text)
        still_open = end == len(text) or text[end] == "\n"
        if still_open and (end - i - 1 < MIN_OPEN_QUOTE or any(c in text[i + 1 : end] for c in _PAIRS)):
            i += 1
            continue
        spans.append((i + 1, end))
        i = end + 1
    return spans


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
    quotes = []
    last_speaker: Entity | None = None
    previous_end = 0
    for start, end in quoted_spans(text):
        content = text[start:end].strip()
        if not content or any(s <= start and end <= e2 for s, e2 in names) or _is_name(start, end, names):
            continue
        if _nickname(text, content, start, names):
            continue  # كيسنجر "الثعلب": a name's epithet, not speech
        speaker = _speaker(text, tokens, rules, mentions, start - 1, end + 1)
        if speaker is _UNNAMED:
            speaker = None
        elif speaker is _PRONOUN:
            speaker = _antecedent(mentions, last_speaker, previous_end, start)
        elif (
            speaker is None
            and last_speaker is not None
            and _continues(mentions, last_speaker, previous_end, start)
        ):
            speaker = last_speaker  # a quote that follows a quote with no one named between
        last_speaker = speaker or last_speaker
        previous_end = end
        quotes.append(
            Quote(
                text=content,
                speaker=speaker.name if speaker else None,
                speaker_key=speaker.key if speaker else None,
            )
        )
    return quotes


# A speaker the text names only by a pronoun or a verb's person (he said, وأضاف).
_PRONOUN = Entity(type="person", name="", key="")
# A speaker the text does not name (قال المتحدث إن ...): the quote has none.
_UNNAMED = Entity(type="person", name="", key="-")
MAX_NICKNAME_WORDS = 2


def _nickname(text: str, content: str, start: int, names: list[tuple[int, int]]) -> bool:
    """One or two quoted words right after a name: an epithet (كيسنجر "الثعلب")."""
    if len(content.split()) > MAX_NICKNAME_WORDS:
        return False
    return any(0 <= start - 1 - e <= 1 and not text[e : start - 1].strip() for _, e in names)


def _head_mentions(tokens: list[Token], entities: list[Entity], mentions: list[_Mention]) -> list[_Mention]:
    """An organisation named again by its first word alone (المرصد السوري ... أوضح المرصد):
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
        owners = heads.get(token.form)
        if (
            owners
            and len(owners) == 1
            and not any(a <= token.start < b for a, b in covered)
            and token.start > owners[0].mentions[0].start
        ):
            found.append(_Mention(token.start, token.end, owners[0]))
    return found


MAX_CONTINUATION_GAP = 120


def _continues(mentions: list[_Mention], speaker: Entity, since: int, q_start: int) -> bool:
    """The quote goes on the previous one: close after it, no other person named between
    (``"...," said Michael Sachs, the past-president ... "We want to ..."``)."""
    return (
        since > 0
        and q_start - since <= MAX_CONTINUATION_GAP
        and not any(
            since <= m.start < q_start and m.entity.type == "person" and m.entity.key != speaker.key
            for m in mentions
        )
    )


def _antecedent(
    mentions: list[_Mention], last_speaker: Entity | None, since: int, q_start: int
) -> Entity | None:
    """Who "he" is: a person named since the last quote, else the last speaker, else the last person."""
    people = [m for m in mentions if m.end <= q_start and m.entity.type == "person"]
    named_since = [m for m in people if m.start >= since]
    if named_since:
        return named_since[-1].entity
    if last_speaker is not None:
        return last_speaker
    return people[-1].entity if people else None


def _is_name(start: int, end: int, names: list[tuple[int, int]]) -> bool:
    """The quoted text is exactly one known name (``"البنتاجون"``)."""
    return any(abs(s - start) <= 1 and abs(e - end) <= 1 for s, e in names)


def _speaker(
    text: str, tokens: list[Token], rules: _Reporting, mentions: list[_Mention], q_start: int, q_end: int
) -> Entity | None:
    sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, q_start)), default=0)
    before = [t for t in tokens if sentence_start <= t.start and t.end <= q_start]
    clause_start = sentence_start
    for k in range(len(before)):
        if rules.breaks.match_at(before, k) is not None:
            clause_start = before[k].start
    before = [t for t in before if t.start >= clause_start]
    verbs = [k for k in range(len(before)) if rules.verbs.match_at(before, k) is not None]
    in_clause = [m for m in mentions if clause_start <= m.start and m.end <= q_start]
    # A participle (موضحة أنّ ...) has no subject of its own: try each verb, last first.
    for k in reversed(verbs):
        if rules.subject_first.match_at(before, k) is not None:
            continue
        verb_end = before[k].end
        comp = next((t.start for t in before[k + 1 :] if t.readings[0] in rules.complementizers), q_start)
        chosen = _prefer_person([m for m in in_clause if verb_end <= m.start and m.end <= comp])
        if chosen:
            return chosen
        subject = [t for t in before[k + 1 :] if t.start < comp][:1]
        if subject and rules.titles.match_at(subject, 0) is not None:
            return _UNNAMED  # قال المتحدث إن ...: an office, no name
    if verbs:
        earlier = [m for m in in_clause if m.end <= before[verbs[-1]].start]
        if earlier:
            return earlier[-1].entity
        return _PRONOUN
    if in_clause:
        return in_clause[0].entity
    return _after(text, tokens, rules, mentions, q_end)


def _prefer_person(mentions: list[_Mention]) -> Entity | None:
    people = [m for m in mentions if m.entity.type == "person"]
    ranked = people or mentions
    return ranked[0].entity if ranked else None


def _after(
    text: str, tokens: list[Token], rules: _Reporting, mentions: list[_Mention], q_end: int
) -> Entity | None:
    match = _SENTENCE_END.search(text, q_end)
    sentence_end = match.start() if match else len(text)
    after = [t for t in tokens if q_end <= t.start and t.end <= sentence_end]
    if not any(rules.verbs.match_at(after, k) is not None for k in range(len(after))):
        return None
    following = [m for m in mentions if q_end <= m.start and m.end <= sentence_end]
    found = _prefer_person(following)
    if found is None and any(t.form in rules.pronouns for t in after[:3]):
        return _PRONOUN
    return found
