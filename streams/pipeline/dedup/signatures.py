"""What an article's text looks like to dedup: hashes, a MinHash signature and a shingle sketch.

The text is tokenised and shingled once (``analyse``); everything else here is
derived from that, in numpy rather than Python loops over shingles.
"""

from __future__ import annotations

import base64
from typing import NamedTuple

import numpy as np
import xxhash

from streams.pipeline.dedup.config import DEFAULT_CONFIG, DedupConfig
from streams.pipeline.errors import PipelineError
from streams.records import Fingerprints
from streams.text import fold_inner_vowels, match_tokens

_MASK64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _permutations(config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Multiply-add hash functions (mod 2**64, top 32 bits kept): stable across versions."""
    seeds = [_splitmix64(config.seed * 1_000_003 + i) for i in range(2 * config.num_perm)]
    multipliers = np.array([s | 1 for s in seeds[: config.num_perm]], dtype=np.uint64)
    offsets = np.array(seeds[config.num_perm :], dtype=np.uint64)
    return multipliers, offsets


_PERMUTATIONS: dict[DedupConfig, tuple[np.ndarray, np.ndarray]] = {}


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """64-bit hashes of the word ``size``-grams of ``tokens`` (one gram if the text is shorter).

    Each token is hashed once; a gram's hash is a polynomial of its tokens'
    hashes, finished by a mixing multiply.
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    token_hashes = np.fromiter(
        (xxhash.xxh3_64_intdigest(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens)
    )
    width = min(size, len(tokens))
    count = len(tokens) - width + 1
    grams = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        grams = grams * np.uint64(0x100000001B3) + token_hashes[offset : offset + count]
    grams ^= grams >> np.uint64(29)
    grams *= np.uint64(0xBF58476D1CE4E5B9)
    return grams ^ (grams >> np.uint64(32))


def near_tokens(text: str) -> tuple[list[str], list[str]]:
    """The body's matching-form tokens, and the same with inner long vowels folded.

    The first gives the ``exact`` fingerprint (only spelling that cannot change a
    word is folded); the second the shingles, where ``الأمريكي`` / ``الأميركي`` and
    ``ديميتري`` / ``دميتري`` must meet.
    """
    tokens = match_tokens(text)
    return tokens, [fold_inner_vowels(t) for t in tokens]


def exact_hash(tokens: list[str]) -> str:
    return xxhash.xxh3_128_hexdigest(" ".join(tokens).encode())


def minhash(hashes: np.ndarray, config: DedupConfig = DEFAULT_CONFIG) -> list[int]:
    """``num_perm`` 32-bit minimums of the shingle hashes; ``[]`` for an empty text."""
    if hashes.size == 0:
        return []
    if config not in _PERMUTATIONS:
        _PERMUTATIONS[config] = _permutations(config)
    multipliers, offsets = _PERMUTATIONS[config]
    permuted = (hashes[:, None] * multipliers[None, :] + offsets[None, :]) >> np.uint64(32)
    return [int(v) for v in permuted.min(axis=0)]


def sketch(hashes: np.ndarray, size: int) -> str:
    """The ``size`` smallest distinct shingle hashes (top 32 bits), base64 of little-endian uint32."""
    values = np.unique((hashes >> np.uint64(32)).astype("<u4"))[:size]
    return base64.b64encode(values.tobytes()).decode("ascii")


def _sketch_values(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype="<u4")


def sketch_jaccard(a: str, b: str, size: int) -> float:
    """Jaccard of two articles' shingle sets from their bottom-k sketches.

    Exact when both sets fit in the sketch; otherwise the bottom-k estimator:
    the share of the union's ``size`` smallest hashes that both sets hold.
    """
    va, vb = _sketch_values(a), _sketch_values(b)
    if va.size == 0 or vb.size == 0:
        return 0.0
    union = np.union1d(va, vb)[:size]
    both = np.intersect1d(va, vb, assume_unique=True)
    shared = int(np.searchsorted(both, union[-1], side="right"))
    return round(shared / union.size, 4)


class TextSignature(NamedTuple):
    """Everything dedup needs of a text, from one pass over its tokens."""

    fingerprints: Fingerprints
    sketch: str
    shingles: int  # distinct shingles: how long the text is, for containment
    opening: str | None  # ``opening_key``
    empty: bool


def analyse(text: str, config: DedupConfig = DEFAULT_CONFIG) -> TextSignature:
    """Tokenise and shingle ``text`` once: the fingerprints enrich publishes and the sketch dedup keeps."""
    tokens, folded = near_tokens(text)
    hashes = shingle_hashes(folded, config.shingle_size)
    prints = Fingerprints(exact=exact_hash(tokens), near=minhash(hashes, config))
    distinct = int(np.unique(hashes).size)
    return TextSignature(
        prints, sketch(hashes, config.sketch_size), distinct, opening_key(folded), not tokens
    )


# A re-post cut short or extended keeps the story's opening words, though its
# Jaccard with the whole may be too low for the LSH bands to bring the two together.
OPENING_TOKENS = 24


def opening_key(folded: list[str]) -> str | None:
    """``o:<hash>`` of the body's first ``OPENING_TOKENS`` words; ``None`` for a shorter body."""
    if len(folded) < OPENING_TOKENS:
        return None
    return f"o:{xxhash.xxh3_64_hexdigest(' '.join(folded[:OPENING_TOKENS]).encode())}"


def fingerprints(text: str, config: DedupConfig = DEFAULT_CONFIG) -> Fingerprints:
    """``exact``: hash of the body's matching form. ``near``: its MinHash signature."""
    return analyse(text, config).fingerprints


def band_keys(prints: Fingerprints, config: DedupConfig = DEFAULT_CONFIG) -> list[str]:
    """One key per LSH band: two articles sharing a key are candidates.

    ``b03:1f2e...``: the band number, then a hash of that band's rows. An empty
    text has no signature and so no band.
    """
    if not prints.near:
        return []
    if len(prints.near) != config.num_perm:
        raise PipelineError(
            "fingerprint_mismatch",
            "dedup",
            f"near signature has {len(prints.near)} values, DedupConfig wants {config.num_perm}:"
            " enrich and dedup must run with the same bands and rows",
        )
    signature = np.array(prints.near, dtype="<u4")
    keys = []
    for band in range(config.bands):
        rows = signature[band * config.rows : (band + 1) * config.rows].tobytes()
        keys.append(f"b{band:02d}:{xxhash.xxh3_64_hexdigest(rows)}")
    return keys


def exact_key(exact: str) -> str:
    return f"x:{exact}"


def url_key(url: str | None) -> str | None:
    return f"u:{xxhash.xxh3_64_hexdigest(url.strip().encode())}" if url else None
