"""Hostile input: every page gives articles or a ``PipelineError`` within bounded time.

Nothing here may hang or crash a worker: deep nesting, huge pages, unclosed
tags, script and entity floods, a megabyte without a space, and strings built
to make regular expressions backtrack.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from streams.pipeline.clean import CleanLimits, clean_page
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import Limits, RawPage, parse_raw
from streams.records import CleanArticle

# CPU seconds of this process (other processes on a loaded machine do not count); each
# case takes under 3 here: a quadratic path would take minutes.
SECONDS = 10.0
PARAGRAPH = "<p>The council approved the budget on Tuesday after a long debate.</p>"


def _run(raw: bytes, limits: Limits | None = None) -> list[CleanArticle] | PipelineError:
    start = time.process_time()
    try:
        result: list[CleanArticle] | PipelineError = clean_page(parse_raw(raw, limits=limits or Limits()))
    except PipelineError as error:
        result = error
    assert time.process_time() - start < SECONDS
    return result


def _html(body: str) -> bytes:
    return f"<!doctype html><html><body>{body}</body></html>".encode()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "nested_100000_deep": lambda: _html("<div>" * 100_000 + PARAGRAPH + "</div>" * 100_000),
    "nested_unclosed_100000": lambda: _html("<div><span>" * 50_000 + PARAGRAPH),
    "unclosed_paragraphs": lambda: _html("<p>word and another word" * 50_000),
    "script_flood": lambda: _html("<script>var a = '<p>x</p>';</script>" * 50_000 + PARAGRAPH),
    "style_flood": lambda: _html("<style>p { color: red }</style>" * 50_000 + PARAGRAPH),
    "entity_flood": lambda: _html("<p>" + "&amp;&#x41;&eacute;" * 200_000 + "</p>"),
    "line_of_1mb_no_spaces": lambda: b"a" * 999_000,
    "arabic_line_no_spaces": lambda: ("ب" * 499_000).encode(),
    "comment_flood": lambda: _html("<!--" * 200_000),
    "attribute_flood": lambda: _html("<p " + 'a="b" ' * 400_000 + ">text</p>"),
    "many_short_lines": lambda: ("سطر قصير\n" * 200_000).encode(),
    "marker_bait": lambda: ("المصدر:" + " +" * 300_000).encode(),
    "tag_bait": lambda: ("Tags: " + "a " * 300_000).encode(),
    "punctuation_bait": lambda: (". " * 400_000 + "end").encode(),
    "meta_charset_bait": lambda: b"<html><head><meta " + b" " * 1_000_000 + b"charset" * 1000,
    "json_envelope_deep": lambda: b'{"text": "' + b"[" * 1_000_000 + b'"}',
    "json_nested_arrays": lambda: b"[" * 1_000_000,
    "binary_noise": lambda: bytes(range(256)) * 10_000,
    "null_bytes_in_text": lambda: b"The vote passed.\x00\x00\x00" * 1000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_a_result_or_a_reason_in_bounded_time(name: str) -> None:
    result = _run(HOSTILE[name]())
    if isinstance(result, PipelineError):
        assert result.reason in {
            "empty",
            "too_large",
            "undecodable",
            "invalid_json",
            "invalid_envelope",
            "no_content",
        }
    else:
        assert all(isinstance(a, CleanArticle) for a in result)


def test_a_50_mb_page_is_too_large_at_once() -> None:
    result = _run(b"<html><body>" + b"<p>news</p>" * 5_000_000)
    assert isinstance(result, PipelineError) and result.reason == "too_large"


def test_a_50_mb_body_given_to_clean_directly_stays_bounded() -> None:
    """Even past the door, the clean stage caps what it reads."""
    for body_format, body in (("text", "word " * 10_000_000), ("html", "<p>w</p>" * 6_000_000)):
        page = RawPage(
            article_id="big",
            url=None,
            source=None,
            published_at=None,
            fetched_at=None,
            title=None,
            language=None,
            body=body,
            body_format=body_format,
        )
        start = time.process_time()
        with contextlib.suppress(PipelineError):
            clean_page(page, CleanLimits())
        assert time.process_time() - start < SECONDS


def test_deeply_nested_page_still_yields_its_text() -> None:
    result = _run(_html("<div>" * 2_000 + PARAGRAPH * 3 + "</div>" * 2_000))
    assert not isinstance(result, PipelineError)
    assert "budget" in result[0].text
