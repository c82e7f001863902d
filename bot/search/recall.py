"""The first stage of a search: which sentences share a term with the question, and how well.

The index asks its recall for scores and re-ranks the best few sentences itself
(:mod:`bot.search.features`), so another first stage (an OpenSearch or tantivy index for a large
archive) can stand in for BM25 by meeting :class:`Recall`: given the question's term ids, add a
score for each sentence holding them into a buffer of one float per sentence, and say which
sentences it touched. The term ids are the index's own vocabulary (:mod:`bot.search.building`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from bot.search import kernel

__all__ = ["BM25", "Recall"]


class Recall(Protocol):
    def score(self, term_ids: list[int], into: np.ndarray) -> np.ndarray:
        """Add each sentence's score for ``term_ids`` into ``into``; the sentences touched (a
        sentence may be listed once per term it holds)."""
        ...

    def first_with(self, term_id: int) -> int | None:
        """A sentence holding ``term_id``, or None when none does."""
        ...


class BM25:
    """BM25 over posting lists: each term's sentences and its precomputed weight in each
    (:func:`bot.search.building.build_arrays`), added up by walking the question's own lists, a
    sparse dot product into a reused buffer."""

    def __init__(self, indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> None:
        self.indptr, self.rows, self.weights = indptr, rows, weights
        self._compiled = kernel.Postings(indptr, rows, weights) if kernel.COMPILED else None

    def score(self, term_ids: list[int], into: np.ndarray) -> np.ndarray:
        if kernel.COMPILED and self._compiled is not None:
            return self._compiled.score(term_ids, into)
        # A sentence holding several of the terms is listed once for each (sorting them out
        # would cost more than all the rest at archive scale).
        indptr, rows, weights = self.indptr, self.rows, self.weights
        parts = []
        for j in term_ids:
            lo, hi = indptr[j], indptr[j + 1]
            # Stored as int32 to halve the postings' memory; numpy indexes fastest by int64.
            posting = rows[lo:hi].astype(np.int64)
            # add.at, not ``into[posting] +=``: twice as fast on long lists with numpy 2.
            np.add.at(into, posting, weights[lo:hi])
            parts.append(posting)
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def first_with(self, term_id: int) -> int | None:
        lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
        return int(self.rows[lo]) if lo < hi else None
