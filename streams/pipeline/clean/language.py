"""Language of one article: detected from its text, else the page's declared one.

pycld2 (about 0.1 ms an article) answers with an ISO 639-1 code; a page that
declares ``ar`` may still embed an English article, so each article is detected
on its own. When the detector is unsure, the declaration (envelope ``language``
or ``<html lang>``) stands, reduced to its primary subtag (``en-GB`` -> ``en``).
"""

from __future__ import annotations

import pycld2

# Enough text to be sure; detection cost stays flat on huge articles.
SAMPLE_CHARS = 20_000
_UNKNOWN = {"un", "xx", "xxx", ""}


def detect_language(text: str, declared: str | None) -> str | None:
    detected = _detect(text[:SAMPLE_CHARS]) if text else None
    return detected or primary_subtag(declared)


def primary_subtag(tag: str | None) -> str | None:
    """``en-GB`` / ``ar_EG`` / ``AR`` -> ``en`` / ``ar`` / ``ar``; junk -> None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha() else None


def _detect(text: str) -> str | None:
    try:
        reliable, _, details = pycld2.detect(text)
    except pycld2.error:
        try:
            reliable, _, details = pycld2.detect(
                text.encode("utf-8", "ignore").decode("utf-8"), isPlainText=True
            )
        except pycld2.error:
            return None
    code = details[0][1] if details else ""
    if not reliable or code in _UNKNOWN:
        return None
    return code.split("-")[0].lower()
