"""From classified lines to the articles a page contains.

A page is read top to bottom as a small state machine:

* body lines go to the current article;
* ``إقرأ أيضاً`` / ``Read also`` alone on its line opens an *embedded* article:
  its first headline-like line is its title, then its paragraphs, until its own
  source line (``المصدر:``) hands the page back to the parent. On one line with
  a headline (``Read also: X``) it is a link, and ``X`` a related headline;
* a related-list header (``مقالات مشابهة`` / ``Related``) starts a list of
  headlines for the page, until a line that reads like prose;
* source and tag lines attach to the current article.

Then each article is settled: an embedded article with too few paragraphs was
only a link (its title becomes a related headline, its paragraphs go back to
the parent), and a headline-like line between paragraphs that shares little
vocabulary with the rest is a stray related headline, not body text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from streams.pipeline.clean.rules import (
    Kind,
    Line,
    PageRules,
    classify,
    ends_open,
    ends_sentence,
    split_list,
    strip_number,
)
from streams.pipeline.clean.tags import segment_tags
from streams.text import match_tokens, matching_form, words


@dataclass(frozen=True, slots=True)
class StructureLimits:
    """Tunables of the page reader (the lead maps them to settings)."""

    min_embedded_paragraphs: int = 2
    headline_min_words: int = 4
    headline_max_words: int = 30
    # A headline-like line sharing less than this share of its content words
    # with the rest of its article is a stray related headline.
    stray_max_overlap: float = 0.5
    stem_chars: int = 5


@dataclass(slots=True)
class Paragraph:
    text: str
    headline_like: bool


@dataclass(slots=True)
class Draft:
    """An article being assembled; ``opened_at`` is where it interrupted the page."""

    embedded: bool
    opened_at: int = 0
    title: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    attributions: list[str] = field(default_factory=list)
    tag_lines: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


class _Mode(Enum):
    BODY = "body"
    RELATED = "related"
    TAGS = "tags"


def is_headline_like(text: str, rules: PageRules, limits: StructureLimits) -> bool:
    """Short, starts like a sentence and ends without sentence punctuation.

    A wrapped line of a paragraph ends with a comma or starts in lower case:
    not a headline.
    """
    if len(text) > 40 * limits.headline_max_words or ends_sentence(text, rules):
        return False
    if ends_open(text) or _starts_lower(text):
        return False
    if _SENTENCE_INSIDE.search(text):
        return False  # "Why? Because, capitalism." holds sentences: prose
    last = match_tokens(text[-40:])[-1:]
    if last and last[0] in rules.stopwords:
        return False  # "... who in 2008, won the": a wrapped line
    return limits.headline_min_words <= len(words(text)) <= limits.headline_max_words


# One sentence end (not an ellipsis "..") followed by more words.
_SENTENCE_INSIDE = re.compile(r"(?<![.…])[.!?؟。](?![.…])\s\S")


def _starts_lower(text: str) -> bool:
    first = next((c for c in text if c.isalpha()), "")
    return first.islower()


class _Reader:
    """The state machine of the module docstring, fed one classified line at a time."""

    def __init__(self, rules: PageRules, limits: StructureLimits):
        self.rules = rules
        self.limits = limits
        self.page = Draft(embedded=False)
        self.drafts = [self.page]
        self.current = self.page
        self.mode = _Mode.BODY

    def read(self, line: Line) -> None:
        if line.kind is Kind.RELATED_HEADER:
            self._related_header(line)
        elif line.kind is Kind.EMBEDDED_MARKER:
            self._embedded_marker(line)
        elif line.kind is Kind.ATTRIBUTION:
            self._attribution(line)
        elif line.kind is Kind.TAGS:
            self._tags(line)
        elif line.kind is Kind.TEXT:
            self._text(line)

    def _related_header(self, line: Line) -> None:
        self.mode = _Mode.RELATED
        if line.payload:
            self.page.related.append(line.payload)

    def _embedded_marker(self, line: Line) -> None:
        self.mode = _Mode.BODY
        if line.payload:
            self.current.related.append(line.payload)
            return
        self.current = Draft(embedded=True, opened_at=len(self.page.paragraphs))
        self.drafts.append(self.current)

    def _attribution(self, line: Line) -> None:
        self.mode = _Mode.BODY
        outlets = split_list(line.payload, self.rules.attribution_separators)
        self.current.attributions.extend(o for o in outlets if o not in self.current.attributions)
        if self.current.embedded:
            self.current = self.page

    def _tags(self, line: Line) -> None:
        if line.payload:
            self.current.tag_lines.append(line.payload)
            self.mode = _Mode.BODY
        else:
            self.mode = _Mode.TAGS

    def _text(self, line: Line) -> None:
        if self.mode is _Mode.TAGS:
            self.current.tag_lines.append(line.text)
            self.mode = _Mode.BODY
            return
        headline_like = is_headline_like(line.text, self.rules, self.limits)
        if self.mode is _Mode.RELATED:
            if line.bulleted or headline_like:
                self.page.related.append(strip_number(line.text))
                return
            self.mode = _Mode.BODY
        draft = self.current
        if draft.embedded and draft.title is None and not draft.paragraphs:
            if line.bulleted:
                self.page.related.append(line.text)
                return
            if headline_like:
                draft.title = line.text
                return
            self.current = draft = self.page  # the marker introduced no article
        draft.paragraphs.append(Paragraph(line.text, headline_like and not line.bulleted))


def read_articles(
    lines: list[str], rules: PageRules, limits: StructureLimits, *, page_title: str | None
) -> list[Draft]:
    """Split a page's display lines into its articles, the page's own first."""
    reader = _Reader(rules, limits)
    for text in lines:
        reader.read(classify(text, rules))
    drafts = _fold_short_embedded(reader.drafts, limits)
    page = drafts[0]
    page.title = page_title
    _settle_page_title(page)
    for draft in drafts:
        _move_stray_headlines(draft, rules, limits)
        draft.tags = _tags(draft, rules)
    return [d for d in drafts if d.paragraphs or not d.embedded]


def _fold_short_embedded(drafts: list[Draft], limits: StructureLimits) -> list[Draft]:
    """An embedded 'article' of one paragraph was a link with a teaser: give it back."""
    page, kept = drafts[0], [drafts[0]]
    folded: list[Draft] = []
    for draft in drafts[1:]:
        enough = len(draft.paragraphs) >= limits.min_embedded_paragraphs
        (kept if enough and draft.title else folded).append(draft)
    for draft in reversed(folded):
        page.paragraphs[draft.opened_at : draft.opened_at] = draft.paragraphs
        page.attributions.extend(a for a in draft.attributions if a not in page.attributions)
        page.tag_lines.extend(draft.tag_lines)
    for draft in folded:
        if draft.title:
            page.related.append(draft.title)
        page.related.extend(draft.related)
    return kept


def _settle_page_title(page: Draft) -> None:
    """The envelope's title wins (its repeat in the body is dropped); else a leading headline."""
    if not page.paragraphs:
        return
    first = page.paragraphs[0]
    if page.title is not None:
        if matching_form(first.text) == matching_form(page.title):
            del page.paragraphs[0]
        return
    if first.headline_like and len(page.paragraphs) > 1:
        page.title = first.text
        del page.paragraphs[0]


