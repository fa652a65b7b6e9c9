"""The root of newsflow's own errors, and what each one means to whoever called.

Every error newsflow raises on purpose derives from ``NewsflowError`` and says
once, as two class attributes, how it ends a ``newsflow`` command (the exit
status the README's "Command line" section promises) and an HTTP request to a
worker. Nothing else maps an error to a status.
"""

from __future__ import annotations

EXIT_BUG = 1  # not the user's to fix: reported as unexpected, traceback at log level debug
EXIT_USAGE = 2  # a bad argument, setting or file: fixed by changing the command
EXIT_UNREACHABLE = 3  # no broker or worker answered at the address given


class NewsflowError(Exception):
    """An error newsflow raises on purpose; subclasses set how it ends a command and a request."""

    exit_code: int = EXIT_BUG
    http_status: int = 500
