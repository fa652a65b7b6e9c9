"""What HTTP answers read out of table entries, and which keys a person may ask for."""

from __future__ import annotations

import orjson
import pytest

from streams import views
from streams.pipeline.link import index_keys
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import ENRICHED, StepContext
from streams.records import EnrichedArticle, from_dict
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def sample_articles() -> list[EnrichedArticle]:
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    return [
        from_dict(EnrichedArticle, orjson.loads(emit.value))
        for key, value in iter_messages([str(SAMPLES)])
        for emit in pipeline.feed(value, key)
        if emit.topic == ENRICHED
    ]


def test_every_key_an_answer_shows_is_asked_for_as_the_link_step_indexes_it(sample_articles):
    for article in sample_articles:
        indexed = set(index_keys(article))
        for entity in article.entities:
            key = f"entity:{entity.key}"
            assert views.index_key(entity.key) == key  # as /articles/{id} shows it: place:UA
            assert views.index_key(key) == key  # as a related article's reason shows it
        for keyword in article.keywords[:5]:
            from_article = views.index_key(keyword)  # as /articles/{id} lists it
            assert from_article in indexed, (keyword, from_article)
            assert views.index_key(from_article) == from_article  # as a reason shows it


def test_a_key_that_names_nothing_is_none():
    assert views.index_key("") is None
    assert views.index_key("keyword:") is None
    assert views.index_key("  ") is None


def test_catalog_and_graph_entries_read_through_one_place():
    entry = {
        "article": {"article_id": "a", "title": "T", "language": "en", "source": "s", "published_at": None}
    }
    verdict = {"status": "unique", "story_id": "a"}
    assert views.article_answer(entry, {"verdict": verdict}) == {
        "article": entry["article"],
        "verdict": verdict,
    }
    assert views.article_answer(entry, None) == {"article": entry["article"], "verdict": None}
    assert views.article_answer(None, {"verdict": verdict}) is None  # verdict before the article
    assert views.article_summary(entry) == {
        "title": "T",
        "language": "en",
        "source": "s",
        "published_at": None,
    }
    graph = {"at": None, "neighbours": {"b": {"story": 0.95}, "c": {"entity:place:UA": 0.5}}, "times": {}}
    assert [n["article_id"] for n in views.related_items(graph)] == ["b", "c"]
    assert views.edge_count(graph) == 2
    seen, members = views.index_members(
        {"members": [{"id": "x", "at": "1", "lang": "ar"}, {"id": "y", "at": "2", "lang": ""}], "seen": 2}
    )
    assert seen == 2 and members == [
        {"article_id": "y", "at": "2", "language": None},
        {"article_id": "x", "at": "1", "language": "ar"},
    ]
