"""What a reader knows about names that a tagger does not: datelines, "of" chains,
acronyms, and that a city is not a person.

* A dateline (``NAIROBI (Reuters) -``, ``TANGIER - Morocco``, ``القاهرة -``) opens
  a paragraph with a place; spaCy reads an upper-case word there as an
  organisation and joins it to what follows the dash.
* An organisation's name runs on through ``of`` / ``for`` and capitalised words:
  ``Central Bank of Kenya``, not ``Central Bank`` (``lang/<xx>/names.json``).
* An acronym in brackets after a name, or made of its initials, is the same
  organisation: ``CBK`` for ``Central Bank of Kenya``.
* A span the tagger calls a person that is a known city (``Rotterdam``,
  ``Valencia``) is the city, unless the article names a person with that
  surname (``Lloyd Austin`` ... ``Austin``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.gazetteer import Gazetteer, gazetteer, known_cities
from streams.pipeline.enrich.keywords import word_zipf
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.people import function_words
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.quotes import reporting_verb_at
from streams.pipeline.enrich.spans import MAX_NAME_TOKENS, Span
from streams.pipeline.enrich.tokens import Token, between, key_form, phrase_forms
from streams.records import EntityType

_AGENCY = re.compile(r"^\s*(?:,\s*[A-Z][A-Za-z.]{1,12}\s*)?(?:\([^()\n]{1,40}\)\s*)?$")
MAX_DATELINE_TOKENS = 3


@dataclass(frozen=True, slots=True)
class _Rules:
    connectors: frozenset[str]
    inner: frozenset[str]
    acronym_skip: frozenset[str]
    dashes: tuple[str, ...]
    org_last_words: frozenset[str]
    region_abbreviations: dict[str, str]  # "Calif." -> "place:US-CA"
    given_names: frozenset[str]
    not_name_last_words: frozenset[str]
    event_last_words: frozenset[str]
    place_last_words: frozenset[str]
    name_titles: frozenset[str]
    event_first_words: frozenset[str]
    person_relatives: frozenset[str]
    acronym_not_prefixes: tuple[str, ...]


@cache
def _rules(language: str) -> _Rules:
    data = lang.load(language, "names") or {}
    given = (lang.load(language, "given_names") or {}).get("names", [])

    def forms(name: str) -> frozenset[str]:
        return frozenset(f for w in data.get(name, []) for f in phrase_forms(w))

    return _Rules(
        forms("org_connectors"),
        forms("org_inner_words"),
        forms("acronym_skip") | frozenset(data.get("acronym_skip", [])),
        tuple(data.get("dateline_dashes", [])),
        forms("org_last_words"),
        dict(data.get("region_abbreviations", {})),
        frozenset(given),
        forms("not_name_last_words"),
        forms("event_last_words"),
        forms("place_last_words"),
        frozenset(data.get("name_titles", [])),
        forms("event_first_words"),
        forms("person_relatives"),
        tuple(data.get("acronym_not_prefixes", [])),
    )


def abbreviated(text: str, token: Token, language: str) -> bool:
    """Whether the full stop after ``token`` belongs to it: ``U.S.``, ``Calif.``."""
    if text[token.end : token.end + 1] != ".":
        return False
    return "." in token.text or f"{token.text}." in _rules(language).region_abbreviations


def place_key(tokens: list[Token], gaz: Gazetteer) -> str:
    """The key of a place named by these tokens: a gazetteer or city key, else its words."""
    match = gaz.match_at(tokens, 0)
    if match and match.last == len(tokens) - 1 and match.entry.type == "place":
        return match.entry.key
    city = known_cities().get(tuple(t.form for t in tokens))
    if city:
        return city.key
    return "place:" + key_form(" ".join(t.form for t in tokens))


def _listed(words: list[Token], key: str) -> bool:
    """Whether a place's words are a known place: the gazetteer's or a known city (a city's key
    is its words, ``place:vancouver``)."""
    forms = tuple(t.form for t in words)
    return not key.startswith("place:" + key_form(" ".join(forms))) or forms in known_cities()


def datelines(text: str, tokens: list[Token], language: str, gaz: Gazetteer) -> list[Span]:
    """Places that open a paragraph before a dash: ``NAIROBI (Reuters) -``, ``القاهرة -``.

    Upper-case words, a known place or an agency in brackets make it a dateline;
    a capitalised word before a dash is otherwise just a sentence.
    """
    dashes = _rules(language).dashes
    if not dashes or not tokens:
        return []
    spans = []
    starts = [0] + [t.index for t in tokens[1:] if "\n" in between(text, tokens[t.index - 1], t)]
    for first in starts:
        for last in range(first, min(first + MAX_DATELINE_TOKENS, len(tokens))):
            if last > first and between(text, tokens[last - 1], tokens[last]).strip():
                break
            rest = text[tokens[last].end : tokens[last + 1].start if last + 1 < len(tokens) else len(text)]
            if not rest.rstrip().endswith(dashes) and not _agency_then_dash(text, tokens, last, dashes):
                continue
            words = tokens[first : last + 1]
            head = rest.rstrip()[:-1] if rest.rstrip().endswith(dashes) else ""
            upper = all(t.text.isupper() for t in words if t.latin) and any(t.latin for t in words)
            known = place_key(words, gaz)
            listed = _listed(words, known)
            if upper or listed or "(" in head:
                spans.append(Span(first, last, "place", known, rank=0))
            break
    return spans


# An upper-case dateline anywhere in a text (titles are often run into the body):
# ``ROCK HILL, S.C. —``, ``PASADENA, Calif. (KTLA) —``, ``CHENNAI:``, ``VIENNA (Reuters) -``.
_CAPS_DATELINE = re.compile(
    r"(?<![\w.,])(?P<place>[A-Z][A-Z'’-]+(?: [A-Z][A-Z'’-]+){0,2})"
    r"(?P<region>, [A-Z][A-Za-z.]{1,12})?"
    r"(?: \((?P<agency>[A-Za-z0-9 &.]{2,30})\))?"
    r" ?(?P<mark>--|[-–—:])(?=\s)"
)


def caps_datelines(text: str, tokens: list[Token], language: str, gaz: Gazetteer) -> list[Span]:
    """Upper-case datelines wherever they stand: the place, and the agency in brackets as an
    organisation. A colon (``CHENNAI:``) or a bare dash needs a known place; a region
    (``, S.C.``) or an agency makes any upper-case words a dateline."""
    if not _rules(language).dashes:
        return []
    starts = {t.start: t.index for t in tokens}
    ends = {t.end: t.index for t in tokens}
    spans = []
    for m in _CAPS_DATELINE.finditer(text):
        first, last = starts.get(m.start("place")), ends.get(m.end("place"))
        if first is None or last is None:
            continue
        words = tokens[first : last + 1]
        key = place_key(words, gaz)
        listed = _listed(words, key)
        evidence = listed or m.group("agency") or (m.group("region") and m.group("mark") != ":")
        if not evidence or m.group("mark") == ":" and not listed:
            continue
        spans.append(Span(first, last, "place", key, rank=0))
        agency = m.group("agency")
        if agency and agency.split()[0][:1].isupper() and len(agency.split()) <= 3:
            a, b = starts.get(m.start("agency")), ends.get(m.end("agency"))
            if a is not None and b is not None:
                spans.append(Span(a, b, "org", rank=0))
    return spans


def regions_after_places(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """``Sacramento, Calif.``, ``DETROIT, MI``: a state written short after a place is a place."""
    abbreviations = _rules(language).region_abbreviations
    if not abbreviations:
        return []
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    found = []
    for span in chosen:
        nxt = span.last + 1
        if span.type != "place" or nxt >= len(tokens) or nxt in taken:
            continue
        if between(text, tokens[span.last], tokens[nxt]).strip() != ",":
            continue
        token = tokens[nxt]
        key = abbreviations.get(token.text + ".") if abbreviated(text, token, language) else None
        key = key or (abbreviations.get(token.text) if token.text.isupper() else None)
        if key:
            found.append(Span(nxt, nxt, "place", key, rank=0))
    return found


def retype_by_evidence(tokens: list[Token], chosen: list[Span], gaz: Gazetteer, language: str) -> list[Span]:
    """What a tagger's span is when its words say so.

    An event's or award's last word drops it (``Rose Parade``); a street's makes a place
    (``Booker Washington Street``); a last word only organisations end with makes an
    organisation (``... High School``, ``... Police Department``); a common given name
    first makes a person unless the words are a known place or organisation (``Rich
    Pedroncelli``, ``Rebecca``); a known city or region is a place. A known name at the
    start of a longer span is cut off it (``NBA David Stern`` -> ``NBA``, ``David Stern``)."""
    rules = _rules(language)
    if not rules.org_last_words:
        return chosen  # a language opts in by listing the words (Arabic's tagger types well)
    named = {  # words of the people named here: Langley said ... is Michael Langley
        tokens[k].form for s in chosen if s.type == "person" and s.last > s.first for k in (s.first, s.last)
    }
    out = []
    for span in _split_known_prefix(tokens, chosen, gaz, language):
        if span.key is None and span.rank == 2:
            words = tokens[span.first : span.last + 1]
            if words[-1].form in rules.place_last_words and len(words) > 1:
                cut = next(
                    (
                        k
                        for k in range(span.first + 1, span.last)
                        if tokens[k].form == "and" and tokens[k - 1].form in rules.place_last_words
                    ),
                    None,
                )  # Craig Road and Jones Boulevard
                if cut is None:
                    out.append(Span(span.first, span.last, "place", None, span.rank))
                else:
                    out += [
                        Span(span.first, cut - 1, "place", None, span.rank),
                        Span(cut + 1, span.last, "place", None, span.rank),
                    ]
                continue
            known = gaz.match_at(words, 0)
            whole = known if known and known.last == len(words) - 1 else None
            if all(t.form in rules.not_name_last_words for t in words):
                continue  # Photo / Supplied, (Photo by ...): a credit's word alone names nothing
            if words[-1].form in rules.event_last_words:
                continue  # Heisman Trophy, Rose Parade: events and awards are no entities
            if len(words) > 1 and words[0].form in rules.event_first_words:
                continue  # Storm Elin, Hurricane Ian: a storm's name names no one
            if span.type == "org" and _speaker_who(tokens, span, rules, language):
                out.append(Span(span.first, span.last, "person", None, span.rank))
                continue
            if span.type == "org" and len(words) > 1 and words[-1].form in rules.not_name_last_words:
                span = Span(span.first, span.last - 1, "org", None, span.rank)  # AP Photo -> AP
            elif span.type != "org" and words[-1].form in rules.org_last_words and len(words) > 1:
                span = Span(span.first, span.last, "org", None, span.rank)
            elif (
                span.type != "person"
                and whole is None
                and words[0].text in rules.given_names
                and len(words) <= 3
                and tuple(t.form for t in words) not in known_cities()
                and all(t.capitalised and t.form not in rules.org_last_words for t in words)
            ):
                span = Span(span.first, span.last, "person", None, span.rank)
            elif len(words) == 1 and words[0].form in named:
                pass
            elif span.type == "org" and whole is not None and whole.entry.type == "place":
                span = Span(span.first, span.last, "place", whole.entry.key, span.rank)
            elif span.type == "org" and tuple(t.form for t in words) in known_cities():
                span = Span(span.first, span.last, "place", place_key(words, gaz), span.rank)
        out.append(span)
    return out


def _speaker_who(tokens: list[Token], span: Span, rules: _Rules, language: str) -> bool:
    """A name after a reporting verb and before ``who`` is a person's (``said Ilse de Waard, who
    heads operations``), whatever the tagger took it for."""
    after = span.last + 1
    return (
        after < len(tokens)
        and tokens[after].form in rules.person_relatives
        and span.first > 0
        and reporting_verb_at(tokens, span.first - 1, language)
    )


def given_name_before(
    text: str, tokens: list[Token], chosen: list[Span], gaz: Gazetteer, language: str
) -> list[Span]:
    """A common given name right before a tagger's span the tagger left out is the start of
    that name (``Isabel Arreola, 38, said``: the tagger saw ``Arreola`` alone, as a place): the
    span takes it in, and ``retype_by_evidence`` makes the whole a person. So does a person's
    name of one or two words (علي خامنئي، علي محمد جيدي: the tagger left the given name out).
    Not a given name that is a known place (``Jordan``), and only with a space between."""
    given = _rules(language).given_names
    if not given:
        return chosen
    return _taking_word_before(
        text,
        tokens,
        chosen,
        lambda span, before: (
            span.key is None
            and span.rank == 2
            and span.last - span.first < 2
            and tokens[before].text in given
            and gaz.match_at(tokens, before) is None
            and (tokens[before].form,) not in known_cities()
        ),
    )


def titles_in_names(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A title that is part of a name (``names.json`` "name_titles": Pope Francis, Princess
    Diana) right before a person the tagger found without it is taken into the name."""
    titles = _rules(language).name_titles
    if not titles:
        return chosen
    return _taking_word_before(
        text,
        tokens,
        chosen,
        lambda span, before: span.type == "person" and span.key is None and tokens[before].text in titles,
    )


