"""People introduced by a title or role: ``الرئيس الروسي فلاديمير بوتين``.

Arabic has no capital letters, so a title is the strongest sign that a name
follows. Between the title and the name may stand modifiers (السابق), nisbas
(الروسي), a connector and an institution or place (باسم وزارة الدفاع الأمريكية
"البنتاجون"، / في موسكو،) and commas; the name is then the next run of words that
are no function words and carry no article, up to a sentence mark.

``المتحدث باسم وزارة الدفاع الأمريكية "البنتاجون"، بات رايدر`` -> بات رايدر.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.gazetteer import Gazetteer
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.tokens import Token, between, phrase_forms

_SENTENCE_MARKS = frozenset(".!?؟:;؛\n")


@dataclass(frozen=True, slots=True)
class TitledName:
    first: int
    last: int
    countries: tuple[tuple[int, str], ...]  # (token index, ISO code) of nisbas after the title


@dataclass(frozen=True, slots=True)
class _Rules:
    titles: PhraseSet
    modifiers: PhraseSet
    connectors: frozenset[str]
    function_words: frozenset[str]
    no_start: tuple[str, ...]
    breaking_prefixes: tuple[str, ...]
    capitalised: bool
    given_names: frozenset[str]
    given_spellings: frozenset[str]
    particles: frozenset[str]
    max_gap: int
    max_name: int


@cache
def _rules(language: str) -> _Rules | None:
    data = lang.load(language, "titles")
    if data is None:
        return None
    words = lang.load(language, "function_words") or {"words": []}
    given = lang.load(language, "given_names") or {"names": []}
    return _Rules(
        titles=PhraseSet(data["titles"]),
        modifiers=PhraseSet(data["modifiers"]),
        connectors=frozenset(f for c in data["connectors"] for f in phrase_forms(c)),
        function_words=frozenset(f for w in words["words"] for f in phrase_forms(w)),
        no_start=tuple(f for p in data["name_cannot_start_with"] for f in phrase_forms(p)),
        breaking_prefixes=tuple(f for p in data["name_breaking_prefixes"] for f in phrase_forms(p)),
        capitalised=bool(data.get("name_must_be_capitalised")),
        given_names=frozenset(phrase_forms(n)[0] for n in given["names"] if phrase_forms(n)),
        given_spellings=frozenset(given["names"]),
        particles=frozenset(f for p in data.get("name_particles", []) for f in phrase_forms(p)),
        max_gap=data["max_gap_tokens"],
        max_name=data["max_name_tokens"],
    )


def function_words(language: str) -> frozenset[str]:
    rules = _rules(language)
    return rules.function_words if rules else frozenset()


def given_after_particle(tokens: list[Token], k: int, language: str) -> bool:
    """A given name after a name particle is part of the name, even one spelled like a
    function word (بن علي, where علي reads as the preposition على)."""
    rules = _rules(language)
    return bool(
        rules and k > 0 and tokens[k].text in rules.given_spellings and tokens[k - 1].form in rules.particles
    )


def titled_names(
    text: str,
    tokens: list[Token],
    language: str,
    gaz: Gazetteer,
    person_hint: frozenset[int],
    *,
    strict: bool = False,
) -> list[TitledName]:
    """Names after titles. ``person_hint``: token indices the tagger calls a person.

    ``strict`` (a tagger runs): every name needs evidence, a known given name
    or the tagger's word, since a title is also followed by verbs (وزير
    الخارجية الصيني أوضح). Without a tagger only names set off by a comma do.
    """
    rules = _rules(language)
    if rules is None:
        return []
    found: list[TitledName] = []
    i = 0
    while i < len(tokens):
        title_end = rules.titles.match_at(tokens, i)
        if title_end is None:
            i += 1
            continue
        j, countries = _skip_to_name(text, tokens, title_end + 1, rules, gaz)
        name = _name_at(text, tokens, j, rules, gaz, language) if j is not None else None
        if name:
            name = _trim(tokens, name, rules, person_hint)
        if name and (strict or _needs_evidence(text, tokens, title_end, name[0], rules)):
            first = tokens[name[0]]
            if first.form not in rules.given_names and name[0] not in person_hint:
                name = None
        if name:
            found.append(TitledName(name[0], name[1], tuple(countries)))
            i = name[1] + 1
        else:
            i = title_end + 1
    return found


def _skip_to_name(
    text: str, tokens: list[Token], j: int, rules: _Rules, gaz: Gazetteer
) -> tuple[int | None, list[tuple[int, str]]]:
    countries: list[tuple[int, str]] = []
    start = j
    while j < len(tokens) and j - start <= rules.max_gap:
        if _sentence_break(text, tokens, j):
            return None, countries
        modifier_end = rules.modifiers.match_at(tokens, j)
        code = country_of(tokens[j])
        if code:
            countries.append((j, code))
        known = gaz.match_at(tokens, j)
        if known:
            j = known.last + 1
        elif tokens[j].form in rules.connectors and j + 1 < len(tokens) and gaz.match_at(tokens, j + 1):
            j = gaz.match_at(tokens, j + 1).last + 1  # type: ignore[union-attr]
        elif modifier_end is not None:
            j = modifier_end + 1
        elif code:
            j += 1
        elif rules.no_start and tokens[j].form.startswith(rules.no_start + rules.breaking_prefixes):
            j += 1  # the rest of an office's name: وزير الطاقة والثروة المعدنية
        else:
            return j, countries
    return None, countries


def _needs_evidence(text: str, tokens: list[Token], title_end: int, first: int, rules: _Rules) -> bool:
    """A name set off by a comma may be a verb or a noun (ونظيره الأمريكي، بحثا الوضع)."""
    if rules.capitalised:
        return False
    return any(between(text, tokens[k - 1], tokens[k]).strip() for k in range(title_end + 1, first + 1))


def _sentence_break(text: str, tokens: list[Token], j: int) -> bool:
    return j > 0 and any(c in _SENTENCE_MARKS for c in between(text, tokens[j - 1], tokens[j]))


def _trim(
    tokens: list[Token], name: tuple[int, int], rules: _Rules, person_hint: frozenset[int]
) -> tuple[int, int]:
    """Names run two words unless the tagger or a chain of given names says longer.

    ``محمود عباس سيقرر``: the verb is not part of the name; ``علي محمد الأمين زين``
    (given name, father's name, ...) is.
    """
    first, last = name
    given_chain = last - first >= 1 and all(tokens[k].form in rules.given_names for k in (first, first + 1))
    if rules.capitalised or first == last:
        return name
    if first in person_hint and not given_chain:
        # the tagger says where the name ends, two words or more (الرئيس لحود التدخل)
        end = first
        while end + 1 <= last and end + 1 in person_hint:
            end += 1
        return first, end
    if last - first < 2:
        return name
    if given_chain:
        # it runs on (علي محمد الأمين زين) up to a word with a clitic that is no
        # given name and not the tagger's: محمود عباس لبحث سبل
        end = first + 1
        while end < last and (
            end + 1 in person_hint
            or tokens[end + 1].form in rules.given_names
            or len(tokens[end + 1].readings) == 1
            or tokens[end + 1].form.startswith(rules.no_start)
        ):
            end += 1
        return first, end
    end = first + 1
    while end < last and tokens[end].form in rules.particles:
        end += 1  # خالد بن حمد، عبد الله غول
    return first, min(end + (tokens[end].form in rules.particles), last)


def _name_at(
    text: str, tokens: list[Token], j: int, rules: _Rules, gaz: Gazetteer, language: str
) -> tuple[int, int] | None:
    last = None
    k = j
    while k < len(tokens) and k - j < rules.max_name:
        token = tokens[k]
        if k > j and between(text, tokens[k - 1], token).strip():
            break
        if len(token.form) < 2:
            break  # a clitic standing alone (و، ل)
        if (k == j and token.text in rules.given_spellings) or (
            k > j and given_after_particle(tokens, k, language)
        ):
            pass  # علي is a name though it reads as على (first, or after بن: زين العابدين بن علي)
        elif (
            token.form in rules.function_words
            or token.text[:1].isdigit()
            or token.form.startswith(rules.breaking_prefixes)
            or (k == j and rules.no_start and token.form.startswith(rules.no_start))
            or (rules.capitalised and not token.capitalised and token.form not in rules.particles)
            or rules.titles.match_at(tokens, k) is not None
            or _known_name_breaks(gaz, tokens, k, j)
            or country_of(token)
        ):
            break
        last = k
        k += 1
    return (j, last) if last is not None else None


def _known_name_breaks(gaz: Gazetteer, tokens: list[Token], k: int, j: int) -> bool:
    """A known name ends a person's name, except a city's after the first word (لويد أوستن)."""
    match = gaz.match_at(tokens, k)
    return match is not None and not (k > j and match.entry.city and match.last == k)
