"""parse_raw: every input form and charset, and the reasons for bad input."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.pipeline.charset import declared_charset, decode
from streams.pipeline.errors import PipelineError
from streams.pipeline.parse import Limits, canonical_url, looks_like_html, parse_raw

ARABIC = "قالت وزارة الصحة إن عدد الحالات تراجع خلال الأسبوع الماضي بنسبة كبيرة في معظم المحافظات."
WESTERN = "Café owners say the “terrace fee” – up to €45 a table – is unfair, said Hélène."


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1256", "iso8859_6"])
def test_arabic_text_page_in_any_common_charset(codec: str) -> None:
    page = parse_raw((ARABIC + "\n").encode(codec))
    assert page.body.strip() == ARABIC and page.body_format == "text"


@pytest.mark.parametrize("codec", ["utf-8", "cp1252"])
def test_western_text_page(codec: str) -> None:
    assert parse_raw(WESTERN.encode(codec)).body == WESTERN


def test_declared_charset_wins_over_detection() -> None:
    html = f'<html><head><meta charset="windows-1256"></head><body><p>{ARABIC}</p></body></html>'
    page = parse_raw(html.encode("cp1256"))
    assert page.body_format == "html" and ARABIC in page.body


def test_latin1_label_reads_as_windows_1252() -> None:
    raw = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>“x”</p>'
    assert "“x”" in decode(raw.encode("cp1252"))


def test_envelope_in_windows_1256_with_its_charset_field() -> None:
    envelope = orjson.dumps({"id": "a1", "text": ARABIC, "charset": "windows-1256"}).decode()
    assert parse_raw(envelope.encode("cp1256")).body == ARABIC


def test_declared_charset_is_read_from_meta_and_envelope() -> None:
    assert declared_charset(b'<meta charset="UTF-8">') == "utf-8"
    assert declared_charset(b'{"content_type": "text/html; charset=windows-1256"}') == "windows-1256"
    assert declared_charset(b"<p>nothing</p>") is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b'{"id": "x", "text": "cut', "invalid_json"),
        (b"[1, 2]", "invalid_envelope"),
        (b'{"id": "x", "text": 5}', "invalid_envelope"),
        (b'{"id": "x", "text": "a", "published_at": "yesterday"}', "invalid_envelope"),
        (b'{"id": "x", "title": "no body"}', "empty"),
        (b'{"id": "x", "text": "a", "schema_version": 99}', "unsupported_schema_version"),
        (bytes(range(32)) * 100, "undecodable"),
    ],
)
def test_bad_input_has_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(PipelineError) as caught:
        parse_raw(raw)
    assert caught.value.reason == reason and caught.value.stage == "parse"


def test_limits() -> None:
    with pytest.raises(PipelineError, match="too_large"):
        parse_raw(b"x" * 101, limits=Limits(max_message_bytes=100))
    with pytest.raises(PipelineError, match="too_large"):
        parse_raw(b"x" * 101, limits=Limits(max_text_chars=100))
    html = b"<html><body>" + b"<p>x</p>" * 100 + b"</body></html>"
    assert parse_raw(html, limits=Limits(max_text_chars=100)).body_format == "html"


def test_ids_from_envelope_url_or_content() -> None:
    assert parse_raw(b'{"id": 7, "text": "a"}').article_id == "7"
    by_url = parse_raw(b'{"url": "https://A.example/x/?utm_source=t#top", "text": "a"}')
    same = parse_raw(b'{"url": "https://a.example/x", "text": "b"}')
    assert by_url.article_id == same.article_id and by_url.article_id.startswith("u")
    assert parse_raw(b"some text").article_id == parse_raw(b"some  text").article_id


def test_canonical_url_and_html_sniffing() -> None:
    assert canonical_url("HTTPS://News.Example/a/?utm_medium=x&b=1#c") == "https://news.example/a?b=1"
    assert looks_like_html(b"<!-- c --><!DOCTYPE html><html>")
    assert not looks_like_html("نص عادي".encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_page_or_a_reason(raw: bytes) -> None:
    try:
        page = parse_raw(raw)
    except PipelineError as error:
        assert error.reason
    else:
        assert page.article_id and page.body.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=500).filter(str.strip))
def test_utf8_text_round_trips(text: str) -> None:
    try:
        page = parse_raw(text.encode("utf-8"))
    except PipelineError as error:
        assert error.reason in {
            "undecodable",
            "invalid_json",
            "invalid_envelope",
            "empty",
            "unsupported_schema_version",
        }
    else:
        # A byte-order mark opening the payload marks its encoding, it is not text.
        assert page.body == text.removeprefix("\ufeff") or page.body_format == "html"
