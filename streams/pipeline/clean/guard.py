"""Make hostile HTML cheap before any parser sees it.

Both lxml (under trafilatura) and lexbor (under selectolax) slow down badly on
deep nesting: 100,000 nested ``<div>`` took lexbor 90 s and trafilatura over
two minutes, and lxml silently gives up past depth 255. One linear scan of
the tags, before parsing, bounds both:

* past ``max_tags`` tags the page is cut (a real article page has a few
  thousand; the benchmark's largest about 1,600 elements);
* deeper than ``max_depth`` the page is flattened: every tag but the few that
  carry text structure (``p``, headings, lists, ``br``, ``blockquote`` ...)
  is dropped, so the text survives with its paragraphs.

Tags that browsers close on their own (``p``, ``li``, ``td`` ...) and void
tags do not count towards depth, so sloppy but ordinary pages pass untouched.
"""

from __future__ import annotations

import re

# Bounded attribute run, no nested quantifiers: linear over the page.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]{0,30})(?:\s[^<>]{0,4000})?(/?)>")
_VOID = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    )
)
_AUTO_CLOSED = frozenset(
    ("p", "li", "dt", "dd", "td", "th", "tr", "option", "tbody", "thead", "tfoot", "rp", "rt")
)
_NOT_NESTING = _VOID | _AUTO_CLOSED
_KEEP = frozenset(
    (
        "html",
        "head",
        "body",
        "title",
        "meta",
        "link",
        "script",
        "style",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "br",
        "blockquote",
        "pre",
        "time",
    )
)


def tame_html(html: str, *, max_depth: int, max_tags: int) -> str:
    """``html`` cut after ``max_tags`` tags and flattened when deeper than ``max_depth``."""
    depth = deepest = 0
    for count, match in enumerate(_TAG.finditer(html), 1):
        if count > max_tags:
            html = html[: match.start()]
            break
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NOT_NESTING:
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    if deepest > max_depth:
        html = _TAG.sub(_keep_structure, html)
    return html


def _keep_structure(match: re.Match[str]) -> str:
    return match.group(0) if match.group(2).lower() in _KEEP else " "
