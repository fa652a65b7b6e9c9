"""Entity, date, quantity and quote figures, Arabic and English side by side.

    python scripts/eval_enrich.py ../shared/eval            # everything below
    python scripts/eval_enrich.py ../shared/eval --no-tagger

English news: 100 real articles of ``news-similarity-semeval22`` annotated by
hand (``tests/data/enrich/eval/en-semeval22.jsonl``: ids, how many characters
of the text were read, the publication date taken from the text, and the
entities, dates, quantities and quote speakers found by reading it). The
texts are read from the eval folder at run time, never copied; a text whose
hash differs from the annotated one is reported and skipped. Entities count
by mention (every whole-word occurrence of an annotated surface, longest
first); a date or quantity counts when a found one overlaps the annotated
words and has the same value (and end, and unit); a quote counts when its
speaker is the annotated person (by name).

Arabic news: 67 real articles of ``ar-news-saudinewsnet`` annotated by hand the
same way for entities, dates, quantities and quote speakers (``ar-saudinewsnet.jsonl``:
the line in the corpus, how many characters were read, a hash, the publication day as
the text gives it); an article whose day cannot be told has ``"dates": null`` and
its dates are not scored. Entities count by mention as in English; a surface is the
word as written, an attached clitic (و، ب، ل، ف، ك) included, and an entry of type
``none`` marks a non-entity use of a surface annotated elsewhere in the same article
(it takes its words, longest first, and is never scored). The last table puts the
issue's figures side by side, the Arabic entities both on NewsFANE and on these
articles.

Arabic entities: the held-out fifth of NewsFANE (``newsfane.split``; the tagger never
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
REAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "enrich" / "eval"
PAIRS = "news-similarity-semeval22/pairs.jsonl"
SAUDI = "ar-news-saudinewsnet/2015-07-21_23.jsonl"


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
) -> Counter:
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
    return counts


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


def _occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def real_articles(data: Path, annotations: Path) -> list[tuple[dict, str]]:
    """The annotated articles with their texts, read from the eval folder."""
    import hashlib

    texts: dict[tuple[str, int], str] = {}
    for line in (data / PAIRS).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for side in (1, 2):
            texts.setdefault((row["pair_id"], side), row[f"text{side}"])
    items = []
    for line in annotations.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        raw = texts.get((item["pair_id"], item["side"]), "")[: item["chars"]]
        if hashlib.sha1(raw.encode()).hexdigest()[:12] != item["sha1"]:
            print(f"  skipped {item['pair_id']}/{item['side']}: its text is not the annotated one")
            continue
        items.append((item, raw))
    return items


def _article(article_id: str, text: str, published_at: str | None, language: str):
    from streams.records import CleanArticle

    return CleanArticle(
        article_id=article_id,
        parent_id=None,
        url=None,
        source=None,
        published_at=published_at,
        fetched_at=None,
        language=language,
        title=None,
        paragraphs=[p for p in text.split("\n") if p],
        text=text,
    )


def _score_article(counts: dict[str, Counter], item: dict, text: str, out) -> None:
    """Dates, quantities and quote speakers of one enriched article against its annotations."""
    if item["dates"] is not None:  # None: the publication day cannot be told, dates not scored
        _score_values(
            counts["dates"],
            text,
            [(normalize_text(s), (v, e)) for s, v, e in item["dates"]],
            [(d.text, (d.value, d.end)) for d in out.dates],
        )
    _score_values(
        counts["quantities"],
        text,
        [(normalize_text(s), (float(v), normalize_text(u).lower())) for s, v, u in item["quantities"]],
        [(q.text, (q.value, q.unit.lower())) for q in out.quantities],
    )
    for prefix, speaker in item["quotes"]:
        prefix = normalize_text(prefix)
        found = next((q for q in out.quotes if q.text.startswith(prefix[:15])), None)
        said = found.speaker if found else None
        ok = said == speaker if speaker is None else bool(said) and speaker.split()[-1] in said
        counts["quotes"]["right" if ok else "wrong"] += 1


def _report_articles(counts: dict[str, Counter]) -> None:
    _report_values("dates (right words, right value and end)", counts["dates"])
    _report_values("quantities (right words, value and unit)", counts["quantities"])
    right, total = counts["quotes"]["right"], counts["quotes"]["right"] + counts["quotes"]["wrong"]
    print(f"quotes with the right speaker: {right} of {total} ({right / max(total, 1):.2f})")


def _new_counts() -> dict[str, Counter]:
    return {kind: Counter() for kind in ("entities", "dates", "quantities", "quotes", "articles")}


def eval_real_english(data: Path, annotations: Path, use_tagger: bool) -> dict[str, Counter]:
    from streams.pipeline.enrich import enrich

    items = real_articles(data, annotations)
    counts = _new_counts()
    started = time.perf_counter()
    for item, raw in items:
        text = normalize_text(raw)
        article = _article(f"{item['pair_id']}/{item['side']}", text, item["published_at"], "en")
        out = enrich(article, use_tagger=use_tagger)
        guess = {(m.start, m.end, e.type) for e in out.entities for m in e.mentions}
        score(counts["entities"], english_gold(text, item["entities"]), guess)
        _score_article(counts, item, text, out)
    seconds = time.perf_counter() - started
    report(
        f"English news, {len(items)} real articles (semeval22, annotated by hand)",
        counts["entities"],
        len(items),
        seconds,
    )
    _report_articles(counts)
    return counts


def saudi_articles(data: Path, annotations: Path) -> list[tuple[dict, str]]:
    """The annotated SaudiNewsNet articles with their texts, read from the eval folder."""
    import hashlib

    lines = (data / SAUDI).read_text(encoding="utf-8").splitlines()
    items = []
    for line in annotations.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        raw = (
            json.loads(lines[item["line"]])["content"].strip()[: item["chars"]]
            if item["line"] < len(lines)
            else ""
        )
        if hashlib.sha1(raw.encode()).hexdigest()[:12] != item["sha1"]:
            print(f"  skipped line {item['line']}: its text is not the annotated one")
            continue
        items.append((item, raw))
    return items


def eval_real_arabic(data: Path, annotations: Path, use_tagger: bool) -> dict[str, Counter]:
    from streams.pipeline.enrich import enrich

    items = saudi_articles(data, annotations)
    counts = _new_counts()
    counts["articles"]["n"] = len(items)
    started = time.perf_counter()
    for item, raw in items:
        text = normalize_text(raw)
        out = enrich(
            _article(f"saudinewsnet/{item['line']}", text, item["published_at"], "ar"), use_tagger=use_tagger
        )
        guess = {(m.start, m.end, e.type) for e in out.entities for m in e.mentions}
        score(counts["entities"], english_gold(text, item["entities"]), guess)
        _score_article(counts, item, text, out)
    seconds = time.perf_counter() - started
    report(
        f"Arabic news, {len(items)} real articles (SaudiNewsNet, annotated by hand)",
        counts["entities"],
        len(items),
        seconds,
    )
    _report_articles(counts)
    return counts


def side_by_side(
    arabic: dict[str, Counter] | None, english: dict[str, Counter] | None, newsfane: Counter | None
) -> None:
    """The issue's figures in one table: Arabic beside English."""

    def f1(counts: Counter | None, kind: str | None = None) -> str:
        if counts is None:
            return "-"
        if kind:
            tp, fp, fn = (counts[kind, x] for x in ("tp", "fp", "fn"))
        else:
            tp = sum(counts[k, "tp"] for k in TYPES)
            fp = sum(counts[k, "fp"] for k in TYPES)
            fn = sum(counts[k, "fn"] for k in TYPES)
        return f"{_prf(tp, fp, fn)[2]:.3f}"

    def values(counts: dict[str, Counter] | None, kind: str) -> str:
        if counts is None:
            return "-"
        c = counts[kind]
        return f"{_prf(c['tp'], c['fp'], c['fn'])[2]:.3f} ({c['gold']})"

    def quotes(counts: dict[str, Counter] | None) -> str:
        if counts is None:
            return "-"
        c = counts["quotes"]
        total = c["right"] + c["wrong"]
        return f"{c['right'] / max(total, 1):.2f} ({total})"

    english_entities = english["entities"] if english else None
    arabic_entities = arabic["entities"] if arabic else None
    rows = [
        ("entities, micro F1", f1(newsfane) + " NewsFANE", f1(english_entities)),
        (
            "entities, micro F1",
            f"{f1(arabic_entities)} Arabic news, {arabic['articles']['n']} articles" if arabic else "-",
            f1(english_entities),
        ),
        ("people F1", f1(newsfane, "person"), f1(english_entities, "person")),
        ("places F1", f1(newsfane, "place"), f1(english_entities, "place")),
        ("organisations F1", f1(newsfane, "org"), f1(english_entities, "org")),
        ("dates, right value F1 (gold)", values(arabic, "dates"), values(english, "dates")),
        (
            "quantities, right value and unit F1 (gold)",
            values(arabic, "quantities"),
            values(english, "quantities"),
        ),
        ("quotes, right speaker (gold)", quotes(arabic), quotes(english)),
    ]
    print(f"\n{'figure':44} {'Arabic':>32} {'English':>12}")
    for name, ar, en in rows:
        print(f"{name:44} {ar:>32} {en:>12}")


