"""The compiled kernel (bot/search/_kernel.pyx): built by the install, and finding exactly what
the numpy path finds, so that an install without a C compiler answers the same, only slower.

Feature by feature, both paths are checked against a plain computation in test_features.py;
here the whole search is compared: BM25 recall, the candidates picked, and the final order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_arguments_of_the_wrong_kind_or_range_are_refused_not_read(seed_corpus: Corpus) -> None:
    # The kernel reads and writes its arguments' memory directly: an array of other elements, or
    # an id outside the index, must be an error, never garbage or a crash.
    if not kernel.COMPILED:
        pytest.skip("no compiled kernel (test_the_install_built_the_kernel says why)")
    index = Index(seed_corpus)
    scores = np.zeros(len(index), dtype=np.float32)
    recall = index.recall
    assert isinstance(recall, BM25)
    postings = kernel.Postings(recall.indptr, recall.rows, recall.weights)
    vocabulary = len(index.vocabulary)
    for term_ids, into in [
        ([1.5, 2.0], scores),  # not whole numbers
        ([1, vocabulary], scores),  # past the vocabulary
        ([-1], scores),
        ([1, 2], scores.astype(np.float64)),  # 8-byte scores
        ([1, 2], scores[::2]),  # not contiguous
    ]:
        with pytest.raises((TypeError, ValueError, IndexError, BufferError)):
            postings.score(term_ids, into)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError, BufferError)):
        index.words.clear(np.array([0, 1], dtype=np.uint64))
    with pytest.raises((TypeError, ValueError, BufferError)):
        index.words.candidates([0, 1], 12)  # type: ignore[arg-type]  # a list is not an array
    query = index.query("When were the soldiers captured?")
    candidates = np.arange(3, dtype=np.int64)
    k = query.cues
    flags = (k.when, k.number, k.who, k.where, k.why, k.define)
    changes: list[dict[str, Any]] = [
        {"words": [*query.words, vocabulary]},
        {
            "term_ids": [*query.term_ids, -1],
            "weights": [*query.weights, 1.0],
            "related": [*query.related, False],
            "background": [*query.background, 1.0],
        },
        {"weights": query.weights[:-1]},  # one weight short
    ]
    for change in changes:
        asked = query._replace(**change)
        with pytest.raises((ValueError, IndexError)):
            index.words.matrix(
                candidates, asked.term_ids, asked.words, asked.prefixes, asked.weights, asked.related,
                asked.total_weight, asked.background, asked.background_total, asked.prefix_terms,
                asked.prefix_weights, asked.pairs, asked.triples, *flags,
            )  # fmt: skip
    with pytest.raises(IndexError):
        index.words.matrix(
            np.array([len(index)], dtype=np.int64), query.term_ids, query.words, query.prefixes, query.weights,
            query.related, query.total_weight, query.background, query.background_total, query.prefix_terms,
            query.prefix_weights, query.pairs, query.triples, *flags,
        )  # fmt: skip
    assert postings.score([1, 2], scores).dtype == np.int64  # the right kinds pass
