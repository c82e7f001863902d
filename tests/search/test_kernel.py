"""The compiled kernel (bot/search/_kernel.pyx): built by the install, and finding exactly what
the numpy path finds, so that an install without a C compiler answers the same, only slower.

Feature by feature, both paths are checked against a plain computation in test_features.py;
here the whole search is compared: BM25 recall, the candidates picked, and the final order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.articles.corpus import Corpus, load_corpus
from bot.search import kernel
from bot.search.index import Index
from bot.search.recall import BM25

DATA = Path(__file__).resolve().parents[1] / "data"

QUESTIONS = [
    "who won",
    "When were the soldiers captured?",
    "how many seats did the pro-democracy camp win in hong kong",
    "why do australian kids lack iodine",
    "what did the document say and where was it found?",
    "Who attacked the church's website, and when?",
    "the the the of and",  # stop words only
    "zzzz qqqq",  # nothing the articles know
    "lanterns lanterns lanterns festival taipei taipei",
]


def test_the_install_built_the_kernel() -> None:
    # The extension is optional so that an install without a compiler still works; this is
    # where a silently failed build shows, instead of as a bot twice as slow.
    assert kernel.COMPILED, "bot/search/_kernel.pyx was not compiled: install a C compiler and reinstall"


@pytest.mark.parametrize("where", ["seed", "wikinews"])
def test_both_paths_find_and_rank_the_same_sentences(
    where: str, seed_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not kernel.COMPILED:
        pytest.skip("no compiled kernel to compare (test_the_install_built_the_kernel says why)")
    corpus = seed_corpus if where == "seed" else load_corpus(DATA / "articles")
    index = Index(corpus)
    questions = QUESTIONS + [corpus.text(i) for i in range(0, len(index), 3)]  # sentences asked back
    for question in questions:
        query = index.query(question)
        seen = {}
        for compiled in (True, False):
            monkeypatch.setattr(kernel, "COMPILED", compiled)
            hits = index.rank(query)
            seen[compiled] = (index.bm25(query), [(h.index, round(h.score, 9)) for h in hits])
        (bm25_c, hits_c), (bm25_n, hits_n) = seen[True], seen[False]
        assert np.array_equal(bm25_c, bm25_n), question
        assert hits_c == hits_n, question


def test_arrays_of_the_wrong_kind_are_refused_not_read(seed_corpus: Corpus) -> None:
    # The kernel reads its arguments' memory directly: an array of other elements must be an
    # error, never garbage or a crash.
    if not kernel.COMPILED:
        pytest.skip("no compiled kernel (test_the_install_built_the_kernel says why)")
    index = Index(seed_corpus)
    scores = np.zeros(len(index), dtype=np.float32)
    recall = index.recall
    assert isinstance(recall, BM25)
    postings = kernel.Postings(recall.indptr, recall.rows, recall.weights)
    for term_ids, into in [
        (np.array([1, 2], dtype=np.int32), scores),  # 4-byte ids
        (np.array([1.0, 2.0]), scores),  # floats for ids
        (np.array([1, 2, 3, 4], dtype=np.int64)[::2], scores),  # not contiguous
        (np.array([1, 2], dtype=np.int64), scores.astype(np.float64)),  # 8-byte scores
    ]:
        with pytest.raises((TypeError, ValueError, BufferError)):
            postings.score(term_ids, into)
    with pytest.raises((TypeError, ValueError, BufferError)):
        index.words.clear(np.array([0, 1], dtype=np.uint64))
    with pytest.raises((TypeError, ValueError, BufferError)):
        index.words.candidates([0, 1], 12)  # a list is not an array
    assert postings.score(np.array([1, 2], dtype=np.int64), scores).dtype == np.int64  # the right kinds pass