def _score_values(
    counts: Counter, text: str, gold: list[tuple[str, tuple]], guess: list[tuple[str, tuple]]
) -> None:
    """A found expression is right when it overlaps a gold one and has its value."""
    gold_spans: list[tuple[int, int, tuple]] = []
    # every occurrence of an annotated surface, longest first, none inside another
    for surface, value in sorted(gold, key=lambda g: -len(g[0])):
        for a, b in _occurrences(text, surface):
            if not any(x <= a and b <= y for x, y, _ in gold_spans):
                gold_spans.append((a, b, value))
    guess_spans: list[tuple[int, int, tuple]] = []
    cursor: dict[str, int] = {}
    for surface, value in guess:
        # the first occurrence not inside one already placed: `2020` after `Jan. 1, 2020`
        start = text.find(surface, cursor.get(surface, 0))
        while start != -1 and any(a < start + len(surface) and start < b for a, b, _ in guess_spans):
            start = text.find(surface, start + 1)
        if start != -1:
            cursor[surface] = start + 1
            guess_spans.append((start, start + len(surface), value))
    right = set()
    for a, b, value in guess_spans:
        overlapping = [g for g in gold_spans if g[0] < b and a < g[1]]
        hit = next((g for g in overlapping if g not in right and _same(g[2], value)), None)
        if hit:
            right.add(hit)
            counts["tp"] += 1
        else:
            counts["fp"] += 1
            counts["wrong_value"] += bool(overlapping)
    counts["fn"] += len(gold_spans) - len(right)
    counts["gold"] += len(gold_spans)


