"""Any text enriches without error, and every offset points into the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.pipeline.enrich import enrich
from streams.records import CleanArticle

_ALPHABET = st.sampled_from(list('ابتثجحخدذرزسشصضطظعغفقكلمنهويىةأإآءؤئ ًّ،."«»“”„:0123456789٠١٢ ABCxyz&\n'))


def _article(text: str, language: str | None) -> CleanArticle:
    return CleanArticle(
        article_id="x",
        parent_id=None,
        url=None,
        source=None,
        published_at=None,
        fetched_at="2024-06-25T00:00:00Z",
        language=language,
        title=None,
        paragraphs=[text],
        text=text,
    )


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet=_ALPHABET, max_size=300),
    language=st.sampled_from(["ar", None, "fr", "en", "zh", "ja", "ko", "sw"]),
)
def test_never_raises_and_offsets_hold(text: str, language: str | None) -> None:
    enriched = enrich(_article(text, language))
    for entity in enriched.entities:
        for mention in entity.mentions:
            assert text[mention.start : mention.end] == mention.text
    assert enriched.fingerprints.exact


def test_reference_date_defaults_to_fetched_at() -> None:
    enriched = enrich(_article("وصل أمس", "ar"))
    assert [d.value for d in enriched.dates] == ["2024-06-24"]
    override = enrich(_article("وصل أمس", "ar"), reference_date="2024-01-01")
    assert [d.value for d in override.dates] == ["2023-12-31"]
