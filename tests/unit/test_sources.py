import orjson
import pytest

from streams.sources import iter_messages


def test_each_file_kind_becomes_the_right_messages(tmp_path):
    (tmp_path / "a.json").write_bytes(orjson.dumps([{"id": "1", "text": "x"}, {"id": "2", "text": "y"}]))
    (tmp_path / "b.jsonl").write_bytes(b'{"id": "3", "text": "z"}\n\n{broken\n')
    (tmp_path / "c.html").write_bytes(b"<html><p>page</p></html>")
    (tmp_path / "c.expected.json").write_bytes(b"{}")
    messages = list(iter_messages([str(tmp_path)]))
    assert [key for key, _ in messages] == [b"1", b"2", b"3", None, None]
    assert messages[3][1] == b"{broken" and messages[4][1].startswith(b"<html>")


def test_a_sidecar_gives_a_page_its_envelope(tmp_path):
    (tmp_path / "page.txt").write_text("نص الصفحة", encoding="utf-8")
    meta = {"id": "p1", "published_at": "2024-01-01T00:00:00Z"}
    (tmp_path / "page.meta.json").write_bytes(orjson.dumps(meta))
    [(key, value)] = list(iter_messages([str(tmp_path)]))
    assert key == b"p1"
    assert orjson.loads(value) == {"id": "p1", "published_at": "2024-01-01T00:00:00Z", "text": "نص الصفحة"}


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        list(iter_messages([str(tmp_path / "nope")]))
