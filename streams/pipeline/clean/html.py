"""HTML pages: the main content as paragraph lines, plus the page's metadata.

The main content comes from trafilatura (``bare_extraction``, metadata off):
chosen by ``scripts/eval_clean.py`` on the article-extraction benchmark pages,
where trafilatura's extraction followed by newsflow's line rules scores above
trafilatura alone (figures in that script's docstring). Its plain text holds
one paragraph per line, which is what the line rules expect. Metadata is read
separately, and much faster, by ``metadata.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser
from selectolax.lexbor import LexborNode as Node

from streams.pipeline.clean.guard import tame_html
from streams.pipeline.clean.metadata import PageMetadata, read_metadata
from streams.pipeline.clean.rules import Kind, classify, page_rules


@dataclass(frozen=True, slots=True)
class HtmlLimits:
    """Bounds on what the extractor is given (the lead maps them to settings)."""

    max_html_chars: int = 5_000_000
    # See guard.py: more tags are cut off, deeper pages are flattened.
    max_tags: int = 20_000
    max_depth: int = 200
    max_related: int = 30


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    metadata: PageMetadata
    related_headlines: list[str]


def extract_html(html: str, limits: HtmlLimits | None = None) -> Extracted:
    limits = limits or HtmlLimits()
    html = tame_html(html[: limits.max_html_chars], max_depth=limits.max_depth, max_tags=limits.max_tags)
    tree = LexborHTMLParser(html)
    return Extracted(
        text=main_text(html),
        metadata=read_metadata(tree),
        related_headlines=related_lists(tree, limits.max_related),
    )


def related_lists(tree: LexborHTMLParser, limit: int) -> list[str]:
    """Headlines of the lists under a related-list heading (``<h3>مقالات ذات صلة</h3><ul>``).

    The main-content extractor drops these lists with the rest of the page
    furniture, but they are what ``related_headlines`` is for.
    """
    rules = page_rules()
    found: list[str] = []
    for heading in tree.css("h2, h3, h4, h5, h6"):
        label = " ".join((heading.text() or "").split())
        if not label or len(label) > 60 or classify(label, rules).kind is not Kind.RELATED_HEADER:
            continue
        items = _next_list(heading)
        found.extend(t for t in (" ".join((li.text() or "").split()) for li in items) if t)
        if len(found) >= limit:
            break
    return list(dict.fromkeys(found))[:limit]


def _next_list(heading: Node) -> list[Node]:
    """The ``<li>`` of the first list after the heading, among its next few siblings."""
    node = heading.next
    for _ in range(6):
        if node is None:
            return []
        if node.tag in ("ul", "ol"):
            return node.css("li")
        if node.tag not in ("-text", "#text", "_text"):
            inner = node.css_first("ul, ol")
            return inner.css("li") if inner is not None else []
        node = node.next
    return []


def main_text(html: str) -> str:
    """The page's main content, one paragraph per line ("" when there is none)."""
    from trafilatura import bare_extraction
    from trafilatura.settings import Document

    document = bare_extraction(html, with_metadata=False, include_comments=False)
    return (document.text or "") if isinstance(document, Document) else ""
