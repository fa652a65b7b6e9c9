"""Quantities: a number, its unit and what it counts.

``$180 million disbursement`` -> 180,000,000, unit ``USD``, counts
``disbursement``; ``10.75%`` -> 10.75 ``percent``; ``50 basis points`` -> 50
``basis point``; ``5 صواريخ`` -> 5 ``صواريخ`` (no unit of measure: the counted
noun is the unit, as before); ``قاعدتان`` -> 2 ``قاعده``.

Numbers are digits (Arabic-Indic folded by the matching form, ``1,000`` and
``1.5`` read, ``1.5bn``), number words (``twenty-five``), and a scale word
after either (``5 ملايين``, ``180 million``). Units are data
(``lang/<xx>/numbers.json``): currency symbols and codes before the number
(``$``, ``US$``, ``€``, ``USD``), currency names, codes, per cent and points
after it. Ranges (``10-15%``, ``between 10 and 15``, ``من 10 إلى 15``) carry
their top in ``upper``; ``about``, ``nearly``, ``نحو`` make a quantity
approximate. A dual noun counts two: its singular must be a listed unit or
appear elsewhere in the article, so names that merely end like a dual (بوتين)
are not read as two of something. Tokens already used by a date are skipped.

One module, read whole: numbers, scales, units and counted nouns are read in one pass
over the tokens, each rule depending on what the one before consumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from streams import lang
from streams.pipeline.enrich.country import local_currency
from streams.pipeline.enrich.nisba import country_of
from streams.pipeline.enrich.phrases import PhraseSet
from streams.pipeline.enrich.tokens import Token, between, phrase_forms
from streams.records import Quantity

_GLUED = re.compile(r"^(\d+(?:[.,]\d+)*)([a-z]+)$")


@dataclass(frozen=True, slots=True)
class _Numbers:
    words: dict[str, float]
    scales: dict[str, float]
    dual_suffixes: tuple[tuple[str, str], ...]
    dual_units: frozenset[str]
    not_unit_prefixes: tuple[str, ...]
    units_after: PhraseSet
    unit_of: dict[tuple[str, ...], str]
    symbols_after: dict[str, str]
    units_before: dict[str, str]
    scale_suffixes: dict[str, float]
    approximate: PhraseSet
    range_joiners: frozenset[str]
    range_openers: frozenset[str]
    noun_after_unit: bool  # $180 million disbursement; Arabic puts the noun before (قرض بقيمة ...)
    not_units: frozenset[str]
    not_quantities: frozenset[str]
    head_last: bool
    max_noun_words: int
    lowercase_noun: bool
    plural_suffixes: tuple[str, ...]
    count_nouns: frozenset[str]
    glued_units: dict[str, str]  # 50km
    not_counted: frozenset[str]  # 19100 block: an address
    age_words: frozenset[str]  # 30 years old: an age
    noun_modifiers: frozenset[str]  # three other women
    hyphen_units: frozenset[str]  # a 22-second video, a three-year contract (not a 4-door car)
    digit_clitics: tuple[str, ...]  # و4%: a conjunction written onto the digits
    vague: frozenset[str]  # عشرات، ملايين alone: no number
    article: str  # الستة: a number word with the article follows its noun (الشهور الستة)
    irregular_plurals: frozenset[str]  # three people
    shared_currencies: dict[str, tuple[str, ...]]  # dinar, $: a name several currencies share
    measures: frozenset[str]  # pounds: a shared currency name that is a measure where none is used
    partitive: PhraseSet  # three of the players
    fraction_of: frozenset[str]  # half a dozen: the word between a fraction and what it divides
    max_names: int  # capitalised words between a count and its noun: 14 MLS teams


def _form(word: str) -> str:
    return " ".join(phrase_forms(word))


@cache
def _numbers(language: str) -> _Numbers | None:
    data = lang.load(language, "numbers")
    morphology = lang.load(language, "morphology") or {"dual_suffixes": []}
    if data is None:
        return None
    after = data.get("units_after", {})
    return _Numbers(
        words={_form(k): v for k, v in data["words"].items()},
        scales={_form(k): v for k, v in data["scales"].items()},
        dual_suffixes=tuple((_form(s), _form(r) if r else "") for s, r in morphology["dual_suffixes"]),
        dual_units=frozenset(_form(u) for u in data["dual_units"]),
        not_unit_prefixes=tuple(_form(p) for p in data.get("not_unit_prefixes", [])),
        units_after=PhraseSet([k for k in after if phrase_forms(k)], first_word_clitics=True),
        unit_of={phrase_forms(k): v for k, v in after.items() if phrase_forms(k)},
        symbols_after={k: v for k, v in after.items() if not phrase_forms(k)},
        units_before=data.get("units_before", {}),
        scale_suffixes=data.get("scale_suffixes", {}),
        approximate=PhraseSet(data.get("approximate", [])),
        range_joiners=frozenset(j for w in data.get("range_joiners", []) for j in (w, _form(w)) if j),
        range_openers=frozenset(_form(w) for w in data.get("range_openers", [])),
        noun_after_unit=bool(data.get("noun_after_unit")),
        not_units=frozenset(_form(w) for w in data.get("not_units", [])),
        not_quantities=frozenset(_form(w) for w in data.get("not_quantities", [])),
        head_last=data.get("noun_phrase", {}).get("head_last", False),
        max_noun_words=data.get("noun_phrase", {}).get("max_words", 1),
        lowercase_noun=data.get("noun_phrase", {}).get("counted_noun_lowercase", False),
        plural_suffixes=tuple(data.get("noun_phrase", {}).get("plural_suffixes", [])),
        count_nouns=frozenset(_form(w) for w in data.get("count_nouns", [])),
        glued_units=data.get("glued_units", {}),
        not_counted=frozenset(_form(w) for w in data.get("not_counted", [])),
        age_words=frozenset(_form(w) for w in data.get("age_words", [])),
        noun_modifiers=frozenset(_form(w) for w in data.get("noun_phrase", {}).get("modifiers", [])),
        hyphen_units=frozenset(_form(w) for w in data.get("hyphen_units", [])),
        digit_clitics=tuple(_form(w) for w in data.get("digit_clitics", [])),
        vague=frozenset(_form(w) for w in data.get("vague_numbers", [])),
        article=_form(morphology.get("definite_article", "")) if morphology.get("definite_article") else "",
        irregular_plurals=frozenset(
            _form(w) for w in data.get("noun_phrase", {}).get("irregular_plurals", [])
        ),
        fraction_of=frozenset(_form(w) for w in data.get("fraction_of", [])),
        partitive=PhraseSet(data.get("noun_phrase", {}).get("partitive", [])),
        max_names=data.get("noun_phrase", {}).get("max_names", 0),
        measures=frozenset(
            key
            for name in data.get("shared_currency_names", {}).get("names", [])
            for w in name.get("also_measure", [])
            for key in (w, _form(w))
            if key
        ),
        shared_currencies={
            key: tuple(name["codes"])
            for name in data.get("shared_currency_names", {}).get("names", [])
            for w in name["words"]
            for key in (w, _form(w))
            if key
        },
    )


def _value(token: Token, numbers: _Numbers) -> float | None:
    readings = token.readings
    clitic = next((c for c in numbers.digit_clitics if token.form.startswith(c)), None)
    if clitic and token.form[len(clitic) : len(clitic) + 1].isdigit():
        readings = (token.form[len(clitic) :],)
    for reading in readings:
        form = reading.replace("٫", ".").replace("٬", "")
        digits = form.replace(",", "")
        if digits[:1].isdigit():
            try:
                return float(digits)
            except ValueError:
                glued = _GLUED.match(form)
                if glued and glued.group(2) in numbers.scale_suffixes:
                    return float(glued.group(1).replace(",", "")) * numbers.scale_suffixes[glued.group(2)]
                if glued and glued.group(2) in numbers.glued_units:
                    return float(glued.group(1).replace(",", ""))
    for reading in token.readings:
        if reading in numbers.words:
            return numbers.words[reading]
    return None


def _is_unit(token: Token, stop: frozenset[str]) -> bool:
    """A word that can be a counted noun: no digit, no function word even after a clitic (وذلك)."""
    return not token.text[:1].isdigit() and not any(r in stop for r in token.readings)


@dataclass(slots=True)
class _Number:
    first: int
    last: int
    value: float
    upper: float | None = None


def find_quantities(
    text: str,
    tokens: list[Token],
    language: str | None,
    used: set[int],
    stop: frozenset[str],
    country: str | None = None,
) -> list[Quantity]:
    """``country``: the story's (ISO 3166 alpha-2), when known: a currency name several
    currencies share (dinar, ``$``) is that country's currency when it uses one of them."""
    numbers = _numbers(language or "") or _numbers("ar")
    assert numbers is not None
    forms = {r for t in tokens for r in t.readings}
    found: list[Quantity] = []
    i = 0
    while i < len(tokens):
        if i in used:
            i += 1
            continue
        number = _number_at(text, tokens, i, numbers, used)
        if number is None:
            dual = _dual(tokens[i], numbers, forms)
            if dual:
                found.append(Quantity(text=tokens[i].text, value=2, unit=dual))
            i += 1
            continue
        if _definite_word(tokens[i], numbers):
            noun = _noun_before(text, tokens, i, numbers, used, stop)
            if noun is not None:  # الشهور الستة: the noun comes first
                found.append(
                    Quantity(
                        text=text[tokens[noun].start : tokens[number.last].end],
                        value=number.value,
                        unit=tokens[noun].text,
                    )
                )
            i = number.last + 1
            continue
        quantity, i = _quantity(text, tokens, number, numbers, used, stop, country)
        if quantity:
            found.append(quantity)
    return found


