"""Bytes to text, for pages in whatever encoding a scraper stored them.

Order, first answer wins:

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. the declared charset: the caller's (envelope ``charset`` / ``content_type``)
   or the page's own (``<meta charset>``, ``http-equiv``, ``<?xml encoding>``),
   decoded strictly, so a wrong declaration falls through instead of garbling;
3. UTF-8, strictly;
4. the single-byte charsets news sites still use: windows-1256 and
   ISO-8859-6 (Arabic) and windows-1252 (Western), told apart by
   charset-normalizer restricted to those three (about 1 ms; the
   unrestricted detector takes 100 ms and mistakes windows-1252 for cp775);
5. charset-normalizer over every charset.

Text that decodes but is mostly control characters is binary, not a page:
``PipelineError("undecodable")``, like text that decodes in no charset.
"""

from __future__ import annotations

import codecs
import re

from streams.pipeline.errors import PipelineError

STAGE = "parse"
COMMON_SINGLE_BYTE = ("cp1256", "iso8859_6", "cp1252")
# Detection looks at this much; a page's charset shows well before its end.
DETECT_BYTES = 200_000
# Share of C0 control characters (other than tab and newlines) that makes text binary.
MAX_CONTROL_SHARE = 0.05

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do we.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso8859-1": "cp1252",
    "l1": "cp1252",
}
_LABEL = rb"[\"']?\s*([A-Za-z0-9_:.-]{1,40})"
_HTML_CHARSET = re.compile(rb"<meta\b[^>]{0,300}?charset\s*=\s*" + _LABEL, re.I)
_XML_ENCODING = re.compile(rb"<\?xml\b[^>]{0,200}?encoding\s*=\s*" + _LABEL, re.I)
_ENVELOPE_CHARSET = re.compile(rb'"charset"\s{0,20}:\s{0,20}"([A-Za-z0-9_:.-]{1,40})"')
_CONTENT_TYPE_CHARSET = re.compile(
    rb'"content_type"\s{0,20}:\s{0,20}"[^"]{0,100}?charset=([A-Za-z0-9_:.-]{1,40})'
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def split_bom(value: bytes) -> tuple[str | None, bytes]:
    """(codec, bytes without the mark) when ``value`` starts with a byte-order mark."""
    for bom, codec in _BOMS:
        if value.startswith(bom):
            return codec, value[len(bom) :]
    return None, value


def declared_charset(value: bytes) -> str | None:
    """The charset a page or an envelope declares in its first 4 KB, if any."""
    head = value[:4096]
    for pattern in (_ENVELOPE_CHARSET, _CONTENT_TYPE_CHARSET, _HTML_CHARSET, _XML_ENCODING):
        found = pattern.search(head)
        if found:
            return found.group(1).decode("ascii").strip().lower()
    return None


def decode(value: bytes, declared: str | None = None) -> str:
    """Bytes to text by the order of the module docstring, or ``PipelineError``."""
    bom_codec, value = split_bom(value)
    if bom_codec:
        return _checked(_strict(value, bom_codec), bom_codec)
    for codec in (declared, declared_charset(value), "utf-8"):
        text = _strict(value, _ALIASES.get(codec or "", codec))
        if text is not None:
            return _checked(text, codec)
    codec = _detect(value, COMMON_SINGLE_BYTE) or _detect(value, None)
    return _checked(_strict(value, codec), codec)


def _strict(value: bytes, codec: str | None) -> str | None:
    if not codec:
        return None
    try:
        return value.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(value: bytes, candidates: tuple[str, ...] | None) -> str | None:
    from charset_normalizer import from_bytes

    sample = value[:DETECT_BYTES]
    isolation = list(candidates) if candidates else None
    best = from_bytes(sample, cp_isolation=isolation).best()
    if best is None or best.encoding is None:
        return None
    # The sample may cut a multi-byte character; the whole must decode too.
    return best.encoding if _strict(value, best.encoding) is not None else None


def _checked(text: str | None, codec: str | None) -> str:
    if text is None:
        raise PipelineError(
            "undecodable",
            STAGE,
            "not valid in any charset tried" + (f" (declared or detected: {codec})" if codec else ""),
        )
    sample = text[:100_000]
    if sample and len(_CONTROL.findall(sample)) > MAX_CONTROL_SHARE * len(sample):
        raise PipelineError(
            "undecodable", STAGE, f"decodes as {codec or 'text'} but is mostly control characters"
        )
    return text
