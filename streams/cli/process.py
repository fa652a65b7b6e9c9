"""``newsflow process``: the pipeline in this process, one JSON line per message it emits."""

from __future__ import annotations

import argparse
import sys

from streams.settings import Settings
from streams.sources import iter_messages

NAME = "process"
HELP = "Run the pipeline in-process on files, print every emitted message."
EPILOG = """examples:
  newsflow process samples/ | jq -c 'select(.topic == "articles.duplicates")'
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH")


def command(args: argparse.Namespace, settings: Settings) -> int:
    # heavy: the pipeline's models
    from streams.pipeline.process import InProcessPipeline, as_json_line
    from streams.pipeline.steps import PUBLIC_TOPICS, StepContext

    pipeline = InProcessPipeline(StepContext.from_settings(settings))
    out = sys.stdout.buffer
    for key, value in iter_messages(args.paths):
        for emit in pipeline.feed(value, key):
            if emit.topic in PUBLIC_TOPICS:  # through-topics are an implementation detail
                out.write(as_json_line(emit) + b"\n")
    out.flush()
    return 0