def _definite_word(token: Token, numbers: _Numbers) -> bool:
    """A number word with the article (الستة، والسبع): an adjective after its noun, or a name."""
    return (
        bool(numbers.article)
        and token.form not in numbers.words
        and any(
            r in numbers.words and token.form.endswith(r) and token.form[: -len(r)].endswith(numbers.article)
            for r in token.readings
        )
    )


def _noun_before(
    text: str, tokens: list[Token], i: int, numbers: _Numbers, used: set[int], stop: frozenset[str]
) -> int | None:
    """The definite noun right before a definite number word (الطائرات الثلاث), not one joined
    by a conjunction (والسبع حجرات is a game's name)."""
    if i == 0 or i - 1 in used or not tokens[i].form.startswith(numbers.article):
        return None
    noun = tokens[i - 1]
    if between(text, noun, tokens[i]).strip() or not noun.form.startswith(numbers.article):
        return None
    if not _is_unit(noun, stop) or _value(noun, numbers) is not None:
        return None
    return i - 1


def _number_at(text: str, tokens: list[Token], i: int, numbers: _Numbers, used: set[int]) -> _Number | None:
    value = _value(tokens[i], numbers)
    if value is None or _not_a_quantity(text, tokens, i, numbers):
        return None
    if any(r in numbers.vague for r in tokens[i].readings):
        return None  # عشرات القذائف: tens of shells, no number
    number = _Number(i, i, value)
    _compound(text, tokens, number, numbers)
    _fraction(text, tokens, number)
    _scale(text, tokens, number, numbers)
    joiner = number.last + 1
    # a range: 10-15, 10 to 15, between 10 and 15, من 10 إلى 15
    raw_gap = between(text, tokens[number.last], tokens[joiner]) if joiner < len(tokens) else ""
    gap = raw_gap.strip()
    if (
        joiner < len(tokens)
        and gap in numbers.range_joiners
        and gap == raw_gap
        and gap
        and joiner not in used
    ):
        top = _value(tokens[joiner], numbers)
        top_at = joiner
    elif joiner + 1 < len(tokens) and not gap and tokens[joiner].form in numbers.range_joiners:
        opener = i > 0 and any(r in numbers.range_openers for r in tokens[i - 1].readings)
        top = (
            _value(tokens[joiner + 1], numbers)
            if opener or tokens[joiner].form not in ("and", "or")
            else None
        )
        top_at = joiner + 1
    elif joiner < len(tokens) and not gap and _glued_joiner(tokens[joiner], numbers) is not None:
        opener = i > 0 and any(r in numbers.range_openers for r in tokens[i - 1].readings)
        top = _glued_joiner(tokens[joiner], numbers) if opener else None  # بين 10 و15
        top_at = joiner
    else:
        top = None
        top_at = joiner
    if top is not None and top_at not in used:
        upper = _Number(top_at, top_at, top)
        _compound(text, tokens, upper, numbers)
        _scale(text, tokens, upper, numbers)
        if number.last == i and upper.value > top:  # 1.5 to 2 billion: the scale is shared
            number.value *= upper.value / top
        if upper.value > number.value:
            number.upper, number.last = upper.value, upper.last
    return number


