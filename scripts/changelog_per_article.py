"""Changelog records and bytes per article, per table, as the runner writes them, in-process.

``python scripts/changelog_per_article.py [--pages N] [--batch B]`` feeds the
benchmark's generated pages (``bench.articles``) through ``newsflow process``'s
pipeline, ``B`` pages a round (the workers' micro-batches take several pages at
a time), and counts each table write's changelog records (key plus value
bytes). Tables are counted as ``Write.records`` says, or as one record of the
whole entry where there is no such method, so the figures compare across
versions. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.articles import generate_pages  # noqa: E402
from streams.pipeline.process import InProcessPipeline  # noqa: E402
from streams.pipeline.steps import RAW, Message, StepContext  # noqa: E402
from streams.settings import Settings  # noqa: E402


class Counting(InProcessPipeline):
    def __init__(self, ctx: StepContext):
        super().__init__(ctx)
        self.records: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()

    def _write(self, writes: list[Any]) -> None:
        for write in writes:
            records = write.records() if hasattr(write, "records") else ((write.key, write.value),)
            for key, value in records:
                self.records[write.table] += 1
                self.bytes[write.table] += len(key) + len(value or b"")
        super()._write(writes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1, help="pages a round")
    args = parser.parse_args(argv)
    pipeline = Counting(StepContext.from_settings(Settings()))
    pages = generate_pages(args.pages)
    for start in range(0, len(pages), args.batch):
        chunk = pages[start : start + args.batch]
        for _ in pipeline.feed_messages([(RAW, Message(p.key, p.value, None)) for p in chunk]):
            pass
    n = len(pages)
    per_table = {
        table: {"records": round(pipeline.records[table] / n, 2), "bytes": round(pipeline.bytes[table] / n)}
        for table in sorted(pipeline.tables)
    }
    state = {
        table: round(sum(len(k.encode()) + len(v) for k, v in entries.items()) / n)
        for table, entries in sorted(pipeline.tables.items())
    }
    report = {
        "pages": n,
        "pages_a_round": args.batch,
        "changelog_records_per_article": round(sum(pipeline.records.values()) / n, 2),
        "changelog_bytes_per_article": round(sum(pipeline.bytes.values()) / n),
        "per_table": per_table,
        "state_bytes_per_article": state,
    }
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
