"""Match lists of data phrases (titles, reporting verbs, org heads) against tokens.

A phrase matches when its words equal the tokens' matching forms; the first
word may carry a clitic (``وقال`` matches ``قال``, ``والرئيس`` matches ``الرئيس``).
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.pipeline.enrich.tokens import Token, phrase_forms


class PhraseSet:
    def __init__(self, phrases: Iterable[str], *, first_word_clitics: bool = True) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._clitics = first_word_clitics
        for phrase in phrases:
            forms = phrase_forms(phrase)
            if forms:
                self._by_first.setdefault(forms[0], []).append(forms)
        for bucket in self._by_first.values():
            bucket.sort(key=len, reverse=True)

    def match_at(self, tokens: list[Token], i: int) -> int | None:
        """Index of the last token of the longest phrase starting at ``i``, or None."""
        readings = tokens[i].readings if self._clitics else (tokens[i].form,)
        best: int | None = None
        for reading in readings:
            for forms in self._by_first.get(reading, ()):
                end = i + len(forms) - 1
                if (
                    end < len(tokens)
                    and (best is None or end > best)
                    and all(tokens[i + k].form == forms[k] for k in range(1, len(forms)))
                ):
                    best = end
        return best

    def first_words(self) -> frozenset[str]:
        """The forms a phrase can start with (a cheap test before ``match_at``)."""
        return frozenset(self._by_first)

    def __contains__(self, token: Token) -> bool:
        return any((r,) in self._by_first.get(r, ()) for r in token.readings)