def _not_a_quantity(text: str, tokens: list[Token], i: int, numbers: _Numbers) -> bool:
    """Times (4 p.m., 12:22), years as adjectives (the 2020 parade), COVID-19, "one reason"."""
    token = tokens[i]
    before = text[max(0, token.start - 2) : token.start]
    after = text[token.end : token.end + 1]
    if after == ":" or before.endswith((":", "/", "#")) or (before.endswith("-") and before[:1].isalnum()):
        return True  # 12:22, COVID-19, #98, a 26-7 record (the first number of a range takes the second)
    if token.form in numbers.not_quantities:
        return True
    if i + 1 < len(tokens) and tokens[i + 1].form in numbers.not_units:
        return True
    is_year = token.form.isdigit() and len(token.form) == 4 and 1900 <= int(token.form) <= 2100
    return is_year and not (i + 1 < len(tokens) and numbers.units_after.match_at(tokens, i + 1) is not None)


def _glued_joiner(token: Token, numbers: _Numbers) -> float | None:
    """The number after a joiner written as a prefix: ``و15`` -> 15."""
    for joiner in numbers.range_joiners:
        rest = token.form[len(joiner) :].replace(",", "")
        if token.form.startswith(joiner) and rest[:1].isdigit():
            try:
                return float(rest)
            except ValueError:
                return None
    return None


