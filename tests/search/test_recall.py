"""The recall seam: BM25 is one first stage; another that meets the Recall protocol can stand in."""

from __future__ import annotations

import numpy as np

from bot.answer import Answerer
from bot.articles.corpus import Corpus
from bot.search.index import Index
from bot.search.recall import BM25, Recall


class WordCount:
    """A first stage of another kind: one point per question term a sentence holds."""

    def __init__(self, index: Index) -> None:
        self.holding: dict[int, list[int]] = {}
        for s in range(len(index)):
            lo, hi = int(index.unit_starts[s]), int(index.unit_starts[s + 1])
            for unit in set(index.units[lo:hi].tolist()):
                self.holding.setdefault(unit, []).append(s)

    def score(self, term_ids: list[int], into: np.ndarray) -> np.ndarray:
        touched = [s for j in term_ids for s in self.holding.get(j, [])]
        np.add.at(into, np.array(touched, dtype=np.int64), 1.0)
        return np.array(touched, dtype=np.int64)

    def first_with(self, term_id: int) -> int | None:
        return next(iter(self.holding.get(term_id, [])), None)


def test_bm25_scores_are_added_into_the_buffer(seed_corpus: Corpus) -> None:
    index = Index(seed_corpus)
    assert isinstance(index.recall, BM25)
    recall: Recall = index.recall
    term = index.vocabulary["captur"]
    buffer = np.zeros(len(index), dtype=np.float32)
    touched = recall.score([term], buffer)
    holding = [i for i, text in enumerate(seed_corpus.texts()) if "captur" in text.lower()]
    assert sorted(touched.tolist()) == holding
    assert (buffer[holding] > 0).all() and buffer.sum() == buffer[holding].sum()
    assert recall.first_with(term) == holding[0]


def test_another_recall_stands_in_and_the_answer_comes_through_it(seed_corpus: Corpus) -> None:
    index = Index(seed_corpus)
    index.recall = WordCount(index)
    answer = Answerer(seed_corpus, index).answer("When did Ukrainian forces capture them?")
    assert answer.quotes[0].sentence.text == "Ukrainian forces captured them in January 2023."
    nothing = Answerer(seed_corpus, index).answer("photosynthesis of algae")
    assert nothing.quotes == []
