"""People, places and organisations, each with one key however it is spelled.

Sources, strongest first, longest span winning where they overlap:

1. the gazetteer (places, organisations) and national institutions, a head
   followed by a nisba (وزارة الدفاع الروسية -> ``org:RU/defence-ministry``);
2. names introduced by a title (``people.py``);
3. the statistical tagger (``tagger.py``) for names no list knows, when a model
   ships for the language; spaCy for English;
4. runs of Latin-script words inside a text of another script (``Task & Purpose``
   in an Arabic article): outlets and companies, typed ``org``.

Then short mentions are tied to a full name given earlier (أوستن -> لويد أوستن),
and a nisba after a title is a mention of its country when that country is
named in the article too (الرئيس الروسي -> روسيا).

One module, read whole: it is the merge of the sources above, and the merge's
order is what decides every overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from streams import lang
from streams.pipeline.enrich import tagger
from streams.pipeline.enrich.gazetteer import Gazetteer, Match, gazetteer
from streams.pipeline.enrich.institutions import latin_runs, national_orgs
from streams.pipeline.enrich.people import TitledName, function_words, given_after_particle, titled_names
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.quotes import reporting_verb_at, speaker_names
from streams.pipeline.enrich.refine import (
    abbreviated,
    acronyms,
    agency_credits,
    back_references,
    caps_datelines,
    clubs_by_nisba,
    company_tails,
    conjunction_cut,
    datelines,
    definite_word_before_given_name,
    extend_org_chains,
    generic_heads_cut,
    given_name_before,
    idioms_not_people,
    latin_works_dropped,
    lone_nisbas,
    named_after_titled,
    orgs_joined_by_and,
    outlets_after_heads,
    places_after_place_nouns,
    places_not_people,
    public_bodies,
    quoted_places_as_outlets,
    regions_after_places,
    retype_by_evidence,
    street_names,
    titles_in_names,
    unknown_places_after_place_nouns,
)
from streams.pipeline.enrich.spans import MAX_NAME_TOKENS, Span
from streams.pipeline.enrich.tokens import Token, between, key_form, phrase_forms
from streams.pipeline.enrich.transliterate import person_key
from streams.records import Entity, EntityType, Mention
from streams.text import matching_form


@dataclass(slots=True)
class _Found:
    type: EntityType
    key: str
    name: str
    mentions: list[Mention] = field(default_factory=list)


def find_entities(
    text: str, tokens: list[Token], language: str | None, *, use_tagger: bool = True
) -> list[Entity]:
    language = language or "ar"
    gaz = gazetteer()
    tagged = _clean_tagged(text, tokens, tagger.tag(text, tokens, language), language) if use_tagger else []
    known_names = gaz.find_all(tokens)
    if tagged:
        known_names = _drop_common_words(tokens, known_names, tagged, language)
    known_names = _places_in_context(tokens, known_names, tagged, language)
    known_names, city_orgs = _cities_in_org_names(text, tokens, known_names, language)
    dated = datelines(text, tokens, language, gaz) + caps_datelines(text, tokens, language, gaz)
    dated = _resolve_overlaps(dated)
    if dated:
        tagged = [t for t in tagged if not any(Span(*t).overlaps(d) for d in dated)]
    candidates = [Span(m.first, m.last, m.entry.type, m.entry.key) for m in known_names] + dated + city_orgs
    geographic = _geographic(tokens, known_names, language)
    candidates += geographic
    candidates += national_orgs(text, tokens, language)
    hint = frozenset(i for f, last, typ in tagged if typ == "person" for i in range(f, last + 1))
    strict = use_tagger and tagger.available(language)
    titled = titled_names(text, tokens, language, gaz, hint, strict=strict)
    candidates += [Span(t.first, t.last, "person", rank=1) for t in titled]
    known = [c for c in candidates if c.type == "place"]
    candidates += [
        Span(f, last, typ, rank=2)
        for f, last, typ in tagged
        # the gazetteer knows where a place's name ends (not انسحاب النيجر), unless capitals
        # say the name runs on (Southern California)
        if typ != "place"
        or not any(Span(f, last, typ).overlaps(k) for k in known)
        or _capitalised_around(tokens, f, last, known)
    ]
    runs = latin_runs(text, tokens)
    candidates += runs
    # a capitalised name in a quote's speaker slot is a person, if nothing else is there
    candidates += [Span(f, last, "person", rank=9) for f, last in speaker_names(text, tokens, language)]
    candidates += public_bodies(text, tokens, language)
    candidates = extend_org_chains(text, tokens, candidates, language)
    chosen = _bracketed_glosses(text, tokens, _resolve_overlaps(candidates), runs)
    chosen = [s for s in chosen if not _lone_function_word(tokens, s, language)]
    chosen = _common_nouns_dropped(text, tokens, chosen)
    chosen = generic_heads_cut(tokens, chosen, gaz, language)
    chosen = outlets_after_heads(text, tokens, chosen, language)
    chosen = quoted_places_as_outlets(text, tokens, chosen, language)
    chosen = agency_credits(text, tokens, chosen, language)
    chosen = lone_nisbas(text, tokens, chosen, gaz)
    chosen = clubs_by_nisba(text, tokens, chosen, language)
    chosen = latin_works_dropped(text, tokens, chosen, language)
    chosen = given_name_before(text, tokens, chosen, gaz, language)
    chosen = titles_in_names(text, tokens, chosen, language)
    chosen = definite_word_before_given_name(tokens, chosen, language)
    chosen = orgs_joined_by_and(text, tokens, chosen, language)
    chosen = company_tails(text, tokens, chosen, language)
    chosen = named_after_titled(tokens, chosen, language)
    chosen = idioms_not_people(tokens, chosen, language)
    chosen = places_not_people(tokens, chosen, gaz)
    chosen = places_after_place_nouns(tokens, chosen, gaz, language)
    chosen = unknown_places_after_place_nouns(text, tokens, chosen, language)
    chosen = conjunction_cut(tokens, chosen, language)
    chosen = retype_by_evidence(tokens, chosen, gaz, language)
    chosen = _resolve_overlaps(chosen + regions_after_places(text, tokens, chosen, language))
    chosen = _resolve_overlaps(chosen + street_names(text, tokens, chosen, language))
    chosen = back_references(text, tokens, _resolve_overlaps(chosen + _repeats(tokens, chosen)))
    abbreviations = acronyms(text, tokens, chosen, {s.first: _span_key(tokens, s) for s in chosen}, language)
    if abbreviations:
        covered = {s.first for s in abbreviations}
        chosen = _resolve_overlaps(
            [s for s in chosen if not (s.first == s.last and s.first in covered)] + abbreviations
        )
    found = _group(text, tokens, chosen, gaz, language)
    # a club or university named after its city does not mention the city (ريال مدريد)
    named_after = geographic + city_orgs
    _add_nested_places(text, tokens, [c for c in chosen if c not in named_after], found, gaz, language)
    _add_short_mentions(tokens, chosen, found)
    _add_nisba_mentions(tokens, titled, found, chosen)
    entities = [
        Entity(type=f.type, name=f.name, key=f.key, mentions=sorted(f.mentions, key=lambda m: m.start))
        for f in found.values()
    ]
    return sorted(entities, key=lambda e: e.mentions[0].start)


_INNER_PUNCTUATION = frozenset(" -–.'’&")
_DASHES = frozenset("-–")  # a dash between spaces ends a name (DETROIT, MI - Rebecca)


def _clean_tagged(
    text: str, tokens: list[Token], tagged: list[tuple[int, int, EntityType]], language: str
) -> list[tuple[int, int, EntityType]]:
    """The tagger's spans cut where punctuation stands between two words (a quote or a
    comma ends a name: وزارة الدفاع الأمريكية "البنتاغون"), without function words at
    their ends (إنّ أوستن -> أوستن) and without the title or the reporting verb before a
    person's name (Ms Bradley, ورأى ستيف بلادوين); a person's span that is only a title,
    or has a digit (covid-19), names no one.

    A capitalised Latin function word inside a sentence is part of the name (New Colony);
    a word joined by a hyphen is too (Moon Jae-in)."""
    stop = function_words(language)
    titles = _titles(language)

    def dropped(k: int, neighbour: int) -> bool:
        token = tokens[k]
        if (
            token.form not in stop
            or between(text, *sorted((tokens[k], tokens[neighbour]), key=lambda t: t.index)) == "-"
            or (neighbour < k and given_after_particle(tokens, k, language))
        ):
            return False
        return not (token.latin and token.capitalised) or _sentence_start(text, tokens, k)

    cleaned = []
    for first, last, typ in tagged:
        while (
            typ == "person"
            and last + 1 < len(tokens)
            and between(text, tokens[last], tokens[last + 1]) == "-"
        ):
            last += 1  # Moon Jae-in
        start = first
        for k in range(first, last + 1):
            gap = "" if k == last else between(text, tokens[k], tokens[k + 1])
            spaced_dash = gap.strip() in _DASHES and gap != gap.strip()
            if k == last or not set(gap) <= _INNER_PUNCTUATION or spaced_dash:
                a, b = start, k
                while a < b and dropped(a, a + 1):
                    a += 1
                if a == b and dropped(a, a):
                    a += 1
                while b > a and dropped(b, b - 1):
                    b -= 1
                if typ == "person" and a < b and reporting_verb_at(tokens, a, language):
                    a += 1  # ورأى ستيف بلادوين: the verb before the name
                while typ == "person" and a <= b and (title_end := titles.match_at(tokens, a)) is not None:
                    a = title_end + 1  # a title alone (Cpl. Jane O'Neill: Cpl) names no one
                if typ == "org" and a == b and titles.match_at(tokens, a) == a:
                    a = b + 1  # nor an organisation (Justice Secretary Menardo Guevarra: Justice)
                if typ == "person" and any(c.isdigit() for t in tokens[a : b + 1] for c in t.form):
                    a = b + 1  # a name has no digits (covid-19)
                if typ == "person":
                    a, b = _name_before_function_word(text, tokens, a, b, stop, _given_names(language))
                if a <= b:
                    cleaned.append((a, b, typ))
                start = k + 1
    return cleaned


@cache
def _given_names(language: str) -> frozenset[str]:
    return frozenset((lang.load(language, "given_names") or {}).get("names", []))


def _name_before_function_word(
    text: str, tokens: list[Token], a: int, b: int, stop: frozenset[str], given: frozenset[str]
) -> tuple[int, int]:
    """A person's Latin name holds no function word, even a capitalised one: a headline in
    title case runs a name into its sentence (``Heidi Is Separated``, ``Before Stern``). The
    name is the words before the first one, after any that open the span; a given name
    spelled like one (Will) is a name, and so is a word after a hyphen (Moon Jae-in)."""

    def function_word(k: int) -> bool:
        token = tokens[k]
        hyphened = k > 0 and between(text, tokens[k - 1], token) == "-"
        return token.latin and token.form in stop and token.text not in given and not hyphened

    while a <= b and function_word(a):
        a += 1
    cut = next((k for k in range(a + 1, b + 1) if function_word(k)), None)
    return a, b if cut is None else cut - 1


def _common_nouns_dropped(text: str, tokens: list[Token], chosen: list[Span]) -> list[Span]:
    """A tagger's one-word Latin name that the article also writes in lower case as a word of
    its own is that common word, capitalised where a sentence or a headline starts (``Coronavirus
    from China`` beside ``the coronavirus``, ``Fireworks, smoke and tear gas`` beside ``fireworks``)."""
    lower = {t.form for t in tokens if t.latin and t.text == t.form and not _in_address(text, t)}
    return [
        s
        for s in chosen
        if not (
            s.first == s.last
            and s.key is None
            and s.rank == 2
            and tokens[s.first].latin
            and tokens[s.first].text != tokens[s.first].form
            and tokens[s.first].form in lower
        )
    ]


def _in_address(text: str, token: Token) -> bool:
    """A word of a web or mail address (pic.twitter.com, @nytimes)."""
    before, after = text[token.start - 1 : token.start], text[token.end : token.end + 2]
    return before in _ADDRESS_MARKS or after[:1] in _ADDRESS_MARKS and after[1:].isalnum()


_ADDRESS_MARKS = frozenset("./@")


def _lone_function_word(tokens: list[Token], span: Span, language: str) -> bool:
    """A one-word Latin name that is a function word not written in capitals names nothing
    (``Who among you``, ``between Us and Them``; ``WHO`` and ``US`` are names), unless it is a
    given name too (Will)."""
    token = tokens[span.first]
    return (
        span.first == span.last
        and token.latin
        and not token.text.isupper()
        and token.form in function_words(language)
        and token.text not in _given_names(language)
    )


def _bracketed_glosses(text: str, tokens: list[Token], chosen: list[Span], runs: list[Span]) -> list[Span]:
    """A run of Latin words in brackets right after a non-Latin word spells that word out:
    after a name it is that name again (تشارلز الأول ( Charles I ) is a person), after any
    other word it is no name (الإنترنت فائق السرعة ( WiMax ))."""
    glosses = {(r.first, r.last) for r in runs}
    before = {s.last: s for s in chosen if not tokens[s.first].latin}
    kept = []
    for span in chosen:
        if (span.first, span.last) in glosses and span.first > 0:
            previous = tokens[span.first - 1]
            opened = between(text, previous, tokens[span.first]).strip() == "("
            closed = text[tokens[span.last].end :].lstrip()[:1] == ")"
            if opened and closed and not previous.latin:
                named = before.get(span.first - 1)
                if named is None:
                    continue
                span = Span(span.first, span.last, named.type, named.key, span.rank)
        kept.append(span)
    return kept


def _sentence_start(text: str, tokens: list[Token], k: int) -> bool:
    return k == 0 or bool(set(between(text, tokens[k - 1], tokens[k])) & set('.!?:\n"“'))


@cache
def _titles(language: str) -> PhraseSet:
    """Honorifics and offices, not part of a person's name (``names.json`` "honorifics";
    Pope Francis and Prince Charles keep theirs)."""
    return PhraseSet((lang.load(language, "names") or {}).get("honorifics", []))


def _capitalised_around(tokens: list[Token], first: int, last: int, known: list[Span]) -> bool:
    """A capitalised Latin span that holds every known place it overlaps (Southern California)."""
    words = tokens[first : last + 1]
    if not all(t.latin and t.capitalised for t in words):
        return False
    return all(first <= k.first and k.last <= last for k in known if k.first <= last and first <= k.last)


@cache
def _common_words(language: str) -> frozenset[str]:
    data = (lang.load(language, "orgs") or {}).get("common_words", {})
    return frozenset(f for name in data.get("names", []) for f in phrase_forms(name))


def _drop_common_words(
    tokens: list[Token], known: list[Match], tagged: list[tuple[int, int, EntityType]], language: str
) -> list[Match]:
    """فتح alone is the verb 'opened' unless the tagger calls it an organisation."""
    common = _common_words(language)
    if not common:
        return known
    orgs = {i for first, last, typ in tagged if typ == "org" for i in range(first, last + 1)}
    return [
        m
        for m in known
        if m.first != m.last or m.first in orgs or not any(r in common for r in tokens[m.first].readings)
    ]


@cache
def _place_cues(language: str) -> frozenset[str]:
    data = lang.load(language, "names") or {}
    return frozenset(f for w in data.get("place_cues", []) for f in phrase_forms(w))


def _places_in_context(
    tokens: list[Token], known: list[Match], tagged: list[tuple[int, int, EntityType]], language: str
) -> list[Match]:
    """A city whose name is also a word (العقبة) counts where the tagger or the context says
    place: after في، إلى، محافظة, or beside another place (العقبة ومعان)."""
    if not any(m.entry.word for m in known):
        return known
    places = {(first, last) for first, last, typ in tagged if typ == "place"}
    cues = _place_cues(language)
    plain = {m.first for m in known if m.entry.type == "place" and not m.entry.word}
    plain |= {m.last for m in known if m.entry.type == "place" and not m.entry.word}
    kept = []
    for m in known:
        if m.entry.word and not (
            (m.first, m.last) in places
            or (m.first > 0 and any(r in cues for r in tokens[m.first - 1].readings))
            or m.first - 1 in plain
            or m.last + 1 in plain
        ):
            continue
        kept.append(m)
    return kept


@cache
def _city_org_heads(language: str) -> frozenset[str]:
    """Words that make the city after them part of an organisation's name: جامعة حلوان,
    اتحاد طنجة, ريال مدريد (``ner_heads.json`` "org" and ``names.json`` "city_org_heads")."""
    heads = (lang.load(language, "ner_heads") or {}).get("org", [])
    clubs = (lang.load(language, "names") or {}).get("city_org_heads", [])
    return frozenset(f for w in [*heads, *clubs] for f in phrase_forms(w))


def _cities_in_org_names(
    text: str, tokens: list[Token], known: list[Match], language: str
) -> tuple[list[Match], list[Span]]:
    """A city right after an organisation's head word names the organisation, not the place:
    ``اتحاد طنجة`` is a club, ``جامعة حلوان`` a university. Countries are left alone
    (منتخب مصر is the team of a place the article is also about)."""
    heads = _city_org_heads(language)
    if not heads:
        return known, []
    kept, orgs = [], []
    for m in known:
        before = m.first - 1
        if (
            m.entry.type == "place"
            and not _country_key(m.entry.key)
            and before >= 0
            and not between(text, tokens[before], tokens[m.first]).strip()
            and any(r in heads for r in tokens[before].readings)
        ):
            orgs.append(Span(before, m.last, "org", rank=1))
            continue
        kept.append(m)
    return kept, orgs


def _country_key(key: str) -> bool:
    code = key.removeprefix("place:")
    return len(code) == 2 and code.isupper() or code.isdigit()


@cache
def _geographic_heads(language: str) -> tuple[PhraseSet, PhraseSet]:
    data = lang.load(language, "ner_heads") or {}
    return PhraseSet(data.get("geographic", [])), PhraseSet(data.get("geographic_after", []))


def _geographic(tokens: list[Token], known: list[Match], language: str) -> list[Span]:
    """A known place with a geographic head or a direction is another place: نهر النيجر,
    خليج المكسيك, آسيا الوسطى. Keyed by its words; the inner place is not mentioned."""
    before, after = _geographic_heads(language)
    spans = []
    for match in known:
        if match.entry.type != "place":
            continue
        first, last = match.first, match.last
        for start in range(max(0, first - 2), first):
            if before.match_at(tokens, start) == first - 1:
                first = start
                break
        if last + 1 < len(tokens) and after.match_at(tokens, last + 1) == last + 1:
            last += 1
        if (first, last) != (match.first, match.last):
            words = [min(tokens[first].readings, key=len)] + [t.form for t in tokens[first + 1 : last + 1]]
            spans.append(Span(first, last, "place", "place:" + key_form(" ".join(words))))
    return spans


def _repeats(tokens: list[Token], chosen: list[Span]) -> list[Span]:
    """Other occurrences of a name found once (one sense per article).

    The tagger sees one sentence's context; a name it found in one place is
    the same name where the context was weaker. Only names without a known
    key (tagger, title, Latin run) are repeated; the gazetteer already sees all.
    """
    found: dict[tuple[str, ...], Span] = {}
    for span in chosen:
        if span.key is None and span.type in ("person", "org") and span.last - span.first < MAX_NAME_TOKENS:
            words = tokens[span.first : span.last + 1]
            found.setdefault(tuple(t.form for t in words), span)
    if not found:
        return []
    longest = max(len(k) for k in found)
    firsts = {k[0] for k in found}
    repeats = []
    for i, token in enumerate(tokens):
        if firsts.isdisjoint(token.readings):
            continue  # no name found once starts with this word
        if token.latin and not token.capitalised:
            continue  # "the drop" is no mention of "Mitten Drop"
        for n in range(1, longest + 1):
            forms = tuple(t.form for t in tokens[i : i + n])
            heads = {(r, *forms[1:]) for r in token.readings}
            hit = next((found[h] for h in heads if h in found), None)
            if hit and (hit.first, hit.last) != (i, i + n - 1):
                repeats.append(Span(i, i + n - 1, hit.type, rank=4))
    return repeats


def _resolve_overlaps(candidates: list[Span]) -> list[Span]:
    chosen: list[Span] = []
    taken: set[int] = set()  # token indices the chosen spans cover
    for span in sorted(candidates, key=lambda s: (-(s.last - s.first), s.rank, s.first)):
        covered = range(span.first, span.last + 1)
        if taken.isdisjoint(covered) if covered else not any(span.overlaps(c) for c in chosen):
            chosen.append(span)
            taken.update(covered)
    return sorted(chosen, key=lambda s: s.first)


def _person_key(tokens: list[Token]) -> str:
    return person_key(tokens)


def _span_key(tokens: list[Token], span: Span) -> str:
    """The key a span gets when nothing else decides it (a surname may still join a full name)."""
    words = tokens[span.first : span.last + 1]
    if span.key is not None:
        return span.key
    if span.type == "person":
        return _person_key(words)
    bare = [min(words[0].readings, key=len)] + [t.form for t in words[1:]]
    return f"{span.type}:" + key_form(" ".join(bare))


def _group(
    text: str, tokens: list[Token], spans: list[Span], gaz: Gazetteer, language: str
) -> dict[str, _Found]:
    found: dict[str, _Found] = {}
    # Surnames of the full names in the article: a lone surname is that person,
    # whatever type the tagger gave it (spaCy reads "Langley said" as an org).
    last_names: dict[str, tuple[str, EntityType]] = {}
    first_names: dict[str, tuple[str, EntityType]] = {}
    for span in spans:
        if span.key is None and span.type == "person" and span.last > span.first:
            words = tokens[span.first : span.last + 1]
            last_names.setdefault(key_form(words[-1].form), (_person_key(words), "person"))
            # Frida ... Frida Aasen; Arabic given names are too common, an acronym is none (SPCA)
            if words[0].latin and not words[0].text.isupper():
                first_names.setdefault(key_form(words[0].form), (_person_key(words), "person"))
    for span in spans:
        words = tokens[span.first : span.last + 1]
        end = words[-1].end + abbreviated(text, words[-1], language)
        surface = text[words[0].start : end]
        key = span.key
        if key is None and len(words) == 1 and key_form(words[0].form) in last_names:
            key, span.type = last_names[key_form(words[0].form)]
        elif (
            key is None
            and len(words) == 1
            and words[0].capitalised
            and key_form(words[0].form) in first_names
        ):
            key, span.type = first_names[key_form(words[0].form)]
        elif key is None:
            key = _span_key(tokens, span)
        entry = found.get(key)
        if entry is None:
            name = gaz.name(key, language) or surface
            entry = found[key] = _Found(span.type, key, name)
        elif span.type == "person" and len(surface) > len(entry.name):
            entry.name = surface
        entry.mentions.append(Mention(start=words[0].start, end=end, text=surface))
    return found


def _add_nested_places(
    text: str,
    tokens: list[Token],
    chosen: list[Span],
    found: dict[str, _Found],
    gaz: Gazetteer,
    language: str,
) -> None:
    """A place inside a longer name is mentioned too: إفريقيا in غرب إفريقيا.

    The first word is skipped, so واشنطن بوست does not mention Washington.
    """
    for span in chosen:
        if span.type == "person" or span.last == span.first:
            continue
        inner = tokens[span.first + 1 : span.last + 1]
        for match in gaz.find_all(inner):
            key = match.entry.key
            if match.entry.type != "place" or match.entry.word or key == span.key:
                continue
            if span.type == "org" and span.key is not None and not _country_key(key):
                continue  # a listed club or company named after its city (أتلتيكو مدريد)
            if span.type == "place" and span.key is not None and _country_key(span.key) and match.entry.city:
                continue  # a word of a country's name that is also a city's (روسيا البيضاء)
            first, last = inner[match.first], inner[match.last]
            entry = found.get(key)
            surface = text[first.start : last.end]
            if entry is None:
                entry = found[key] = _Found("place", key, gaz.name(key, language) or surface)
            entry.mentions.append(Mention(start=first.start, end=last.end, text=surface))


# A surname's key this short (رايس -> رس) is shared by common words (رئيس): only its own spelling counts.
_MIN_SHORT_KEY = 3


def _short_key(form: str) -> str:
    key = key_form(form)
    return key if len(key) >= _MIN_SHORT_KEY else form


def _add_short_mentions(tokens: list[Token], chosen: list[Span], found: dict[str, _Found]) -> None:
    """A lone surname after the full name is the same person (أوستن -> لويد أوستن); a short
    surname by its own spelling only (رايس, not the title رئيس its key shares)."""
    covered = {i for s in chosen for i in range(s.first, s.last + 1)}
    by_part: dict[str, str] = {}
    for entry in found.values():
        parts = entry.name.split()
        if entry.type == "person" and len(parts) > 1:
            by_part.setdefault(_short_key(matching_form(parts[-1])), entry.key)
    for token in tokens:
        if token.index in covered or token.latin and not token.capitalised:
            continue
        key = next((by_part[k] for r in token.readings if (k := _short_key(r)) in by_part), None)
        if key:
            found[key].mentions.append(Mention(start=token.start, end=token.end, text=token.text))


def _add_nisba_mentions(
    tokens: list[Token], titled: list[TitledName], found: dict[str, _Found], chosen: list[Span]
) -> None:
    covered = {i for s in chosen for i in range(s.first, s.last + 1)}
    for name in titled:
        for index, code in name.countries:
            entry = found.get(f"place:{code}")
            if entry is not None and index not in covered:
                token = tokens[index]
                entry.mentions.append(Mention(start=token.start, end=token.end, text=token.text))
                covered.add(index)