def _compound(text: str, tokens: list[Token], number: _Number, numbers: _Numbers) -> None:
    """``twenty-five``, ``twenty five``: tens then units."""
    nxt = number.last + 1
    if nxt >= len(tokens) or between(text, tokens[number.last], tokens[nxt]).strip() not in ("", "-"):
        return
    tens, unit = number.value, numbers.words.get(tokens[nxt].form)
    if tokens[number.last].form in numbers.words and tens in range(20, 100, 10) and unit and 1 <= unit <= 9:
        number.value, number.last = tens + unit, nxt


def _fraction(text: str, tokens: list[Token], number: _Number) -> None:
    """``5 1/2``: a whole number and a fraction below one."""
    a, b = number.last + 1, number.last + 2
    if (
        b < len(tokens)
        and tokens[number.last].text.isdigit()
        and tokens[a].text.isdigit()
        and tokens[b].text.isdigit()
        and between(text, tokens[number.last], tokens[a]) == " "
        and between(text, tokens[a], tokens[b]) == "/"
        and 0 < int(tokens[a].text) < int(tokens[b].text) <= 16
        and text[tokens[b].end : tokens[b].end + 1] != "/"  # 5 1/2/2020 is no fraction
    ):
        number.value += int(tokens[a].text) / int(tokens[b].text)
        number.last = b


def _scale(text: str, tokens: list[Token], number: _Number, numbers: _Numbers) -> None:
    nxt = number.last + 1
    if number.value < 1 and nxt < len(tokens):  # half a dozen, a half-dozen, half a million
        k = nxt + 1 if tokens[nxt].form in numbers.fraction_of else nxt
        whole = k < len(tokens) and (numbers.scales.get(tokens[k].form) or numbers.words.get(tokens[k].form))
        if (
            whole
            and whole >= 10
            and (k > nxt or between(text, tokens[number.last], tokens[nxt]) in (" ", "-"))
        ):
            number.value *= whole
            number.last = k
            nxt = k + 1
    if (
        nxt < len(tokens)
        and tokens[nxt].form in numbers.scales
        and tokens[number.last].form != tokens[nxt].form
    ):
        number.value *= numbers.scales[tokens[nxt].form]
        number.last = nxt


