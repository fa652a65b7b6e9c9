from streams import schema


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
        if not validator.schema["title"].startswith("HTTP"):
            assert validator.schema["properties"]["schema_version"] == {"const": 1}
