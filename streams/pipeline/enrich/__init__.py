"""The enrich stage: who, where, when, how many, who said what, and what about.

``enrich(article)`` is pure: a clean article in, an enriched article out, no
I/O after the first call has loaded the language data (and, lazily, the
tagger). Each part lives in its own module; this one only runs them in order,
because quotes need the entities and quantities must skip the dates.
"""

from __future__ import annotations

from dataclasses import asdict

from streams.pipeline.dedup import fingerprints as text_fingerprints
from streams.pipeline.enrich.country import story_country
from streams.pipeline.enrich.dates import find_dates, parse_reference
from streams.pipeline.enrich.entities import find_entities
from streams.pipeline.enrich.keywords import find_keywords, stopwords
from streams.pipeline.enrich.language import detect
from streams.pipeline.enrich.quantities import find_quantities
from streams.pipeline.enrich.quotes import find_quotes
from streams.pipeline.enrich.tokens import tokenize
from streams.pipeline.similarity import content_signature
from streams.records import CleanArticle, EnrichedArticle, Fingerprints

__all__ = ["enrich"]


def enrich(
    article: CleanArticle,
    *,
    reference_date: str | None = None,
    use_tagger: bool = True,
    fingerprints: Fingerprints | None = None,
) -> EnrichedArticle:
    """Enrich one article. Relative dates resolve against ``reference_date``,
    else ``published_at``, else ``fetched_at`` (ISO 8601); with none of them, only
    what the text itself dates (``find_dates``).
    ``fingerprints``: the text's, when the caller has them already."""
    text = article.text
    guess = detect(text)
    language = article.language or guess.language
    tokens = tokenize(text)
    reference = parse_reference(reference_date or article.published_at or article.fetched_at)
    entities = find_entities(text, tokens, language, use_tagger=use_tagger)
    dates, date_tokens = find_dates(text, tokens, language, reference)
    quantities = find_quantities(
        text,
        tokens,
        language,
        date_tokens,
        stopwords(language or "ar"),
        story_country(text, tokens, language, entities),
    )
    quotes = find_quotes(text, tokens, language, entities)
    names = [(m.start, m.end) for entity in entities for m in entity.mentions]
    keywords = find_keywords(text, tokens, language, article.tags, names)
    fields = asdict(article)
    fields["language"] = language
    return EnrichedArticle(
        **fields,
        entities=entities,
        dates=dates,
        quantities=quantities,
        quotes=quotes,
        keywords=keywords,
        language_confidence=guess.confidence if guess.language == language else None,
        language_spans=guess.spans,
        fingerprints=fingerprints or text_fingerprints(text),
        content_signature=content_signature(article.title, text),
    )