def _quantity(
    text: str,
    tokens: list[Token],
    number: _Number,
    numbers: _Numbers,
    used: set[int],
    stop: frozenset[str],
    country: str | None = None,
) -> tuple[Quantity | None, int]:
    start = _digits_start(tokens[number.first])
    unit, before_at = _unit_before(text, tokens, number.first, numbers)
    named = text[before_at : tokens[number.first].start].strip() if before_at is not None else None
    if before_at is not None:
        start = before_at
    last_end = tokens[number.last].end
    next_at = number.last + 1
    symbol = next(
        (s for s in sorted(numbers.symbols_after, key=len, reverse=True) if text.startswith(s, last_end)),
        None,
    )
    glued = _GLUED.match(tokens[number.last].form)
    if glued and glued.group(2) in numbers.glued_units and not unit:
        unit = numbers.glued_units[glued.group(2)]  # 50km
    elif symbol and not unit:
        unit, last_end, named = numbers.symbols_after[symbol], last_end + len(symbol), symbol
    elif next_at < len(tokens) and next_at not in used and not unit:
        end = numbers.units_after.match_at(tokens, next_at)
        if end is not None and not between(text, tokens[number.last], tokens[next_at]).strip():
            key = tuple(t.form for t in tokens[next_at : end + 1])
            alt = (tokens[next_at].readings[-1], *key[1:])
            unit = numbers.unit_of.get(key) or numbers.unit_of.get(alt)
            named = " ".join(key if key in numbers.unit_of else alt)
            if unit:
                last_end, next_at = tokens[end].end, end + 1
    if unit and named in numbers.shared_currencies:
        local = local_currency(numbers.shared_currencies[named], country)
        if local is None and country and named in numbers.measures and number.last == number.first:
            # six pounds nine ounces in a Virginia story: a weight, the noun counted
            unit, last_end, next_at = None, tokens[number.last].end, number.last + 1
        else:
            unit = local or unit
    counts, counts_end, resume = (None, last_end, next_at)
    if unit is None or (numbers.noun_after_unit and unit.isupper()):
        counts, counts_end, resume = _counted_noun(
            text, tokens, next_at, last_end, numbers, used, stop, number.value if unit is None else None
        )
    if counts is None and unit is None:
        return None, number.last + 1
    if counts is not None and resume < len(tokens) and tokens[resume].form in numbers.age_words:
        return None, resume  # 30 years old, a 64-year-old man: an age
    if counts is not None:
        last_end = counts_end
    quantity = Quantity(
        text=text[start:last_end],
        value=number.value,
        unit=unit or counts or "",
        counts=counts if unit else None,
        upper=number.upper,
        approximate=_approximate(tokens, number.first, numbers),
    )
    return quantity, max(resume, number.last + 1)


def _unit_before(
    text: str, tokens: list[Token], first: int, numbers: _Numbers
) -> tuple[str | None, int | None]:
    """``$180``, ``US$ 5``, ``USD 5``, ``€3``: the currency written before the number."""
    head = text[max(0, tokens[first].start - 6) : tokens[first].start]
    stripped = head.rstrip(" ")
    if len(head) - len(stripped) > 1:
        return None, None
    for symbol in sorted(numbers.units_before, key=len, reverse=True):
        if stripped.endswith(symbol):
            at = tokens[first].start - (len(head) - len(stripped)) - len(symbol)
            if at == 0 or not text[at - 1].isalpha():
                return numbers.units_before[symbol], at
    return None, None


