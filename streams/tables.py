"""Every Faust table, declared once: changelog-backed state of the stateful steps.

Keys are the message key of the step's source topic and values the step's
state encoded with orjson, both as bytes: the ``raw`` codec keeps a table key
byte-identical to the topic key, so ``table_route`` hashes it to the partition
that really holds it (a JSON-encoded key would hash elsewhere).

The stores hold whole entries. The changelogs of the tables in ``rows.ROWS``
hold their entries' rows instead, and their recovery folds the rows back into
whole entries (``streams.pipeline.rows``).
"""

from __future__ import annotations

import faust
from faust.types import TableT

from streams import faust_internals
from streams.pipeline.rows import ROWS
from streams.pipeline.steps import TABLES
from streams.settings import Settings


def declare_tables(app: faust.App, settings: Settings) -> dict[str, TableT]:
    tables = {
        name: app.Table(
            name,
            key_type=bytes,
            value_type=bytes,
            partitions=settings.partitions,
            help=f"state of the {name} step",
        )
        for name in TABLES
    }
    for name, codec in ROWS.items():
        faust_internals.fold_changelog_rows(tables[name], codec)
    return tables