def _same(gold: tuple, found: tuple) -> bool:
    if isinstance(gold[0], float):
        return abs(gold[0] - float(found[0])) <= 1e-6 * max(1.0, abs(gold[0])) and gold[1] == found[1]
    return tuple(gold) == tuple(found)


def _report_values(title: str, counts: Counter) -> None:
    p, r, f = _prf(counts["tp"], counts["fp"], counts["fn"])
    print(
        f"{title}: P {p:.3f} R {r:.3f} F1 {f:.3f} "
        f"({counts['gold']} gold, {counts['wrong_value']} found with a wrong value)"
    )


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
    parser.add_argument("--real", type=Path, default=REAL_SET / "en-semeval22.jsonl")
    parser.add_argument(
        "--no-joined",
        dest="joined",
        action="store_false",
        help="skip the 1-sentence scores with clitics joined (بألمانيا, not ب المانيا)",
    )
    parser.add_argument("--arabic", type=Path, default=REAL_SET / "ar-saudinewsnet.jsonl")
    parser.add_argument(
        "--no-arabic", action="store_true", help="skip the SaudiNewsNet entities, dates, quantities, quotes"
    )
    args = parser.parse_args()
    if args.model:
        tagger.model_path = lambda language: args.model
    newsfane = None
    for per_item in [n for n in args.sentences_per_text if n > 0]:
        counts = eval_newsfane(args.data / "ar-ner-newsfane", not args.no_tagger, per_item, args.dev)
        newsfane = counts if per_item == 1 else newsfane
        if args.joined and per_item == 1:
            eval_newsfane(args.data / "ar-ner-newsfane", not args.no_tagger, per_item, args.dev, join=True)
    arabic = None if args.no_arabic else eval_real_arabic(args.data, args.arabic, not args.no_tagger)
    english = None
    if not args.no_english:
        english = eval_real_english(args.data, args.real, not args.no_tagger)
        eval_english(args.english, not args.no_tagger)
    side_by_side(arabic, english, newsfane)


if __name__ == "__main__":
    main()