def _taking_word_before(
    text: str, tokens: list[Token], chosen: list[Span], takes: Callable[[Span, int], bool]
) -> list[Span]:
    """Each span starts one word earlier where that word is in no span, a space apart, and
    ``takes(span, index of the word)``."""
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    out = []
    for span in chosen:
        before = span.first - 1
        if (
            before >= 0
            and before not in taken
            and between(text, tokens[before], tokens[span.first]) == " "
            and takes(span, before)
        ):
            span = Span(before, span.last, span.type, None, span.rank)
        out.append(span)
    return out


def orgs_joined_by_and(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """Two tagger's organisations joined by "and" or "&", the first with no organisation's last
    word and the second ending with one, are one name (``New Hampshire Fish and Game
    Department``); two whole names stay two (``Bank of Kenya and Central Bank``)."""
    rules = _rules(language)
    if not rules.org_last_words:
        return chosen
    out: list[Span] = []
    for span in chosen:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.type == span.type == "org"
            and prev.key is None
            and span.key is None
            and prev.rank == span.rank == 2
            and tokens[prev.last].form not in rules.org_last_words
            and tokens[span.last].form in rules.org_last_words
            and _joined_by_and(text, tokens, prev.last, span.first)
        ):
            out[-1] = Span(prev.first, span.last, "org", None, span.rank)
            continue
        out.append(span)
    return out


