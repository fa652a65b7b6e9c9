"""Read NewsFANE Gold 2014 and split it the same way for training and evaluation.

NewsFANE (Alotaibi & Lee, COLING 2014; CC BY-SA 3.0) is one token per line
with a BIO tag from 50 fine classes, sentences separated by blank lines. The
split is by position, so it is the same on every machine: sentences are cut
into blocks of 100 and every fifth block is held out (20 %), which keeps
neighbouring sentences of one story on the same side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streams.pipeline.enrich.tagger import FINE_TO_TYPE

CORPUS = "NewsFANE_Gold_2014_170K.txt"
BLOCK = 100
HELD_OUT_EVERY = 5
_INVISIBLE = "\ufeff\u200e\u200f\r"


@dataclass(frozen=True, slots=True)
class Sentence:
    words: list[str]
    labels: list[str]  # coarse BIO: B-person, I-org, O

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def gold_spans(self) -> set[tuple[int, int, str]]:
        """``(start, end, type)`` character spans of the gold entities in ``text``."""
        spans, offset, current = set(), 0, None
        for word, label in zip(self.words, self.labels, strict=True):
            tag, _, kind = label.partition("-")
            if current and (tag != "I" or kind != current[2]):
                spans.add(current)
                current = None
            if tag == "B" or (tag == "I" and current is None):
                current = (offset, offset + len(word), kind)
            elif tag == "I":
                current = (current[0], offset + len(word), kind)
            offset += len(word) + 1
        if current:
            spans.add(current)
        return spans


# NewsFANE writes clitics apart (ب المانيا، زوجة ه); news does not (بألمانيا، زوجته).
PREFIX_CLITICS = frozenset("وفبلك")
SUFFIX_PRONOUNS = frozenset({"ه", "ها", "هم", "هما", "هن", "كم", "نا"})


def joined(sentence: Sentence) -> Sentence:
    """The sentence as news writes it: clitics attached to their word (و ب المانيا -> وبالمانيا,
    ل الامم -> للامم, زوجة ه -> زوجته). The word keeps the label of its core, or the clitic's
    when the clitic is inside a name (المجلس الاقتصادي و الاجتماعي)."""
    words: list[str] = []
    labels: list[str] = []
    prefix, prefix_label = "", "O"
    for word, label in zip(sentence.words, sentence.labels, strict=True):
        if word in SUFFIX_PRONOUNS and words and not prefix and words[-1][-1:].isalpha():
            words[-1] = (words[-1][:-1] + "ت" if words[-1].endswith("ة") else words[-1]) + word
            continue
        if word in PREFIX_CLITICS:
            prefix += word
            prefix_label = label if label != "O" and prefix_label == "O" else prefix_label
            continue
        if prefix:
            if not word[:1].isalpha() or not "\u0600" <= word[:1] <= "\u06ff":
                words.extend(prefix)  # a clitic before punctuation or Latin stays apart
                labels.extend([prefix_label] * len(prefix))
            else:
                if prefix.endswith("ل") and word.startswith("ال"):
                    word = word[1:]
                word = prefix + word
                label = prefix_label if prefix_label.startswith("I-") else label
            prefix, prefix_label = "", "O"
        words.append(word)
        labels.append(label)
    if prefix:
        words.extend(prefix)
        labels.extend([prefix_label] * len(prefix))
    return Sentence(words, _repair_bio([Sentence(words, labels)])[0].labels)


def _coarse(label: str) -> str:
    tag, _, fine = label.partition("-")
    kind = FINE_TO_TYPE.get(fine)
    return f"{tag}-{kind}" if kind else "O"


def read(folder: Path) -> list[Sentence]:
    sentences, words, labels = [], [], []
    for line in (folder / CORPUS).read_text(encoding="utf-8").split("\n"):
        line = "".join(c for c in line if c not in _INVISIBLE)
        if not line.strip():
            if words:
                sentences.append(Sentence(words, labels))
                words, labels = [], []
            continue
        word, _, label = line.partition("\t")
        if word.strip():
            words.append(word.strip())
            labels.append(_coarse(label.strip() or "O"))
    if words:
        sentences.append(Sentence(words, labels))
    return _repair_bio(sentences)


def _repair_bio(sentences: list[Sentence]) -> list[Sentence]:
    """An I- after O (a fine class mapped away) starts an entity."""
    for sentence in sentences:
        for i, label in enumerate(sentence.labels):
            prev = sentence.labels[i - 1] if i else "O"
            if label.startswith("I-") and prev[2:] != label[2:]:
                sentence.labels[i] = "B-" + label[2:]
    return sentences


def split(sentences: list[Sentence], *, dev: bool = False) -> tuple[list[Sentence], list[Sentence]]:
    """``(train, held_out)``: every fifth block of 100 sentences is held out.

    ``dev=True`` splits the training part again, the same way (the block before
    each held-out one), for choosing features and parameters without looking
    at the held-out part: ``(train minus dev, dev)``.
    """
    train, held_out, development = [], [], []
    for i, sentence in enumerate(sentences):
        block = (i // BLOCK) % HELD_OUT_EVERY
        if block == HELD_OUT_EVERY - 1:
            held_out.append(sentence)
        elif dev and block == HELD_OUT_EVERY - 2:
            development.append(sentence)
        else:
            train.append(sentence)
    return (train, development) if dev else (train, held_out)
