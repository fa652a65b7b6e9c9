"""Entity precision, recall and F1 per type, by mention.

    python scripts/eval_enrich.py ../shared/eval            # NewsFANE held-out + English set
    python scripts/eval_enrich.py ../shared/eval --no-tagger

Arabic: the held-out fifth of NewsFANE (``newsfane.split``; the tagger never
trained on it), each sentence's tokens joined by spaces and run through the
full entity finder (gazetteers, titles, CRF). A mention counts when its
character span and type equal a gold one. English: the hand-annotated
articles in ``tests/data/enrich/en/`` (``{"text", "entities": [[type, surface], ...]}``;
every whole-word occurrence of a surface is a gold mention).

1-sentence texts are also scored with NewsFANE's split clitics attached again, as
news writes them (``بألمانيا`` for ``ب المانيا``). ``--dev --model FILE`` scores
a model trained with ``train_ner.py --dev`` on the dev blocks of the training
part, for choosing features and parameters without the held-out part.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsfane import joined, read, split  # noqa: E402

from streams.pipeline.enrich import tagger  # noqa: E402
from streams.pipeline.enrich.entities import find_entities  # noqa: E402
from streams.pipeline.enrich.tokens import tokenize  # noqa: E402
from streams.text import normalize_text  # noqa: E402

TYPES = ("person", "place", "org")
ENGLISH_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "enrich" / "en"


def predicted(text: str, language: str, use_tagger: bool) -> set[tuple[int, int, str]]:
    entities = find_entities(text, tokenize(text), language, use_tagger=use_tagger)
    return {(m.start, m.end, e.type) for e in entities for m in e.mentions}


def score(counts: Counter, gold: set, guess: set) -> None:
    for kind in TYPES:
        g = {s for s in gold if s[2] == kind}
        p = {s for s in guess if s[2] == kind}
        counts[kind, "tp"] += len(g & p)
        counts[kind, "fp"] += len(p - g)
        counts[kind, "fn"] += len(g - p)


def report(title: str, counts: Counter, items: int, seconds: float) -> None:
    print(f"\n{title}: {items} items, {seconds * 1000 / max(items, 1):.2f} ms per item")
    print(f"{'type':8} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}")
    totals = Counter()
    for kind in (*TYPES, "all"):
        if kind == "all":
            tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
        else:
            tp, fp, fn = (counts[kind, x] for x in ("tp", "fp", "fn"))
            totals.update(tp=tp, fp=fp, fn=fn)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{kind:8} {p:6.3f} {r:6.3f} {f:6.3f} {tp + fn:6d}")


def eval_newsfane(
    folder: Path, use_tagger: bool, per_item: int, dev: bool = False, join: bool = False
) -> None:
    """Score ``per_item`` consecutive held-out sentences at a time, as one text.

    1 is the strict setting; more is closer to real use, where a name found
    once in an article is found again wherever it recurs.
    """
    _, held_out = split(read(folder), dev=dev)
    if join:
        held_out = [joined(s) for s in held_out]
    counts: Counter = Counter()
    started = time.perf_counter()
    items = [held_out[i : i + per_item] for i in range(0, len(held_out), per_item)]
    for group in items:
        text, gold, offset = "", set(), 0
        for sentence in group:
            gold |= {(a + offset, b + offset, k) for a, b, k in sentence.gold_spans()}
            text += sentence.text + "\n\n"
            offset = len(text)
        score(counts, gold, predicted(text, "ar", use_tagger))
    tagger = "with CRF tagger" if use_tagger else "gazetteers and titles only"
    part = "dev part of training (model trained with --dev)" if dev else "held-out"
    part += ", clitics joined as news writes them" if join else ""
    title = f"NewsFANE {part}, {per_item} sentence(s) per text ({tagger})"
    report(title, counts, len(items), time.perf_counter() - started)


def english_gold(text: str, annotations: list[list[str]]) -> set[tuple[int, int, str]]:
    gold: set[tuple[int, int, str]] = set()
    taken: set[int] = set()
    for kind, surface in sorted(annotations, key=lambda a: -len(a[1])):
        for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text):
            if not taken & set(range(m.start(), m.end())):
                gold.add((m.start(), m.end(), kind))
                taken.update(range(m.start(), m.end()))
    return gold


def eval_english(folder: Path, use_tagger: bool) -> None:
    counts: Counter = Counter()
    files = sorted(folder.glob("*.json"))
    started = time.perf_counter()
    for path in files:
        item = json.loads(path.read_text(encoding="utf-8"))
        text = normalize_text(item["text"])
        score(counts, english_gold(text, item["entities"]), predicted(text, "en", use_tagger))
    report("English hand-annotated set", counts, len(files), time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="eval folder holding ar-ner-newsfane/")
    parser.add_argument("--no-tagger", action="store_true")
    parser.add_argument("--english", type=Path, default=ENGLISH_SET)
    parser.add_argument("--sentences-per-text", type=int, nargs="+", default=[1, 10])
    parser.add_argument(
        "--dev",
        action="store_true",
        help="score on the dev blocks of the training part (experiments), not held-out",
    )
    parser.add_argument("--model", type=Path, help="another Arabic CRF file (experiments)")
    parser.add_argument("--no-english", action="store_true")
    parser.add_argument(
        "--no-joined",
        dest="joined",
        action="store_false",
        help="skip the 1-sentence scores with clitics joined (بألمانيا, not ب المانيا)",
    )
    args = parser.parse_args()
    if args.model:
        tagger.model_path = lambda language: args.model
    for per_item in args.sentences_per_text:
        eval_newsfane(args.data / "ar-ner-newsfane", not args.no_tagger, per_item, args.dev)
        if args.joined and per_item == 1:
            eval_newsfane(args.data / "ar-ner-newsfane", not args.no_tagger, per_item, args.dev, join=True)
    if not args.no_english:
        eval_english(args.english, not args.no_tagger)


if __name__ == "__main__":
    main()