def _joined_by_and(text: str, tokens: list[Token], left: int, right: int) -> bool:
    if right == left + 1:
        return between(text, tokens[left], tokens[right]) == " & "
    return (
        right == left + 2
        and tokens[left + 1].text == "and"
        and between(text, tokens[left], tokens[left + 1])
        == between(text, tokens[left + 1], tokens[right])
        == " "
    )


def _split_known_prefix(tokens: list[Token], chosen: list[Span], gaz: Gazetteer, language: str) -> list[Span]:
    """A tagger's span that starts with a known name and runs on with capitalised words
    holds two names (``NBA David Stern``, ``Abuja The Peoples Democratic Party``)."""
    out = []
    for span in chosen:
        if span.key is None and span.rank == 2 and span.last > span.first and tokens[span.first].latin:
            known = gaz.match_at(tokens, span.first)
            # an organisation's or a place's name often starts with a place (U.S. Embassy,
            # Alaska Senate): only a known organisation, "The", or a given name starts another
            # an organisation's last word says the whole is one name (U.N. Security Council,
            # Texas Christian University), unless "The" opens a second one; so does a person
            # whose first word is a given name too (Jordan Morris, Chelsea Clinton)
            given = _rules(language).given_names
            one_name = tokens[span.last].form in _rules(language).org_last_words
            one_name = one_name or span.type == "person" and tokens[span.first].text in given
            if (
                known
                and (rest := known.last + 1) <= span.last
                and all(t.capitalised for t in tokens[rest : span.last + 1])
                and (
                    tokens[rest].form == "the"
                    or not one_name
                    and (known.entry.type == "org" or tokens[rest].text in given)
                )
            ):
                out.append(Span(span.first, known.last, known.entry.type, known.entry.key, 0))
                if tokens[rest].form == "the" and rest < span.last:
                    rest += 1
                out.append(Span(rest, span.last, span.type, None, span.rank))
                continue
        out.append(span)
    return out


