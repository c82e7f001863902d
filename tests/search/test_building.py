"""Building the index: the posting lists and BM25 weights against the textbook.

The build counts terms with one sort of (term, sentence) keys in numpy; here the same numbers
come from a plain count, sentence by sentence, and the IDF from scikit-learn's own
``TfidfTransformer`` (whose smooth IDF the index uses, less its "+ 1").
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from bot.articles.corpus import Corpus, load_corpus
from bot.search.building import K1, B
from bot.search.index import Index
from bot.search.recall import BM25

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("where", ["seed", "wikinews"])
def test_postings_hold_each_terms_bm25_weight_in_each_sentence(where: str, seed_corpus: Corpus) -> None:
    index = Index(seed_corpus if where == "seed" else load_corpus(DATA / "articles"))
    n, size = len(index), len(index.vocabulary)
    counts = []  # each sentence's term frequencies, counted plainly
    for s in range(n):
        units = index.units[index.unit_starts[s] : index.unit_starts[s + 1]].tolist()
        counts.append(Counter(u for u in units if index.is_term[u]))
    matrix = sp.csr_matrix(
        (
            [float(f) for c in counts for f in c.values()],
            ([s for s, c in enumerate(counts) for _ in c], [u for c in counts for u in c]),
        ),
        shape=(n, size),
    )
    textbook = TfidfTransformer(smooth_idf=True).fit(matrix).idf_ - 1.0
    terms = index.is_term
    assert np.allclose(index.idf[terms], textbook[terms], rtol=1e-6)

    lengths = np.array([sum(c.values()) for c in counts], dtype=float)
    assert np.array_equal(index.lengths, lengths)
    assert np.array_equal(index.distinct, [len(c) for c in counts])
    average = lengths.mean()
    recall = index.recall
    assert isinstance(recall, BM25)
    found = 0
    for t in np.flatnonzero(terms).tolist():
        lo, hi = recall.indptr[t], recall.indptr[t + 1]
        rows = recall.rows[lo:hi].tolist()
        assert rows == sorted(s for s, c in enumerate(counts) if t in c)  # every sentence, in order
        for s, weight in zip(rows, recall.weights[lo:hi].tolist()):
            tf = counts[s][t]
            want = textbook[t] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[s] / average))
            assert weight == pytest.approx(want, rel=1e-5)
            found += 1
    assert found == sum(len(c) for c in counts) > 100
