"""``newsflow schemas``: write schemas/ from streams/records.py, or check it is up to date."""

from __future__ import annotations

import argparse
from pathlib import Path

from streams.cli.errors import CliError
from streams.settings import Settings

NAME = "schemas"
HELP = "Write schemas/ from streams/records.py."
EPILOG = """examples:
  newsflow schemas             regenerate schemas/*.schema.json
  newsflow schemas --check     exit 2 if they are out of date (CI)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="fail if schemas/ is out of date")


def command(args: argparse.Namespace, settings: Settings) -> int:
    from streams import schema  # heavy: numpy, through the pipeline modules it reads field names from

    if args.check:
        stale = schema.drift()
        if stale:
            raise CliError(f"schemas out of date: {', '.join(stale)}; run 'newsflow schemas'")
        print("schemas up to date")
        return 0
    for path in schema.write():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0
