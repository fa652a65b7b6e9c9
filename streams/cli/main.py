"""The ``newsflow`` command: its parser, and the exit status each error ends it with."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from streams.cli import graph, ingest, process, run, schemas, stats, tail, worker
from streams.errors import EXIT_BUG, EXIT_USAGE, NewsflowError
from streams.logs import configure_cli
from streams.settings import Settings

# In the order ``newsflow --help`` lists them.
COMMANDS = (run, worker, ingest, process, tail, graph, stats, schemas)
# ``run`` and ``worker`` set up the logging of their workers themselves.
OWN_LOGGING = (run.command, worker.command)
# Errors not newsflow's own that a user fixes by changing the command: a path.
FILE_ERRORS = (FileNotFoundError, IsADirectoryError, PermissionError)

EPILOG = """examples:
  newsflow run --ingest samples/      try it: embedded broker, a worker, the samples
  newsflow stats                      what a running worker did (also: /dashboard)
  newsflow COMMAND --help             examples for each command

Configuration: NEWSFLOW_* environment variables (see README)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and the exit code 2), not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command not in OWN_LOGGING:
            configure_cli(settings)
        result: int = args.command(args, settings)
        return result
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsflow process ... | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        code = exit_code(exc)
        if code != EXIT_BUG:
            fail(exc)
            return code
        if settings_debug():
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (NEWSFLOW_LOG_LEVEL=debug shows the traceback)")
        return EXIT_BUG


def exit_code(error: Exception) -> int:
    """The status ``newsflow`` exits with when ``error`` ends a command (README, "Command line")."""
    if isinstance(error, NewsflowError):
        return error.exit_code
    if isinstance(error, FILE_ERRORS):
        return EXIT_USAGE
    return EXIT_BUG


def fail(problem: object) -> None:
    """One line on stderr: what went wrong and, where we know it, what to do."""
    text = " ".join(str(problem).split()) or type(problem).__name__
    print(f"newsflow: {text}", file=sys.stderr)


def settings_debug() -> bool:
    try:
        return Settings.from_env().log_level.lower() == "debug"
    except Exception:  # deciding how to report an error must not raise another
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsflow",
        description="Stream processor for news articles: clean, enrich, deduplicate, link.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        command = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.HELP,
            epilog=module.EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(command=module.command)
    return parser
