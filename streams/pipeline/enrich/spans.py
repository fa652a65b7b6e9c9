"""A candidate name: a run of tokens with a type, and maybe a known key."""

from __future__ import annotations

from dataclasses import dataclass

from streams.records import EntityType

# The longest name, in tokens, that enrich repeats through an article or takes from a
# run of Latin words: longer runs are quoted text, and repeating them is quadratic.
MAX_NAME_TOKENS = 8


@dataclass(slots=True)
class Span:
    first: int
    last: int
    type: EntityType
    key: str | None = None  # None: built from the words
    rank: int = 0  # lower wins a tie in length

    def overlaps(self, other: Span) -> bool:
        return self.first <= other.last and other.first <= self.last
