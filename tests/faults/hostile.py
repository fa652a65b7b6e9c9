"""Hostile raw messages: the corpus in ``tests/data/hostile/``, big cases built in code,
seeded mutations of good messages, and hypothesis strategies.

Shared by the fast in-process test (``tests/unit/test_hostile_in_process.py``)
and the fuzz test against a real worker (``tests/faults/test_hostile.py``).
Each corpus file is one message, exact bytes; big cases are built here so the
repository does not carry megabytes of junk.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from streams.pipeline.parse import ENVELOPE_STRINGS

CORPUS = Path(__file__).resolve().parent.parent / "data" / "hostile"
ARABIC = "المدينة المنورة تستضيف مهرجان التمور بمشاركة 120 مزارعاً من مختلف المناطق."
ENVELOPE_FIELDS = (*ENVELOPE_STRINGS, "schema_version")
Raw = tuple[bytes | None, bytes]


def corpus() -> dict[str, bytes]:
    """``{case name: message}`` from the files, in name order."""
    return {path.stem: path.read_bytes() for path in sorted(CORPUS.glob("*.bin"))}


def _env(name: str, **fields: object) -> bytes:
    return orjson.dumps({"id": f"hostile-{name}", "text": ARABIC, **fields})


# Built in code: too big to keep as files. Each stays under the default 5 MiB
# message limit except ``over-the-limit``, which must become a "too_large" dead letter.
BIG: dict[str, Callable[[], bytes]] = {
    "giant-text-arabic": lambda: _env("giant-text-arabic", text=(ARABIC + "\n\n") * 12_000),  # ~1.8 MB
    "giant-title": lambda: _env("giant-title", title="عنوان " * 200_000),
    "giant-id": lambda: _env("giant-id", id="x" * 1_000_000),
    "giant-url": lambda: _env("giant-url", url="https://example.com/" + "a" * 1_000_000),
    "deep-json-nesting": lambda: b"[" * 200_000 + b"]" * 200_000,
    "deep-json-in-field": lambda: b'{"id": "hostile-deep", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "html-div-bomb": lambda: b"<!doctype html><html><body>" + b"<div>" * 50_000 + b"x" + b"</div>" * 50_000,
    "html-entity-flood": lambda: b"<!doctype html><html><body><p>" + b"&amp;&#x41;&#1587;&nbsp;" * 20_000,
    "html-comment-bomb": lambda: b"<!doctype html><html><body>" + b"<!--" * 50_000 + b"<p>text</p>",
    "one-long-word": lambda: b"x" * 1_000_000,
    "many-lines": lambda: "\n".join(["سطر"] * 100_000).encode(),
    "regex-backtrack": lambda: ("المصدر: " + "، " * 30_000 + "!").encode(),
    "tatweel-flood": lambda: _env("tatweel-flood", text="مـ" + "ـ" * 200_000 + "رحبا"),
    "combining-flood": lambda: _env("combining-flood", text="ا" + "\u0651\u064e" * 100_000),
    "over-the-limit": lambda: _env("over-the-limit", text="a" * (6 * 1024 * 1024)),
}


def big_cases() -> dict[str, bytes]:
    return {name: build() for name, build in BIG.items()}


def seeds() -> list[bytes]:
    """Good messages to mutate: envelopes, a text page, an HTML page."""
    return [
        _env(
            "seed-ar",
            title="مهرجان التمور",
            url="https://news.example/ar/1",
            published_at="2025-03-14T08:30:00Z",
        ),
        orjson.dumps(
            {
                "id": "seed-en",
                "title": "Copper climbs",
                "language": "en",
                "text": "Copper prices rose on Friday.\n\nRead also:\n\nA headline of five words\n\n"
                "First paragraph.\n\nSecond paragraph.\n\nSource: Wire",
            }
        ),
        ("إقرأ أيضاً:\n\n" + ARABIC + "\n\nالمصدر: وكالة").encode(),
        b"<!doctype html><html><head><title>T</title></head><body><p>"
        + ARABIC.encode()
        + b"</p></body></html>",
    ]


def _random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63 - 1, -(2**63), rng.randint(-(10**6), 10**6)])
    if kind == 3:
        return rng.choice([0.0, -0.0, 1e308, 3.14])
    if kind in (4, 5):
        alphabet = "aZ09 \n\t<>&\"'\\/\u202e\u200f\u0000\x1bابتثة\u0651ـ🚀"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
    if kind in (6, 7):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(ENVELOPE_FIELDS): _random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))}


def mutate(message: bytes, rng: random.Random) -> bytes:
    """One random damage: flip, cut, insert, repeat, retype a field, nest, or re-encode."""
    kind = rng.randrange(8)
    data = bytearray(message)
    if kind == 0 and data:  # bit flips
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 1:  # truncation
        return bytes(data[: rng.randrange(len(data) + 1)])
    if kind == 2:  # random bytes inserted
        at = rng.randrange(len(data) + 1)
        return bytes(data[:at]) + rng.randbytes(rng.randint(1, 16)) + bytes(data[at:])
    if kind == 3 and data:  # a slice repeated
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randint(1, 64))
        return bytes(data[:b]) + bytes(data[a:b]) * rng.randint(2, 50) + bytes(data[b:])
    if kind == 4:  # a field with a value of any type
        try:
            envelope = orjson.loads(message)
        except orjson.JSONDecodeError:
            envelope = {"text": message.decode("utf-8", "replace")}
        if not isinstance(envelope, dict):
            envelope = {"value": envelope}
        envelope[rng.choice(ENVELOPE_FIELDS)] = _random_json(rng)
        return orjson.dumps(envelope)
    if kind == 5:  # nested inside lists and objects
        depth = rng.randint(1, 64)
        return b'{"id": [' * depth + message + b"]}" * depth
    if kind == 6:  # another encoding
        text = message.decode("utf-8", "replace")
        return text.encode(rng.choice(["utf-16", "utf-32", "cp1256", "latin-1"]), "replace")
    return rng.randbytes(rng.randint(0, 200))


def mutations(count: int, seed: int = 8) -> list[bytes]:
    rng = random.Random(seed)
    pool = seeds() + [m for m in corpus().values() if len(m) < 4096]
    return [mutate(rng.choice(pool), rng) for _ in range(count)]


# --- hypothesis ------------------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=60),
)
json_values = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
envelopes = st.fixed_dictionaries(
    {}, optional={name: json_values | st.text(max_size=200) for name in ENVELOPE_FIELDS}
).map(lambda d: orjson.dumps(d, option=orjson.OPT_NON_STR_KEYS))
raw_messages = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    envelopes,
    json_values.map(lambda v: orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS)),
    st.tuples(st.sampled_from(seeds()), st.randoms(use_true_random=False)).map(lambda p: mutate(p[0], p[1])),
)


def hypothesis_messages(count: int) -> list[bytes]:
    """``count`` (at most) messages drawn by hypothesis, the same ones on every run."""
    drawn: list[bytes] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(raw_messages)
    def draw(message: bytes) -> None:
        drawn.append(message)

    draw()
    return drawn