def _counted_noun(
    text: str,
    tokens: list[Token],
    at: int,
    last_end: int,
    numbers: _Numbers,
    used: set[int],
    stop: frozenset[str],
    bare_value: float | None,
) -> tuple[str | None, int, int]:
    """The noun after the number (and its unit): ``troops``, ``disbursement``.

    ``bare_value``: the number's value when it has no unit; a singular noun after a bare
    number other than one makes the number a modifier (the top 10 list), not a count."""
    stop = stop - numbers.count_nouns
    if at >= len(tokens) or at in used or text[last_end : tokens[at].start].strip() not in ("", "-"):
        return None, last_end, at
    hyphen = text[last_end : tokens[at].start] == "-"  # a 22-second video, a 30-page filing
    partitive = (
        not hyphen
        and bare_value is not None
        and bare_value >= 2
        and float(bare_value).is_integer()
        and numbers.partitive.match_at(tokens, at)
    )  # not half of the year
    if partitive:
        at = partitive + 1  # three of the players
    if not hyphen and tokens[at].form in numbers.noun_modifiers and at + 1 < len(tokens):
        at += 1  # three other women
    if not hyphen and at + 2 < len(tokens) and tokens[at].text.isdigit() and _joined(text, tokens, at, "-"):
        k = at  # two 13-year-old choirboys: a measure between the count and its noun
        while k + 1 < len(tokens) and _joined(text, tokens, k, "-"):
            k += 1
        if k + 1 >= len(tokens) or between(text, tokens[k], tokens[k + 1]) != " ":
            return None, last_end, at
        at = k + 1
    token = tokens[at]
    if token.form in numbers.not_counted:
        return None, last_end, at
    if (
        not _is_unit(token, stop)
        or _value(token, numbers) is not None
        or token.form in numbers.words
        or token.form.startswith(numbers.not_unit_prefixes or ("\0",))
    ):
        return None, last_end, at
    if country_of(token) and _joined(text, tokens, at):
        at += 1  # 1,000 American troops: the noun comes after the demonym
        token = tokens[at]
    if numbers.lowercase_noun and token.capitalised:
        head = None if hyphen or partitive else _head_after_names(text, tokens, at, numbers, used, stop)
        if head is None:
            return None, last_end, at  # 11 Times, Seven Mile: a name, not a count
        at, token = head, tokens[head]  # 14 MLS teams, 2 Vietnamese women
    if hyphen:
        if token.form not in numbers.hyphen_units:
            return None, last_end, at
        return token.text, token.end, at + 1
    if numbers.head_last:
        # 39 floral-decorated floats, eight flight attendants: the last word of the phrase
        k = at
        while (
            k + 1 < len(tokens)
            and (
                not _plural(tokens[k], numbers)  # eight new police officers, but two feet behind
                or tokens[k].form in numbers.irregular_plurals
                and tokens[k + 1].form.endswith(numbers.plural_suffixes or ("\0",))
            )
            and k + 1 - at < numbers.max_noun_words + (text[tokens[k].end : tokens[k].end + 1] == "-")
            and between(text, tokens[k], tokens[k + 1]) in (" ", "-")
            and _is_unit(tokens[k + 1], stop)
            and _value(tokens[k + 1], numbers) is None
            and k + 1 not in used
        ):
            if tokens[k + 1].capitalised and between(text, tokens[k], tokens[k + 1]) != "-":
                head = _head_after_names(text, tokens, k + 1, numbers, used, stop)
                k = head if head is not None else k  # two female Vietnam nationals
                break
            k += 1
        token = tokens[k]
        at = k
        singular = not _plural(token, numbers)
        modifier = singular and token.form not in numbers.count_nouns
        if modifier and bare_value is not None and bare_value != 1:
            return None, last_end, at  # the top 10 list, a 26-7 record: the number is a modifier
    return token.text, token.end, at + 1


def _plural(token: Token, numbers: _Numbers) -> bool:
    return token.form.endswith(numbers.plural_suffixes or ("\0",)) or token.form in numbers.irregular_plurals


def _head_after_names(
    text: str, tokens: list[Token], at: int, numbers: _Numbers, used: set[int], stop: frozenset[str]
) -> int | None:
    """The lower-case plural noun after a few capitalised words (``14 MLS teams``, ``13 Saint
    Bernard/Great Pyrenees puppies``); None when the capitalised words are a name of their own
    (``11 Times``, ``Seven Mile Road``)."""
    k = at
    while k < len(tokens) and k - at <= numbers.max_names and k not in used and tokens[k].capitalised:
        if k + 1 >= len(tokens) or between(text, tokens[k], tokens[k + 1]) not in (" ", "/", "-"):
            return None
        k += 1
    if k >= len(tokens) or k in used or tokens[k].capitalised:
        return None
    token = tokens[k]
    if not _plural(token, numbers) or not _is_unit(token, stop) or _value(token, numbers) is not None:
        return None
    return k


def _digits_start(token: Token) -> int:
    """Where the number starts in its token: ``و180`` -> the 1."""
    digit = next((k for k, c in enumerate(token.text) if c.isdigit()), 0)
    return token.start + digit


def _approximate(tokens: list[Token], first: int, numbers: _Numbers) -> bool:
    for start in range(max(0, first - 4), first):
        if numbers.approximate.match_at(tokens, start) == first - 1:
            return True
    return False


def _joined(text: str, tokens: list[Token], i: int, by: str = "") -> bool:
    """Nothing but spaces between a token and the next, or exactly ``by``."""
    if i + 1 >= len(tokens):
        return False
    gap = between(text, tokens[i], tokens[i + 1])
    return gap == by if by else not gap.strip()


def _dual(token: Token, numbers: _Numbers, forms: set[str]) -> str | None:
    """The singular of a dual noun (``قاعدتان`` -> ``قاعده``), when the article backs it."""
    for reading in token.readings:
        for suffix, replacement in numbers.dual_suffixes:
            if reading.endswith(suffix) and len(reading) - len(suffix) >= 3:
                singular = reading[: -len(suffix)] + replacement
                backed = singular in numbers.dual_units or (replacement and singular in forms)
                if backed:
                    return singular
    return None
