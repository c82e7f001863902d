"""What an index knows of a reader's words: each question term's weight, its rarity in English,
the article's terms that stand in for it, and the prefix it shares; and a question's phrases.

A reader's questions about one article come back to the same words, so what a term is to the
index is worked out the first time it is asked and remembered (up to :data:`TERMS_KEPT` terms);
:meth:`bot.search.index.Index.query` reads it from here for every word of a question.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bot.search import background
from bot.search.building import PREFIX
from bot.search.wording import RELATED_WEIGHT, substitutes

__all__ = ["TERMS_KEPT", "QuestionTerms", "Term", "phrases"]

TERMS_KEPT = 20_000  # question terms (and pairs) remembered per index (a few MB at most)


class Term(NamedTuple):
    """What one question term is to an index."""

    unit: int  # its id in the vocabulary, -1 when the articles never use it
    known: bool  # whether it is one of the articles' terms
    weight: float  # its IDF; when unknown, a related term's at a discount, or the highest
    background: float  # its rarity in English, likewise
    related: list[int]  # the articles' terms that stand in for an unknown one
    prefix: int  # the id of the prefix it shares with the articles' terms, else -1


class QuestionTerms:
    """Question terms as one index knows them, each worked out once."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        is_term: np.ndarray,
        idf: np.ndarray,
        unknown_idf: float,
        background_idf: np.ndarray,
        prefixes: dict[str, int],
    ) -> None:
        self._vocabulary = vocabulary
        self._is_term = is_term.tobytes()  # read in plain Python, without numpy scalars
        self._idf = idf
        self._unknown_idf = unknown_idf
        self._background = background_idf  # each vocabulary term's rarity in English
        self._prefixes = prefixes  # the articles' term prefixes, by their id
        self._terms: dict[str, Term] = {}
        self._related: dict[str, list[int]] = {}

    def knows(self, term: str) -> bool:
        """Whether ``term`` is one of the articles' terms (not only a stop word's key)."""
        unit = self._vocabulary.get(term, -1)
        return unit >= 0 and self._is_term[unit] == 1

    def of(self, term: str) -> Term:
        """What ``term`` (as :func:`bot.search.analysis.terms` makes it) is to the index."""
        found = self._terms.get(term)
        if found is not None:
            return found
        unit = self._vocabulary.get(term, -1)
        known = unit >= 0 and self._is_term[unit] == 1
        weight = float(self._idf[unit]) if known else self._unknown_idf
        background_weight = background.weight(term)
        related = [] if known or len(term) < 2 else self.related(term)
        if related:
            weight = RELATED_WEIGHT * max(float(self._idf[j]) for j in related)
            background_weight = RELATED_WEIGHT * max(float(self._background[j]) for j in related)
        prefix = self._prefixes.get(term[:PREFIX], -1) if len(term) >= PREFIX else -1
        found = Term(unit, known, weight, background_weight, related, prefix)
        if len(self._terms) < TERMS_KEPT:
            self._terms[term] = found
        return found

    def related(self, key: str) -> list[int]:
        """The ids of the articles' terms related to ``key`` (a term, or two joined by a space)."""
        found = self._related.get(key)
        if found is None:  # looked up once per word: a short article lacks most of a question's
            found = [self._vocabulary[t] for t in substitutes(key, self.knows)]
            if len(self._related) < TERMS_KEPT:
                self._related[key] = found
        return found


def phrases(sequence: list[int], content: list[bool]) -> tuple[frozenset[tuple[int, ...]], frozenset[tuple[int, ...]]]:
    """A question's runs of two and of three known words (ids >= 0) that hold at least one term;
    ``sequence`` is every word's id (-1 unknown), ``content`` whether each is a known term."""
    pairs: set[tuple[int, ...]] = set()
    triples: set[tuple[int, ...]] = set()
    last = len(sequence) - 1
    for i in range(last):
        a, b = sequence[i], sequence[i + 1]
        if a < 0 or b < 0:
            continue
        held = content[i] or content[i + 1]
        if held:
            pairs.add((a, b))
        if i + 2 <= last and sequence[i + 2] >= 0 and (held or content[i + 2]):
            triples.add((a, b, sequence[i + 2]))
    return frozenset(pairs), frozenset(triples)
