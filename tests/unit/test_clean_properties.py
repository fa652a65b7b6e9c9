"""Property tests of the clean stage's pure functions (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.pipeline.clean import clean_page
from streams.pipeline.clean.guard import tame_html
from streams.pipeline.clean.rules import classify, split_list
from streams.pipeline.clean.tags import segment_tags
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import RawPage
from streams.text import normalize_text

WORDS = [
    "المصدر:",
    "كلمات دلالية:",
    "إقرأ أيضاً:",
    "مقالات مشابهة",
    "Source:",
    "Tags:",
    "Read also",
    "Related",
    "•",
    "وزير",
    "الدفاع",
    "said",
    "the",
    "minister",
    ".",
    "،",
    "\n",
    "\n\n",
    "1.",
    "تابع أحدث الأخبار عبر تطبيق",
    "Sign up for our newsletter",
    "\u00a0",
    "\u200f",
    "ـ",
]
page_text = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=120).map(" ".join)


def _page(body: str, body_format: str = "text") -> RawPage:
    return RawPage(
        article_id="p1",
        url=None,
        source="s",
        published_at=None,
        fetched_at=None,
        title=None,
        language="ar",
        body=body,
        body_format=body_format,  # type: ignore[arg-type]
    )


@settings(max_examples=300, deadline=None)
@given(page_text)
def test_clean_page_gives_consistent_articles_or_no_content(body: str) -> None:
    try:
        articles = clean_page(_page(body))
    except PipelineError as error:
        assert error.reason == "no_content" and error.stage == "clean"
        return
    assert articles[0].article_id == "p1" or articles[0].parent_id == "p1"
    for index, article in enumerate(articles):
        assert article.paragraphs and all(p.strip() for p in article.paragraphs)
        assert article.text == "\n\n".join(article.paragraphs)
        assert all(normalize_text(p) == p for p in article.paragraphs)
        assert all("\n" not in h for h in article.related_headlines)
        if index and article.parent_id:
            assert article.article_id.startswith("p1~e")


@settings(max_examples=100, deadline=None)
@given(page_text)
def test_clean_page_on_html_never_raises_anything_else(body: str) -> None:
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n")) + "</body></html>"
    try:
        clean_page(_page(html, "html"))
    except PipelineError as error:
        assert error.reason == "no_content"


@given(st.text(min_size=1, max_size=200).map(normalize_text).filter(str.strip))
def test_classify_is_total(line: str) -> None:
    classify(line.strip().split("\n")[0] or "x")


@given(st.text(max_size=200), st.lists(st.sampled_from(["+", "،", ",", "|", " / "]), max_size=4))
def test_split_list_gives_no_empty_items(text: str, separators: list[str]) -> None:
    assert all(item.strip() for item in split_list(text, tuple(separators)))


@given(
    st.lists(st.sampled_from(["الدفاع", "الروسي", "أوكرانيا", "Red", "Sea", "coral"]), max_size=12),
    st.text(max_size=200),
)
def test_tags_without_separators_keep_every_word_in_order(words: list[str], article: str) -> None:
    line = " ".join(words)
    tags = segment_tags(line, article, (",",))
    rebuilt = " ".join(tags).split()
    assert set(rebuilt) == set(words)
    assert len(tags) == len(set(tags))


@given(st.text(alphabet='<>/divspa "=x', max_size=400), st.integers(1, 20))
def test_tame_html_only_shrinks(html: str, depth: int) -> None:
    tamed = tame_html(html, max_depth=depth, max_tags=50)
    assert len(tamed) <= len(html)
    assert tame_html(tamed, max_depth=depth, max_tags=50) == tamed
