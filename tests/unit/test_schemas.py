from streams import schema
from streams.records import EDGE_SCHEMA_VERSION, SCHEMA_VERSION


def test_schemas_are_generated_from_the_records():
    stale = schema.drift()
    assert not stale, f"schemas/ is out of date ({', '.join(stale)}): run `make schemas`"


def test_every_schema_pins_its_version(validators):
    assert set(validators) >= {
        "articles.clean",
        "articles.enriched",
        "articles.unique",
        "articles.duplicates",
        "articles.verdicts",
        "articles.dead-letter",
        "graph.edges",
    }
    for validator in validators.values():
        title = validator.schema["title"]
        if not title.startswith("HTTP"):
            version = EDGE_SCHEMA_VERSION if title == "graph.edges" else SCHEMA_VERSION
            assert validator.schema["properties"]["schema_version"] == {"const": version}
    # graph.edges changed its contract (a record per relation as it stands, not per reason)
    assert EDGE_SCHEMA_VERSION == 2
