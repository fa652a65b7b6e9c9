"""What HTTP answers read out of table entries, and which keys a person may ask for.

Each entry is read by the module whose step writes it (``link``, ``stories``).
"""

from __future__ import annotations

import orjson
import pytest

from streams.pipeline import graph, link, stories
from streams.pipeline.link import index_key_for, index_keys
from streams.pipeline.process import InProcessPipeline
from streams.pipeline.steps import ENRICHED, StepContext
from streams.records import EnrichedArticle, from_dict
from streams.settings import Settings
from streams.sources import iter_messages
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def sample_run() -> tuple[InProcessPipeline, list[EnrichedArticle]]:
    pipeline = InProcessPipeline(StepContext.from_settings(Settings()))
    articles = [
        from_dict(EnrichedArticle, orjson.loads(emit.value))
        for key, value in iter_messages([str(SAMPLES)])
        for emit in pipeline.feed(value, key)
        if emit.topic == ENRICHED
    ]
    return pipeline, articles


@pytest.fixture(scope="module")
def sample_articles(sample_run) -> list[EnrichedArticle]:
    return sample_run[1]


def test_every_key_an_answer_shows_is_asked_for_as_the_link_step_indexes_it(sample_articles):
    for article in sample_articles:
        indexed = set(index_keys(article))
        for entity in article.entities:
            key = f"entity:{entity.key}"
            assert index_key_for(entity.key) == key  # as /articles/{id} shows it: place:UA
            assert index_key_for(key) == key  # as a related article's reason shows it
        for keyword in article.keywords[:5]:
            from_article = index_key_for(keyword)  # as /articles/{id} lists it
            assert from_article in indexed, (keyword, from_article)
            assert index_key_for(from_article) == from_article  # as a reason shows it


def test_a_key_that_names_nothing_is_none():
    assert index_key_for("") is None
    assert index_key_for("keyword:") is None
    assert index_key_for("  ") is None


def test_catalog_and_graph_entries_read_beside_the_steps_that_write_them():
    entry = {
        "article": {"article_id": "a", "title": "T", "language": "en", "source": "s", "published_at": None}
    }
    verdict = {"status": "unique", "story_id": "a"}
    assert stories.article_view(entry, {"verdict": verdict}) == {
        "article": entry["article"],
        "verdict": verdict,
    }
    assert stories.article_view(entry, None) == {"article": entry["article"], "verdict": None}
    assert stories.article_view(None, {"verdict": verdict}) is None  # verdict before the article
    assert stories.article_summary(entry) == {
        "title": "T",
        "language": "en",
        "source": "s",
        "published_at": None,
    }
    entry = {
        "at": None,
        "neighbours": {"b": {"story": 0.95}, "c": {"entity:place:UA": 0.25, "similar:0.50": 0.375}},
        "times": {},
    }
    assert [n["article_id"] for n in graph.neighbours(entry)] == ["b", "c"]
    assert graph.edge_count(entry) == 2
    seen, members = link.index_members(
        {"members": [{"id": "x", "at": "1", "lang": "ar"}, {"id": "y", "at": "2", "lang": ""}], "seen": 2}
    )
    assert seen == 2 and members == [
        {"article_id": "y", "at": "2", "language": None},
        {"article_id": "x", "at": "1", "language": "ar"},
    ]


def test_empty_entries_read_as_nothing():
    assert stories.article_summary(None) is None and stories.article_summary({"article": None}) is None
    assert graph.neighbours(None) == [] and graph.edge_count(None) == 0
    assert link.index_members(None) == (0, []) and link.index_members({}) == (0, [])


def test_every_view_reads_what_its_step_wrote(sample_run):
    """The sample run's tables, read as the HTTP answers read them."""
    pipeline, articles = sample_run
    for article in articles:
        entry = pipeline.state("articles", article.article_id)
        answer = stories.article_view(entry, pipeline.state("catalog", article.article_id))
        assert answer is not None and answer["article"]["article_id"] == article.article_id
        assert answer["verdict"]["article_id"] == article.article_id
        assert stories.article_summary(entry) == {f: getattr(article, f) for f in stories.SUMMARY_FIELDS}
    related = pipeline.tables["related_graph"]
    assert related, "the samples relate some articles"
    for article_id in related:
        state = pipeline.state("related_graph", article_id)
        best_first = graph.neighbours(state, 0.0)
        assert len(best_first) == graph.edge_count(state) > 0
        assert [n["score"] for n in best_first] == sorted((n["score"] for n in best_first), reverse=True)
    index = pipeline.tables["graph_index"]
    assert index, "the samples name entities"
    for key in index:
        seen, members = link.index_members(pipeline.state("graph_index", key))
        assert seen == len(members) > 0
        assert {m["article_id"] for m in members} <= {a.article_id for a in articles}