def street_names(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """Capitalised words before a street word are a place: ``Merriman Road``, ``Strasburg Street``."""
    rules = _rules(language)
    if not rules.place_last_words:
        return []
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    found = []
    for token in tokens:
        if token.index == 0 or token.index in taken or not token.capitalised:
            continue
        if token.form not in rules.place_last_words:
            continue
        first = token.index
        while (
            first - 1 >= 0
            and first - 1 not in taken
            and tokens[first - 1].capitalised
            and tokens[first - 1].form not in rules.place_last_words
            and not between(text, tokens[first - 1], tokens[first]).strip()
            and token.index - first < 3
            and not _at_sentence_start(text, tokens, first - 1)
        ):
            first -= 1
        if first < token.index:
            found.append(Span(first, token.index, "place", None, rank=3))
    return found


def _at_sentence_start(text: str, tokens: list[Token], k: int) -> bool:
    return k == 0 or bool(set(between(text, tokens[k - 1], tokens[k])) & set(".!?:\n"))


def _agency_then_dash(text: str, tokens: list[Token], last: int, dashes: tuple[str, ...]) -> bool:
    """``NAIROBI (Reuters) -`` / ``BIRMINGHAM, Ala. (WIAT) —``: the words up to the dash are an agency."""
    end = text.find("\n", tokens[last].end)
    line = text[tokens[last].end : end if end != -1 else len(text)]
    cut = min((line.find(d) for d in dashes if line.find(d) > 0), default=-1)
    return cut > 0 and "(" in line[:cut] and bool(_AGENCY.match(line[:cut]))


def extend_org_chains(text: str, tokens: list[Token], spans: list[Span], language: str) -> list[Span]:
    """``Central Bank`` + ``of Kenya`` -> ``Central Bank of Kenya`` (capitalised words after a connector)."""
    rules = _rules(language)
    if not rules.connectors:
        return spans
    out = []
    for span in spans:
        if span.type == "org":
            last = span.last
            while last + 2 < len(tokens) and tokens[last + 1].form in rules.connectors:
                end = _capitalised_run(text, tokens, last + 2, rules)
                if end is None or end - span.first >= MAX_NAME_TOKENS:
                    break
                last = end
            if last != span.last:
                key = span.key if span.key and "/" in span.key else None
                span = Span(span.first, last, "org", key, span.rank)
        out.append(span)
    return out


def _capitalised_run(text: str, tokens: list[Token], start: int, rules: _Rules) -> int | None:
    if (
        between(text, tokens[start - 2], tokens[start - 1]).strip()
        or between(text, tokens[start - 1], tokens[start]).strip()
    ):
        return None
    end = None
    k = start
    while k < len(tokens) and not (k > start and between(text, tokens[k - 1], tokens[k]).strip()):
        if tokens[k].capitalised:
            end = k
        elif tokens[k].form not in rules.inner or k == start and tokens[k].form != "the":
            break
        k += 1
    return end


def acronyms(
    text: str, tokens: list[Token], chosen: list[Span], keys: dict[int, str], language: str
) -> list[Span]:
    """Upper-case words that abbreviate an organisation named in the article.

    ``keys``: the key each chosen org span will get, by its first token.
    Returns spans keyed as that organisation (they replace what covered the word).
    """
    rules = _rules(language)
    by_acronym: dict[str, tuple[str, EntityType]] = {}
    for span in chosen:
        if span.type != "org" or span.last == span.first:
            continue
        words = tokens[span.first : span.last + 1]
        initials = "".join(
            t.text[0] for t in words if t.form not in rules.acronym_skip and t.text[:1].isalpha()
        )
        key = keys[span.first]
        if len(initials) >= 2 and initials.isupper():
            by_acronym.setdefault(initials, (key, span.type))
        after = span.last + 1
        bracketed = (
            after < len(tokens)
            and between(text, tokens[span.last], tokens[after]).strip() == "("
            and text[tokens[after].end : tokens[after].end + 1] == ")"
        )
        if bracketed and _acronym_word(tokens[after], rules, language):
            by_acronym.setdefault(_acronym_key(tokens[after]), (key, span.type))
    if not by_acronym:
        return []
    found = []
    for token in tokens:
        if _has_case(token.text):
            hit = by_acronym.get(token.text) if token.latin else None
        else:  # a caseless word may carry a clitic (وواس)
            hit = next((by_acronym[r] for r in token.readings if r in by_acronym), None)
        if hit:
            found.append(Span(token.index, token.index, hit[1], hit[0], rank=-1))
    return found


def _acronym_key(token: Token) -> str:
    return token.text if _has_case(token.text) else token.form


def _has_case(word: str) -> bool:
    return any(c.isupper() or c.islower() for c in word)


def _acronym_word(token: Token, rules: _Rules, language: str) -> bool:
    """A bracketed word that can abbreviate a name: upper case (ACA) or, in a script without
    case, one that is no common word of its language (واس، كونا; not الرياض nor يوم)."""
    if _has_case(token.text):
        return token.text.isupper()
    return (
        len(token.text) > 2
        and not token.text.startswith(rules.acronym_not_prefixes)
        and function_words(language).isdisjoint(token.readings)
    )


def places_not_people(tokens: list[Token], chosen: list[Span], gaz: Gazetteer) -> list[Span]:
    """A tagger's person that is a known city, and no person's surname here, is the city;
    a city's name that is the surname of a person named here is that person (أوستن)."""
    surnames = {
        tokens[s.last].form for s in chosen if s.type == "person" and s.last > s.first and s.rank != 4
    }
    out = []
    for span in chosen:
        words = tokens[span.first : span.last + 1]
        if span.type == "place" and span.first == span.last and tokens[span.first].form in surnames:
            known = gaz.match_at(words, 0)
            if known and known.entry.city:
                span = Span(span.first, span.last, "person", None, 2)
        if span.type == "person" and span.key is None and span.rank == 2:
            forms = tuple(t.form for t in words)
            known = gaz.match_at(words, 0)
            is_place = (known and known.last == len(words) - 1 and known.entry.type == "place") or (
                forms in known_cities()
            )
            if is_place and not (len(words) == 1 and forms[0] in surnames):
                span = Span(span.first, span.last, "place", place_key(words, gaz), span.rank)
        out.append(span)
    return out


def generic_heads_cut(tokens: list[Token], chosen: list[Span], gaz: Gazetteer, language: str) -> list[Span]:
    """A generic noun before a name is no part of it (``names.json`` "generic_heads": تنظيم داعش
    -> داعش, مدينة الإسماعيلية -> الإسماعيلية, بصحيفة الوطن -> الوطن), and alone it names nothing
    (شركة). A name a list gives whole with its head keeps it when the rest alone is no name of the
    same thing (مدينة الكويت is Kuwait City, تنظيم القاعدة is listed whole)."""
    heads = _name_words(language, "generic_heads")
    if not heads:
        return chosen
    out = []
    for span in chosen:
        if span.type != "person" and heads.intersection(tokens[span.first].readings):
            if span.first == span.last:
                continue
            rest = gaz.match_at(tokens, span.first + 1)
            same = rest is not None and rest.last == span.last and rest.entry.type == span.type
            rest_key = rest.entry.key if rest is not None and same else None
            if span.key is None or rest_key == span.key:
                span = Span(span.first + 1, span.last, span.type, rest_key or span.key, span.rank)
        out.append(span)
    return out


def lone_nisbas(text: str, tokens: list[Token], chosen: list[Span], gaz: Gazetteer) -> list[Span]:
    """A nationality adjective alone is no place (الحدود السورية، الثورة السورية): a one-word
    place that is a nisba is dropped when no list gives it as a place's name (البريطاني), or
    when it follows a definite word it agrees with (الصادرات السعودية: the adjective, not the
    country السعودية). An organisation that is a nisba alone is a news agency (ذكرت الفرنسية:
    وكالة الصحافة الفرنسية), unless it agrees with the word or quoted name before it (الدار
    الأميركية، صحيفة "حريت" التركية)."""
    out = []
    for span in chosen:
        token = tokens[span.first]
        if span.type != "person" and span.first == span.last and country_of(token) is not None:
            previous = tokens[span.first - 1] if span.first > 0 else None
            gap = between(text, previous, token) if previous is not None else ""
            agrees = (
                previous is not None
                and gap == " "
                and _definite(previous)
                and token.form.startswith(_articles())
                and country_of(previous) is None
            )
            if span.type == "place":
                known = gaz.match_at(tokens, span.first)
                named = known is not None and known.last == span.first and known.entry.type == "place"
                if not named or agrees:
                    continue
            elif agrees or (_definite(token) and gap in _AFTER_QUOTED_NAME):
                continue
        out.append(span)
    return out


_AFTER_QUOTED_NAME = frozenset({'" ', "» ", "” ", ") "})


def _definite(token: Token) -> bool:
    """A word with the article, bare or after a clitic (الصادرات، بالحدود، للثورة)."""
    articles = _articles()
    return any(r.startswith(a) and len(r) > len(a) + 1 for r in token.readings for a in articles)


@cache
def _articles() -> tuple[str, ...]:
    found = []
    for data in lang.load_all("morphology").values():
        article = data.get("definite_article", "")
        if article:
            found.append("".join(phrase_forms(article)))
    return tuple(found)


def back_references(text: str, tokens: list[Token], chosen: list[Span]) -> list[Span]:
    """A tagger's one-word organisation that is a common noun with the article, written in the
    same article without it right before another word (القاعدة after قاعدة انجرليك، الجامعة after
    جامعة جدة), refers back to that thing by the common noun: no mention of a name. A name written
    bare elsewhere (فيفا beside الفيفا) is no such common noun."""
    articles = _articles()
    if not articles:
        return chosen
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    bare_uses: set[str] = set()
    for token, following in zip(tokens, tokens[1:], strict=False):
        if (
            not _definite(token)
            and not token.latin
            and token.index not in taken
            and text[token.end : following.start] == " "
        ):
            bare_uses.update(token.readings)
    out = []
    for span in chosen:
        token = tokens[span.first]
        if span.type == "org" and span.key is None and span.rank >= 2 and span.first == span.last:
            bare = {token.form[len(a) :] for a in articles if token.form.startswith(a)}
            if bare & bare_uses:
                continue
        out.append(span)
    return out


def _name_words(language: str, key: str) -> frozenset[str]:
    """The matching forms of a word list of ``lang/<xx>/names.json`` (place_nouns, outlet_heads...)."""
    return _word_set(language, "names", key)


@cache
def _title_words(language: str) -> frozenset[str]:
    """One-word titles and honorifics (الشيخ، الأمير): a place may be named after one."""
    titles = (lang.load(language, "titles") or {}).get("titles", [])
    gender = lang.load(language, "gender") or {}
    words = [*titles, *gender.get("male", []), *gender.get("female", [])]
    return frozenset(forms[0] for w in words if len(forms := phrase_forms(w)) == 1)


def places_after_place_nouns(
    tokens: list[Token], chosen: list[Span], gaz: Gazetteer, language: str
) -> list[Span]:
    """A person's name right after a word for a town or district is that place's name (``names.json``
    "place_nouns": ناحية خان بني سعد، بمنطقة الشيخ زويد), a title it holds included."""
    nouns = _name_words(language, "place_nouns")
    if not nouns:
        return chosen
    titles = _title_words(language)
    article = (lang.load(language, "morphology") or {}).get("definite_article", "")
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    out = []
    for span in chosen:
        if span.type == "person" and span.key is None:
            first = span.first
            if first > 0 and first - 1 not in taken and tokens[first - 1].form in titles:
                first -= 1
            if first > 0 and first - 1 not in taken and _names_a_place(tokens[first - 1], nouns, article):
                words = tokens[first : span.last + 1]
                span = Span(first, span.last, "place", place_key(words, gaz), span.rank)
        out.append(span)
    return out


# A word rarer than this (wordfreq's Zipf scale: 3 is once in a million words) after a word
# for a town or district is read as the town's name (بلدة بلودان), not a word of the language
# (منطقة النزاع، بلدة صغيرة). 2.5 to 3.4 scored the same on the dev blocks.
RARE_ZIPF = 3.0


def unknown_places_after_place_nouns(
    text: str, tokens: list[Token], chosen: list[Span], language: str
) -> list[Span]:
    """Rare words no source named, right after a word for a town or district in the construct
    state (``names.json`` "place_nouns"): that place's name (لبلدة بلودان، بمحافظة ضباء)."""
    nouns = _name_words(language, "place_nouns")
    if not nouns:
        return chosen
    article = (lang.load(language, "morphology") or {}).get("definite_article", "")
    stop = function_words(language)
    endings = tuple(_word_set(language, "names", "place_noun_adjective_endings"))
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    found = []
    i = 0
    while i < len(tokens) - 1:
        j = i + 1
        if i in taken or not _names_a_place(tokens[i], nouns, article):
            i += 1
            continue
        last = None
        while (
            j < len(tokens)
            and j not in taken
            and j - i <= MAX_NAME_TOKENS
            and not between(text, tokens[j - 1], tokens[j]).strip()
            and not tokens[j].latin
            and not tokens[j].text[:1].isdigit()
            and tokens[j].form not in stop
            and not (not tokens[j].form.startswith(article) and tokens[j].form.endswith(endings))
            and word_zipf(tokens[j].text, language) < RARE_ZIPF
        ):
            last = j
            j += 1
        if last is not None:
            words = tokens[i + 1 : last + 1]
            found.append(
                Span(i + 1, last, "place", "place:" + key_form(" ".join(t.form for t in words)), rank=3)
            )
        i = j
    return sorted(chosen + found, key=lambda s: s.first) if found else chosen


def _names_a_place(token: Token, nouns: frozenset[str], article: str) -> bool:
    """The word for a place in the construct state (بمنطقة حائل); with the article (مدير جوازات
    المنطقة العميد مشبب) it is "the region" and the name after it is no part of it."""
    found = nouns.intersection(token.readings)
    return bool(found) and not (article and any(article + noun in token.readings for noun in found))


@cache
def _conjunctions(language: str) -> tuple[str, ...]:
    data = lang.load(language, "names") or {}
    return tuple(f for w in data.get("conjunction_clitics", []) for f in phrase_forms(w))


@cache
def _given_forms(language: str) -> frozenset[str]:
    return frozenset(f for name in _rules(language).given_names for f in phrase_forms(name))


def conjunction_cut(tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A word with a conjunction clitic that opens a tagger's person is the sentence's verb, not
    a given name (ورسم كاميرون، وجعل شي), when the rest begins or ends a longer name the article
    gives elsewhere (ديفيد كاميرون، شي جين بينغ) and the word is no given name (وليد، وائل)."""
    conjunctions = _conjunctions(language)
    if not conjunctions:
        return chosen
    given = _given_forms(language)
    people = [s for s in chosen if s.type == "person"]
    out = []
    for span in chosen:
        token = tokens[span.first]
        if (
            span.type == "person"
            and span.key is None
            and span.last > span.first
            and any(token.form.startswith(c) and token.form[len(c) :] in token.readings for c in conjunctions)
            and given.isdisjoint(token.readings)
        ):
            rest = [t.form for t in tokens[span.first + 1 : span.last + 1]]
            for other in people:
                words = [t.form for t in tokens[other.first : other.last + 1]]
                if (
                    other is not span
                    and len(words) > len(rest)
                    and rest in (words[: len(rest)], words[-len(rest) :])
                ):
                    span = Span(span.first + 1, span.last, span.type, None, span.rank)
                    break
        out.append(span)
    return out


_OPENING_QUOTES = frozenset('"«“')
_CLOSING_QUOTES = frozenset('"»”')


def outlets_after_heads(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """The name after a word for a newspaper or a channel (``names.json`` "outlet_heads") is that
    outlet's: بصحيفة الوطن، صحيفة "الاقتصادية"، جريدة الرياض (the paper, not the city). A name in
    quote marks runs to the closing mark; a bare one is one word with the article."""
    heads = _name_words(language, "outlet_heads")
    if not heads:
        return chosen
    stop = function_words(language)
    starts = {s.first: s for s in chosen}
    taken = {i for s in chosen for i in range(s.first, s.last + 1)}
    out = list(chosen)
    for i, token in enumerate(tokens[:-1]):
        if i in taken or heads.isdisjoint(token.readings) or _definite(token):
            continue  # القناة التي: a head with the article names no outlet after it
        j = i + 1
        if tokens[j].form in stop:
            continue
        gap = between(text, token, tokens[j])
        quoted = gap.strip() in _OPENING_QUOTES and gap.strip() != ""
        if gap != " " and not quoted:
            continue
        span = starts.get(j)
        if span is not None:
            if span.type == "place":
                out[out.index(span)] = Span(span.first, span.last, "org", None, span.rank)
            continue
        if j in taken:
            continue
        last = j
        if quoted:
            while last + 1 < len(tokens) and last - j < 3 and last + 1 not in taken:
                if set(between(text, tokens[last], tokens[last + 1]).strip()) & _CLOSING_QUOTES:
                    break
                if between(text, tokens[last], tokens[last + 1]) != " ":
                    break
                last += 1
            if (
                not set(
                    between(text, tokens[last], tokens[last + 1]).strip()[:1]
                    if last + 1 < len(tokens)
                    else text[tokens[last].end :].strip()[:1]
                )
                & _CLOSING_QUOTES
            ):
                continue
        elif not _definite(tokens[j]):
            continue
        words = [min(tokens[j].readings, key=len)] + [t.form for t in tokens[j + 1 : last + 1]]
        out.append(Span(j, last, "org", "org:" + key_form(" ".join(words)), 1))
        taken.update(range(j, last + 1))
    return sorted(out, key=lambda s: s.first)


def _with_preposition(token: Token) -> bool:
    """A definite word with ب (بالتنسيق، بالموافقة) is an adverbial phrase, not part of a name."""
    return token.form.startswith("بال") or token.form.startswith("وبال")


@cache
def _body_heads(language: str) -> tuple[PhraseSet, PhraseSet]:
    data = lang.load(language, "names") or {}
    return PhraseSet(data.get("body_heads", [])), PhraseSet(data.get("body_heads_definite", []))


def public_bodies(text: str, tokens: list[Token], language: str) -> list[Span]:
    """A ministry, authority or council named by its head and the definite words after it
    (``names.json`` "body_heads": وزارة الدفاع، منظمة الأغذية والزراعة، مجلس الاحتياطي الاتحادي;
    "body_heads_definite", heads that carry the article themselves: الرئاسة العامة لرعاية
    الشباب). The name runs over words with the article, a genitive with ل before one (لرعاية
    الشباب) and one joined by و, up to a word without them, a function word or punctuation."""
    heads, definite_heads = _body_heads(language)
    starters = heads.first_words() | definite_heads.first_words()
    if not starters:
        return []
    stop = function_words(language) | _name_words(language, "body_stop_words") | _title_words(language)
    gaz = gazetteer()
    spans = []
    i = 0
    while i < len(tokens):
        if starters.isdisjoint(tokens[i].readings):
            i += 1
            continue
        known = gaz.match_at(tokens, i)
        if known is not None and known.entry.type == "org":
            i = known.last + 1  # مجلس الأمن, جامعة الدول العربية: a list knows where it ends
            continue
        end = heads.match_at(tokens, i)
        if end is None or _definite(tokens[i]):
            end = definite_heads.match_at(tokens, i)
        if end is None:
            i += 1
            continue
        last = end
        k = end + 1
        while (
            k < len(tokens) and k - i < MAX_NAME_TOKENS - 1 and between(text, tokens[k - 1], tokens[k]) == " "
        ):
            token = tokens[k]
            if token.form in stop or token.latin or stop.intersection(token.readings):
                break
            if _definite(token) and not _with_preposition(token):
                last = k
            elif (
                k + 1 < len(tokens)
                and token.form[:1] == "ل"
                and _definite(tokens[k + 1])
                and between(text, token, tokens[k + 1]) == " "
            ):
                pass  # لرعاية الشباب: the genitive runs on
            else:
                break
            k += 1
        if last > end:
            spans.append(Span(i, last, "org", rank=3))
            i = last + 1
        else:
            i += 1
    return spans


def clubs_by_nisba(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A city with a masculine nationality adjective after it is a club, not the city, which
    Arabic makes feminine (أمام روما الإيطالي: the club; روما الإيطالية: the city), unless a
    facility's word before it takes the adjective (مطار عمان الأردني: ``names.json``
    "facility_heads"). Only a language whose nisbas have a masculine form apart (``nisbas.json``
    "masculine_endings")."""
    endings = tuple(
        f for w in (lang.load(language, "nisbas") or {}).get("masculine_endings", []) for f in phrase_forms(w)
    )
    if not endings:
        return chosen
    facilities = frozenset(
        f for w in (lang.load(language, "names") or {}).get("facility_heads", []) for f in phrase_forms(w)
    )
    out = []
    for span in chosen:
        after = span.last + 1
        if (
            span.type == "place"
            and not (span.first > 0 and facilities.intersection(tokens[span.first - 1].readings))
            and span.key is not None
            and not _country(span.key)
            and after < len(tokens)
            and between(text, tokens[span.last], tokens[after]) == " "
            and _definite(tokens[after])
            and country_of(tokens[after]) is not None
            and tokens[after].form.endswith(endings)
        ):
            span = Span(span.first, span.last, "org", None, span.rank)
        out.append(span)
    return out


def _country(key: str) -> bool:
    return _country_code(key) or key.removeprefix("place:").isdigit()


def latin_works_dropped(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A Latin title right after a word for a work or a product (``names.json`` "work_heads":
    تطبيق Super Erase، كتابه الشهير The Innovator's Dilemma, a transliteration in quote marks
    between them allowed) names a work, no organisation; so do the same words anywhere in the
    article, and a Latin run that goes on the title (…'s Dilemma)."""
    heads = _name_words(language, "work_heads")
    if not heads:
        return chosen
    works: set[tuple[str, ...]] = set()
    dropped_end = -10
    for span in chosen:
        words = tokens[span.first : span.last + 1]
        if span.key is not None or not all(t.latin for t in words):
            continue
        before = tokens[max(0, span.first - 3) : span.first]
        after_head = any(heads.intersection(t.readings) for t in before if not t.latin)
        clause = not any(
            set(between(text, a, b)) & set(".:؛;،,") for a, b in zip(before, before[1:], strict=False)
        )
        if (after_head and clause) or span.first - dropped_end <= 2:
            works.add(tuple(t.form for t in words))
            dropped_end = span.last
    if not works:
        return chosen
    return [s for s in chosen if tuple(t.form for t in tokens[s.first : s.last + 1]) not in works]


def quoted_places_as_outlets(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A city or region written alone in quote marks is a newspaper named after it (تصريح خاص
    لـ"الرياض"، تلقت «الشرق الأوسط» نسخة منه): news quotes a paper's name, not a place's, unless
    a word for a place stands before it (منطقة "جبل العليقة")."""
    nouns = _name_words(language, "place_nouns") | _name_words(language, "generic_heads")
    out = []
    for span in chosen:
        if span.type == "place" and span.key is not None and not _country_code(span.key):
            opening = text[: tokens[span.first].start].rstrip()[-1:]
            closing = text[tokens[span.last].end :].lstrip()[:1]
            before = tokens[span.first - 1] if span.first > 0 else None
            if (
                opening in _OPENING_QUOTES
                and closing in _CLOSING_QUOTES
                and not (before is not None and nouns.intersection(before.readings))
            ):
                span = Span(span.first, span.last, "org", None, span.rank)
        out.append(span)
    return out


def agency_credits(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A news agency credited by its country's adjective alone in brackets or quote marks
    (``names.json`` "agency_adjectives": ... عدوانها (الفرنسية)، بحسب "الألمانية"): the agency."""
    agencies = _agency_adjectives(language)
    if not agencies:
        return chosen
    found = []
    for token in tokens:
        key = agencies.get(token.form)
        if key is None:
            continue
        opening = text[: token.start].rstrip()[-1:]
        closing = text[token.end :].lstrip()[:1]
        if (opening == "(" and closing == ")") or (opening in _OPENING_QUOTES and closing in _CLOSING_QUOTES):
            found.append(Span(token.index, token.index, "org", key))
    if not found:
        return chosen
    credited = {s.first for s in found}
    kept = [s for s in chosen if not (s.first == s.last and s.first in credited)]
    return sorted(kept + found, key=lambda s: s.first)


@cache
def _agency_adjectives(language: str) -> dict[str, str]:
    data = (lang.load(language, "names") or {}).get("agency_adjectives", {})
    return {f: key for word, key in data.items() for f in phrase_forms(word)[:1]}


def _country_code(key: str) -> bool:
    code = key.removeprefix("place:")
    return len(code) == 2 and code.isupper()


@cache
def _word_set(language: str, file: str, key: str) -> frozenset[str]:
    """The matching forms of one word list of ``lang/<xx>/<file>.json``."""
    return frozenset(f for w in (lang.load(language, file) or {}).get(key, []) for f in phrase_forms(w))


def company_tails(text: str, tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A name followed by a word only companies end with is a company's, that word included
    (``names.json`` "org_tail_words": ستيت ستريت كوربورشن، سيتي جروب، مجموعة ناس القابضة),
    whatever type a tagger gave its first words."""
    tails = _name_words(language, "org_tail_words")
    if not tails:
        return chosen
    starts = {s.first for s in chosen}
    out = []
    for span in chosen:
        last = span.last
        while (
            last + 1 < len(tokens)
            and last + 1 - span.first < MAX_NAME_TOKENS
            and between(text, tokens[last], tokens[last + 1]) == " "
            and (last + 1 == span.last + 1 or last + 1 not in starts)
            and tails.intersection(tokens[last + 1].readings)
        ):
            last += 1
        if span.key is None and (last != span.last or tails.intersection(tokens[last].readings)):
            if span.first == last:
                continue  # the word alone (كوربورشن) names no company
            span = Span(span.first, last, "org", None, span.rank)
        out.append(span)
    return _drop_covered(out)


def _drop_covered(spans: list[Span]) -> list[Span]:
    """Spans inside a longer one of the list are dropped (a tail word a tagger typed alone)."""
    return [
        s
        for s in spans
        if not any(o is not s and o.first <= s.first and s.last <= o.last and o != s for o in spans)
    ]


def named_after_titled(tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A title and a name after a facility's or an institution's word name that place, not a
    person mentioned there (مستشفى الملك فيصل، مطار الملك خالد الدولي، جامعة الملك سعود):
    with an organisation's head (``ner_heads.json`` "org") it is the organisation, with a
    facility's (``names.json`` "facility_heads") it is no entity."""
    honorifics = _name_words(language, "honorifics")
    facilities = _name_words(language, "facility_heads")
    orgs = _word_set(language, "ner_heads", "org")
    if not honorifics or not (facilities or orgs):
        return chosen
    out = []
    for span in chosen:
        head, title = span.first - 2, span.first - 1
        if (
            span.type == "person"
            and head >= 0
            and tokens[title].form in honorifics
            and not _definite(tokens[head])  # the construct state: مستشفى الملك, not الجيش العقيد
            and (facilities | orgs).intersection(tokens[head].readings)
        ):
            if orgs.intersection(tokens[head].readings):
                out.append(Span(head, span.last, "org", None, span.rank))
            continue
        out.append(span)
    return out


@cache
def _not_people(language: str) -> frozenset[tuple[str, ...]]:
    return frozenset(phrase_forms(p) for p in (lang.load(language, "names") or {}).get("not_people", []))


def idioms_not_people(tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A set phrase whose first word is also a given name is no person (``names.json``
    "not_people": حسن الجوار 'good neighbourliness', ولله الحمد), with a clitic or without."""
    idioms = _not_people(language)
    if not idioms:
        return chosen
    out = []
    for span in chosen:
        if span.type == "person" and span.key is None:
            words = tokens[span.first : span.last + 1]
            bare = tuple(t.form for t in words[1:])
            if any((r, *bare) in idioms for r in words[0].readings):
                continue
        out.append(span)
    return out


def definite_word_before_given_name(tokens: list[Token], chosen: list[Span], language: str) -> list[Span]:
    """A person's name does not open with a word with the article that a known given name
    follows: that word is the title's adjective (الزعيم الشيشاني أحمد قاديروف، العميد البحري
    عبدالله بن حمد الغرير); the name starts at the given name. A first word that is a given name
    itself (الحسين بن علي) stays."""
    given = _single_given_forms(language)
    if not given:
        return chosen
    out = []
    for span in chosen:
        first = tokens[span.first]
        if (
            span.type == "person"
            and span.key is None
            and span.last - span.first >= 2
            and _definite(first)
            and not any(r.removeprefix(a) in given for r in first.readings for a in _articles())
            and tokens[span.first + 1].form in given
        ):
            span = Span(span.first + 1, span.last, "person", None, span.rank)
        out.append(span)
    return out


@cache
def _single_given_forms(language: str) -> frozenset[str]:
    """Given names of one word (not the بن of عبد الله بن ...)."""
    return frozenset(f[0] for name in _rules(language).given_names if len(f := phrase_forms(name)) == 1)
