"""The samples in ``samples/`` meet their expected files, clean fields only.

``samples/<name>.expected.json`` says what the clean stage must make of
``samples/<name>.txt`` published with the envelope in the file: per article,
the title, paragraph count, first and last paragraph, attributions, tags,
related headlines and language, and phrases that no article text may keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.pipeline.clean import clean_page
from streams.pipeline.parse import parse_raw
from streams.records import CleanArticle
from streams.text import match_tokens

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED = sorted(SAMPLES.glob("*.expected.json"))


def _page_file(expected: Path) -> Path:
    stem = expected.name.removesuffix(".expected.json")
    found = [p for p in SAMPLES.glob(stem + ".*") if p.suffix in (".txt", ".html", ".htm")]
    assert len(found) == 1, f"one input page for {expected.name}, found {found}"
    return found[0]


def _clean_with_envelope(expected: Path) -> tuple[list[CleanArticle], dict[str, Any]]:
    spec = orjson.loads(expected.read_bytes())
    body = _page_file(expected).read_text(encoding="utf-8")
    field = "html" if _page_file(expected).suffix in (".html", ".htm") else "text"
    envelope = {**spec["envelope"], field: body}
    return clean_page(parse_raw(orjson.dumps(envelope))), spec


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name)
def test_sample_meets_every_clean_field(expected: Path) -> None:
    articles, spec = _clean_with_envelope(expected)
    assert len(articles) == len(spec["articles"])
    page_id = articles[0].article_id
    for article, want in zip(articles, spec["articles"], strict=True):
        role = want["role"]
        assert article.title == want["title"], role
        assert len(article.paragraphs) == want["paragraphs"], (role, article.paragraphs)
        assert article.paragraphs[0].startswith(want["first_paragraph_starts_with"]), role
        assert article.paragraphs[-1].endswith(want["last_paragraph_ends_with"]), role
        assert article.text == "\n\n".join(article.paragraphs)
        assert article.attributions == want["attributions"], role
        if "tags" in want:
            assert article.tags == want["tags"], role
        related = want["related_headlines"]
        if isinstance(related, int):
            assert len(article.related_headlines) == related, (role, article.related_headlines)
        else:
            assert article.related_headlines == related, role
        assert article.language == want["language"], role
        if role == "embedded":
            assert article.parent_id == page_id
            assert article.article_id.startswith(page_id)
            assert article.url is None
        else:
            assert article.parent_id is None


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name)
def test_no_furniture_left_in_any_article_text(expected: Path) -> None:
    articles, spec = _clean_with_envelope(expected)
    for article in articles:
        for phrase in spec["not_in_any_article_text"]:
            assert phrase not in article.text, (article.article_id, phrase)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name)
def test_bare_page_gives_the_same_articles_as_the_envelope(expected: Path) -> None:
    with_envelope, _ = _clean_with_envelope(expected)
    bare = clean_page(parse_raw(_page_file(expected).read_bytes()))
    assert [a.paragraphs for a in bare] == [a.paragraphs for a in with_envelope]
    assert [a.related_headlines for a in bare] == [a.related_headlines for a in with_envelope]


def test_arabic_page_keeps_the_envelope_fields() -> None:
    articles, spec = _clean_with_envelope(SAMPLES / "ar-page-two-articles.expected.json")
    page, embedded = articles
    envelope = spec["envelope"]
    assert page.article_id == envelope["id"]
    assert embedded.article_id == envelope["id"] + "~e1"
    assert page.url == envelope["url"]
    assert page.source == embedded.source == envelope["source"]
    assert page.published_at == embedded.published_at == envelope["published_at"]


def test_repost_body_equals_the_original_body() -> None:
    """Dedup compares bodies: the re-post must clean to the original's exact text."""
    original = clean_page(parse_raw((SAMPLES / "ar-page-two-articles.txt").read_bytes()))[0]
    repost = clean_page(parse_raw((SAMPLES / "ar-repost.json").read_bytes()))
    assert len(repost) == 1
    assert repost[0].text == original.text
    assert repost[0].attributions == ["البوابة نيوز"]


def test_near_duplicate_differs_but_matches_mostly() -> None:
    original = clean_page(parse_raw((SAMPLES / "ar-page-two-articles.txt").read_bytes()))[0]
    near = clean_page(parse_raw((SAMPLES / "ar-near-duplicate.json").read_bytes()))
    assert len(near) == 1 and near[0].text != original.text
    assert near[0].title and near[0].title != original.title
    a, b = match_tokens(original.text), match_tokens(near[0].text)
    shingles_a = {tuple(a[i : i + 4]) for i in range(len(a) - 3)}
    shingles_b = {tuple(b[i : i + 4]) for i in range(len(b) - 3)}
    assert len(shingles_a & shingles_b) / len(shingles_a | shingles_b) > 0.8


def test_feed_lines_clean_or_fail_with_a_reason() -> None:
    from streams.pipeline.errors import PipelineError

    outcomes = []
    for line in (SAMPLES / "feed.jsonl").read_bytes().splitlines():
        try:
            outcomes.append([a.language for a in clean_page(parse_raw(line))])
        except PipelineError as error:
            outcomes.append(error.reason)
    assert outcomes == [["en"], ["ar"], "invalid_json"]
