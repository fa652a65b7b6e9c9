"""Clean: one raw page -> the articles it really contains.

``clean_page(page)`` returns the page's own article first, then each article
embedded in it (after ``إقرأ أيضاً`` / ``Read also``), with boilerplate lines
dropped, source lines turned into ``attributions``, tag lines into ``tags`` and
related-headline lists (and stray headlines between paragraphs) into
``related_headlines``. HTML pages first go through the main-content extractor
(``html.py``); from there on, text and HTML pages follow the same line rules
(``rules.py``, data in ``streams/lang/*/page.json``) and the same page reader
(``structure.py``).

A page with no article text raises ``PipelineError("no_content", stage="clean")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.pipeline.clean.html import HtmlLimits, extract_html
from streams.pipeline.clean.language import detect_language
from streams.pipeline.clean.rules import continues, page_rules
from streams.pipeline.clean.structure import Draft, StructureLimits, read_articles
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import RawPage
from streams.records import CleanArticle
from streams.text import normalize_text

STAGE = "clean"

__all__ = ["CleanLimits", "clean_page", "display_lines"]


@dataclass(frozen=True, slots=True)
class CleanLimits:
    """Bounds that keep hostile pages cheap; the lead maps them to settings."""

    # Text read from a page (text pages, or what the extractor kept).
    max_text_chars: int = 200_000
    max_lines: int = 20_000
    max_line_chars: int = 200_000
    structure: StructureLimits = field(default_factory=StructureLimits)
    html: HtmlLimits = field(default_factory=HtmlLimits)


def clean_page(page: RawPage, limits: CleanLimits | None = None) -> list[CleanArticle]:
    """The articles of one page: the page's own first, then the embedded ones."""
    limits = limits or CleanLimits()
    body, title, published_at, url, language, author = (
        page.body,
        page.title,
        page.published_at,
        page.url,
        page.language,
        page.author,
    )
    related: list[str] = []
    if page.body_format == "html":
        extracted = extract_html(body, limits.html)
        body, found, related = extracted.text, extracted.metadata, extracted.related_headlines
        title = title or found.title
        published_at = published_at or found.published_at
        url = url or found.url
        language = language or found.language
        author = author or found.author
    drafts = read_articles(
        display_lines(body[: limits.max_text_chars], limits),
        page_rules(),
        limits.structure,
        page_title=_one_line(title),
    )
    drafts[0].related.extend(related)
    if not any(d.paragraphs for d in drafts):
        raise PipelineError(
            "no_content",
            STAGE,
            "no article text left after removing boilerplate",
            article_id=page.article_id,
        )
    base = _Base(page, url, published_at, language, author)
    articles = [base.article(d, index) for index, d in enumerate(drafts) if d.paragraphs]
    return articles


@dataclass(frozen=True, slots=True)
class _Base:
    """What every article of a page inherits from it."""

    page: RawPage
    url: str | None
    published_at: str | None
    language: str | None
    author: str | None

    def article(self, draft: Draft, index: int) -> CleanArticle:
        paragraphs = [p.text for p in draft.paragraphs]
        text = "\n\n".join(paragraphs)
        embedded = index > 0
        return CleanArticle(
            article_id=f"{self.page.article_id}~e{index}" if embedded else self.page.article_id,
            parent_id=self.page.article_id if embedded else None,
            url=None if embedded else self.url,
            source=self.page.source,
            published_at=self.published_at,
            fetched_at=self.page.fetched_at,
            language=detect_language(text, self.language),
            title=draft.title,
            author=None if embedded else self.author,
            paragraphs=paragraphs,
            text=text,
            attributions=draft.attributions,
            tags=draft.tags,
            related_headlines=list(dict.fromkeys(draft.related)),
        )


def display_lines(body: str, limits: CleanLimits) -> list[str]:
    """Non-empty display-form lines, wrapped lines joined, at most ``max_lines``."""
    lines: list[str] = []
    for line in normalize_text(body).split("\n"):
        if not line:
            continue
        line = line[: limits.max_line_chars]
        if lines and continues(lines[-1], line) and len(lines[-1]) < limits.max_line_chars:
            lines[-1] = f"{lines[-1]} {line}"
            continue
        lines.append(line)
        if len(lines) >= limits.max_lines:
            break
    return lines


def _one_line(title: str | None) -> str | None:
    if not title:
        return None
    return " ".join(normalize_text(title).split()) or None
