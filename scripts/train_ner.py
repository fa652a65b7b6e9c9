"""Train the Arabic CRF name tagger on NewsFANE and write ``streams/lang/ar/ner.crfsuite``.

    python scripts/train_ner.py ../shared/eval/ar-ner-newsfane

Deterministic: a fixed split (``newsfane.split``), fixed parameters, and
L-BFGS, which has no random start. The held-out fifth is never seen here;
``scripts/eval_enrich.py`` scores on it. Tokens are made by newsflow's own
tokenizer from the joined sentence, and labelled from the gold token they
start in, so training sees exactly what tagging at run time sees.

NewsFANE writes clitics apart (``ب المانيا``, ``زوجة ه``); news does not. Each
training sentence is therefore seen twice: as written, and with its clitics
attached again (``newsfane.joined``), so the model knows ``بألمانيا`` too.

Experiments: ``--dev`` trains without the dev blocks (``split(dev=True)``) so
that features and parameters are chosen on them, never on the held-out part;
``--set c1=0.1`` overrides a parameter.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pycrfsuite

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsfane import Sentence, joined, read, split  # noqa: E402

from streams.pipeline.enrich.tagger import features, model_path  # noqa: E402
from streams.pipeline.enrich.tokens import Token, tokenize  # noqa: E402

PARAMS = {
    "c1": 0.05,
    "c2": 0.01,
    "max_iterations": 200,
    "feature.minfreq": 1,
    "feature.possible_transitions": True,
}


def token_labels(sentence: Sentence, tokens: list[Token]) -> list[str]:
    """Gold labels moved onto our tokens (a gold token may hold several of ours)."""
    starts, offset = [], 0
    for word in sentence.words:
        starts.append(offset)
        offset += len(word) + 1
    labels, previous_gold = [], -1
    for token in tokens:
        gold = max(i for i, s in enumerate(starts) if s <= token.start)
        label = sentence.labels[gold]
        if label.startswith("B-") and gold == previous_gold:
            label = "I-" + label[2:]
        labels.append(label)
        previous_gold = gold
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="folder holding NewsFANE_Gold_2014_170K.txt")
    parser.add_argument("--out", type=Path, default=model_path("ar"))
    parser.add_argument(
        "--dev",
        action="store_true",
        help="train without the dev blocks (newsfane.split(dev=True)), for experiments",
    )
    parser.add_argument(
        "--segmented-only",
        action="store_true",
        help="train on NewsFANE's segmented text only, without the joined copy",
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="override a training parameter (experiments), e.g. c1=0.1",
    )
    args = parser.parse_args()
    train, held_out = split(read(args.data), dev=args.dev)
    params = dict(PARAMS)
    for item in args.set:
        key, _, value = item.partition("=")
        params[key] = type(PARAMS.get(key, 0.0))(value) if key in PARAMS else float(value)
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params(params)
    started = time.perf_counter()
    if not args.segmented_only:
        train = train + [joined(s) for s in train]
    for sentence in train:
        tokens = tokenize(sentence.text)
        if tokens:
            trainer.append(features(sentence.text, tokens, "ar"), token_labels(sentence, tokens))
    trainer.train(str(args.out))
    print(
        f"trained on {len(train)} sentences ({len(held_out)} {'dev' if args.dev else 'held out'}) "
        f"in {time.perf_counter() - started:.0f} s -> {args.out} "
        f"({args.out.stat().st_size / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
