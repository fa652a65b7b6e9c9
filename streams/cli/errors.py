"""The CLI's own errors: a problem the user can fix, and a worker that does not answer."""

from __future__ import annotations

from streams.errors import EXIT_UNREACHABLE, EXIT_USAGE, NewsflowError


class CliError(NewsflowError):
    """A problem the user can fix; printed as one line."""

    exit_code = EXIT_USAGE
    http_status = 400


class WorkerUnreachable(CliError):
    """No newsflow worker answered at the address asked (like an unreachable broker)."""

    exit_code = EXIT_UNREACHABLE
    http_status = 503