def _content_stems(text: str, rules: PageRules, limits: StructureLimits) -> set[str]:
    return {
        token[: limits.stem_chars]
        for token in match_tokens(text)
        if len(token) >= 3 and token not in rules.stopwords
    }


def _move_stray_headlines(draft: Draft, rules: PageRules, limits: StructureLimits) -> None:
    """Headline-like lines between paragraphs, unrelated to the flow, are links."""
    if len(draft.paragraphs) < 3 or not any(p.headline_like for p in draft.paragraphs):
        return
    stems = [_content_stems(p.text, rules, limits) for p in draft.paragraphs]
    seen_in = Counter(stem for own in stems for stem in own)
    last = len(draft.paragraphs) - 1
    kept: list[Paragraph] = []
    for index, paragraph in enumerate(draft.paragraphs):
        own = stems[index]
        if paragraph.headline_like and 0 < index < last and own:
            shared = sum(1 for stem in own if seen_in[stem] > 1)
            if shared / len(own) < limits.stray_max_overlap:
                draft.related.append(paragraph.text)
                continue
        kept.append(paragraph)
    draft.paragraphs = kept


def _tags(draft: Draft, rules: PageRules) -> list[str]:
    text = draft.text
    found = (t for line in draft.tag_lines for t in segment_tags(line, text, rules.tag_separators))
    return list(dict.fromkeys(found))
