"""Every Faust table, declared once: changelog-backed state of the stateful steps.

Keys are the message key of the step's source topic and values the step's
state encoded with orjson, both as bytes: the ``raw`` codec keeps a table key
byte-identical to the topic key, so ``table_route`` hashes it to the partition
that really holds it (a JSON-encoded key would hash elsewhere).

The workers write the changelogs themselves, a record per table partition per
flush, and recovery reads them back (``streams.changelog``).
"""

from __future__ import annotations

import faust
from faust.types import TableT

from streams import faust_internals
from streams.changelog import TableLog
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
    for name, table in tables.items():
        faust_internals.keep_changelog(table, TableLog(name))
    return tables
