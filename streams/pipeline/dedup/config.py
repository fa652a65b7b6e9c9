"""The dedup knobs, with the defaults measured on SaudiNewsNet (``scripts/eval_dedup.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """``num_perm = bands * rows``.

    With 16 bands of 4 rows a pair is a candidate with probability 0.90 at
    Jaccard 0.6 and 0.9998 at 0.8 (an 0.8-tuned banding missed a pair at 0.87);
    candidates are then verified on the shingle sketch, so a loose banding only
    costs messages.
    """

    shingle_size: int = 5
    bands: int = 16
    rows: int = 4
    # Verified Jaccard at or above which two articles are linked as one story.
    near_threshold: float = 0.7
    # Or: the shorter keeps at least half the longer and this share of its shingles
    # is in the longer (a re-post with a paragraph dropped, cut short or extended).
    containment_threshold: float = 0.9
    containment_min_ratio: float = 0.5
    containment_min_shingles: int = 20
    # Shingle hashes kept per article (bottom-k): the Jaccard is exact when both
    # articles have at most this many shingles, a k-sample estimate beyond.
    sketch_size: int = 512
    # How long buckets and nodes remember an article (by its fetched_at).
    window_days: float = 7.0
    # A bucket answers with at most this many members (earliest first); buckets
    # that large are boilerplate, and exact buckets answer with one member anyway.
    max_candidates: int = 64
    seed: int = 1

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


DEFAULT_CONFIG = DedupConfig()
