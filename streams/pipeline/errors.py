"""The one error type the pipeline raises for input it cannot use.

An agent turns it into a dead letter (``{reason, stage, error, original}``) and
moves on; anything else that escapes a step is a bug, reported with reason
``internal_error`` so that the message is still kept.
"""

from __future__ import annotations

from streams.errors import NewsflowError


class PipelineError(NewsflowError):
    """Expected bad input: ``reason`` is a stable machine-readable code.

    Reasons in use: ``empty``, ``too_large``, ``undecodable``, ``invalid_json``,
    ``invalid_envelope``, ``unsupported_schema_version``, ``no_content``.
    """

    http_status = 422  # input newsflow cannot use; it becomes a dead letter, never a crash

    def __init__(self, reason: str, stage: str, message: str, article_id: str | None = None):
        super().__init__(f"{stage}: {reason}: {message}")
        self.reason = reason
        self.stage = stage
        self.message = message
        self.article_id = article_id
