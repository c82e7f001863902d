"""The TF-IDF model over a corpus' sentences, and ``search(question, k)``.

The model is fitted with scikit-learn (``CountVectorizer`` over :func:`bot.analysis.terms`);
scoring is our own, in two stages:

1. **Recall.** Every sentence gets a BM25 score, the TF-IDF variant with term-frequency
   saturation and length normalisation::

       bm25(q, s) = sum over terms t of q in s:  idf(t) * tf(t,s) * (k1 + 1)
                                                  / (tf(t,s) + k1 * (1 - b + b * len(s) / avglen))
       idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

   computed by walking the question's own posting lists (precomputed weights, a sparse dot
   product), never through ``TfidfVectorizer.transform``.

2. **Ranking.** The best few sentences and their neighbours are scored again by a linear
   model over lexical features (:mod:`bot.features`): how much of the question a sentence and
   its neighbours cover, phrase matches, the answer type the question asks for, position.

Question terms missing from the articles still count, at the highest IDF, in the coverage
that tells the answerer whether the article answers at all.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from bot import background, features
from bot.analysis import analysed, phrases, terms, tokens
from bot.corpus import Corpus
from bot.cues import QuestionCues, SentenceCues, question_cues, sentence_cues

__all__ = ["Hit", "Index", "Query", "SentenceView"]

K1 = 0.9
B = 0.4
PREFIX = 5  # letters two terms must share to count as a near miss
CANDIDATES = 12  # best BM25 sentences re-ranked, with their neighbours
_CACHE = 65536  # sentences whose terms and cues are kept between questions


@dataclass(frozen=True, slots=True)
class Hit:
    """A sentence found for a question: its corpus index, ranking score and coverage."""

    index: int
    score: float
    coverage: float  # share of the question's IDF mass found in the sentence and its neighbours
    background_coverage: float  # the same, terms weighed by their rarity in English


@dataclass(frozen=True, slots=True)
class SentenceView:
    """A sentence as the ranker reads it: term ids in order, word runs, answer-type cues."""

    terms: tuple[int, ...]
    phrases: frozenset[tuple[str, ...]]
    cues: SentenceCues


@dataclass(frozen=True, slots=True)
class Query:
    """A question, analysed once: its known terms with their IDF, and its answer type."""

    text: str
    term_ids: np.ndarray  # ids of the distinct question terms the corpus knows
    weights: np.ndarray  # their IDF, aligned with term_ids
    total_weight: float  # IDF of every distinct question term, unknown ones included
    background: np.ndarray  # their background IDF (rarity in English), aligned with term_ids
    background_total: float  # background IDF of every distinct question term
    prefixes: tuple[tuple[int, int, float], ...]  # (prefix id, term id or -1, IDF) per long term
    phrases: frozenset[tuple[str, ...]]
    cues: QuestionCues


class Index:
    """BM25-weighted TF-IDF over sentences, with a learned re-ranker on top."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        vectorizer = CountVectorizer(analyzer=terms, dtype=np.int32)
        counts = vectorizer.fit_transform(corpus.texts()).tocsr()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        # Terms that share their first letters ("photosynthesis", "photosynthetic") are near
        # misses of the stemmer; the ranker counts them at a discount.
        self._prefix_ids: dict[str, int] = {}
        self.prefix_of = np.full(len(self.vocabulary), -1, dtype=np.int32)
        for term, j in self.vocabulary.items():
            if len(term) >= PREFIX:
                self.prefix_of[j] = self._prefix_ids.setdefault(term[:PREFIX], len(self._prefix_ids))
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=len(self.vocabulary))
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.unknown_idf = float(math.log1p((n + 0.5) / 0.5))
        self.background = np.empty(len(self.vocabulary), dtype=np.float32)
        for term, j in self.vocabulary.items():
            self.background[j] = background.weight(term)
        self.lengths = np.asarray(counts.sum(axis=1)).ravel().astype(np.float32)
        self.distinct = np.diff(counts.indptr).astype(np.int32)
        avg = float(self.lengths.mean()) if n else 1.0
        norm = K1 * (1 - B + B * self.lengths / max(avg, 1e-9))
        tf = counts.data.astype(np.float32)
        rows = np.repeat(np.arange(n), self.distinct)
        weights = self.idf[counts.indices] * tf * (K1 + 1) / (tf + norm[rows])
        postings = counts.copy()
        postings.data = weights.astype(np.float32)
        postings = postings.tocsc()
        self._indptr = postings.indptr
        self._rows = postings.indices
        self._weights = postings.data
        self.article_of = np.repeat(np.arange(len(corpus.articles), dtype=np.int32), [a.count for a in corpus.articles])
        self._acronyms: dict[str, bool] = {}
        self._views: OrderedDict[int, SentenceView] = OrderedDict()

    def __len__(self) -> int:
        return len(self.lengths)

    def query(self, question: str) -> Query:
        """Analyse a question against this index's vocabulary."""
        ids: list[int] = []
        prefixes: list[tuple[int, int, float]] = []
        total = background_total = 0.0
        for term in dict.fromkeys(self._question_terms(question)):
            j = self.vocabulary.get(term)
            weight = self.unknown_idf if j is None else float(self.idf[j])
            total += weight
            background_total += background.weight(term)
            if j is not None:
                ids.append(j)
            prefix = self._prefix_ids.get(term[:PREFIX], -1) if len(term) >= PREFIX else -1
            if prefix >= 0:
                prefixes.append((prefix, -1 if j is None else j, weight))
        term_ids = np.asarray(ids, dtype=np.int64)
        return Query(
            text=question,
            term_ids=term_ids,
            weights=self.idf[term_ids],
            total_weight=total,
            background=self.background[term_ids].astype(np.float64),
            background_total=background_total,
            prefixes=tuple(prefixes),
            phrases=phrases(question),
            cues=question_cues(question),
        )

    def _question_terms(self, question: str) -> list[str]:
        """The question's terms, with a run of words folded into the article's acronym for it.

        "the United States" becomes ``us`` when the article writes "U.S.", and "International
        Committee of the Red Cross" becomes ``icrc`` when it writes "ICRC".
        """
        pairs = analysed(question)
        out: list[str] = []
        i = 0
        while i < len(pairs):
            for size in (4, 3, 2):
                window = pairs[i : i + size]
                if len(window) < size or not all(w.capital and not w.protected for w, _ in window):
                    continue
                short = "".join(w.text[0] for w, _ in window)
                if short in self.vocabulary and self._is_acronym(short):
                    out.append(short)
                    i += size
                    break
            else:
                out.append(pairs[i][1])
                i += 1
        return out

    def _is_acronym(self, term: str) -> bool:
        """Whether the articles write ``term`` in capitals ("ICRC", "U.S."), checked once."""
        known = self._acronyms.get(term)
        if known is None:
            j = self.vocabulary[term]
            first = int(self._rows[self._indptr[j]])
            known = any(w.protected and w.text == term for w in tokens(self.corpus.text(first)))
            self._acronyms[term] = known
        return known

    def bm25(self, query: Query) -> np.ndarray:
        """BM25 score of every sentence, by walking the question's posting lists."""
        scores = np.zeros(len(self), dtype=np.float32)
        for j in query.term_ids.tolist():
            lo, hi = self._indptr[j], self._indptr[j + 1]
            scores[self._rows[lo:hi]] += self._weights[lo:hi]
        return scores

    def contains(self, term_id: int, sentences: np.ndarray) -> np.ndarray:
        """For each sentence given, whether it holds the term (posting lists are sorted)."""
        rows = self._rows[self._indptr[term_id] : self._indptr[term_id + 1]]
        if len(rows) == 0 or len(sentences) == 0:
            return np.zeros(len(sentences), dtype=bool)
        at = np.searchsorted(rows, sentences)
        return rows[np.minimum(at, len(rows) - 1)] == sentences

    def view(self, i: int) -> SentenceView:
        """What the ranker reads of sentence ``i``, analysed once and cached."""
        view = self._views.get(i)
        if view is None:
            text = self.corpus.text(i)
            vocabulary = self.vocabulary
            view = SentenceView(
                terms=tuple(vocabulary[t] for t in terms(text) if t in vocabulary),
                phrases=phrases(text),
                cues=sentence_cues(text),
            )
            self._views[i] = view
            if len(self._views) > _CACHE:
                self._views.popitem(last=False)
        return view

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The ``k`` sentences that best answer ``question``, best first.

        Only sentences that share a term with the question, or stand next to one that does,
        are returned; ties go to the earlier sentence.
        """
        return self.rank(self.query(question))[:k]

    def rank(self, query: Query) -> list[Hit]:
        """Every candidate sentence for ``query``, best first."""
        if len(query.term_ids) == 0:
            return []
        scores = self.bm25(query)
        candidates = self._candidates(scores)
        matrix, coverage = features.matrix(self, query, scores, candidates)
        ranked = matrix @ features.weights_for(query)
        order = np.lexsort((candidates, -ranked))
        background_coverage = matrix[:, features.BACKGROUND_WINDOW]
        return [
            Hit(
                index=int(candidates[o]),
                score=float(ranked[o]),
                coverage=float(coverage[o]),
                background_coverage=float(background_coverage[o]),
            )
            for o in order
        ]

    def ranking(self, question: str) -> list[int]:
        """All sentences, best first: ranked candidates, then the rest by BM25 and position."""
        query = self.query(question)
        hits = self.rank(query)
        seen = {h.index for h in hits}
        scores = self.bm25(query) if len(query.term_ids) else np.zeros(len(self))
        rest = [i for i in np.lexsort((np.arange(len(self)), -scores)).tolist() if i not in seen]
        return [h.index for h in hits] + rest

    def _candidates(self, scores: np.ndarray) -> np.ndarray:
        """The best BM25 sentences and their neighbours in the same article, sorted."""
        best = np.flatnonzero(scores)
        if len(best) > CANDIDATES:
            best = best[np.argpartition(-scores[best], CANDIDATES - 1)[:CANDIDATES]]
        return np.unique(np.concatenate([best, self.neighbours(best, -1), self.neighbours(best, 1)]))

    def neighbours(self, sentences: np.ndarray, offset: int) -> np.ndarray:
        """``sentences + offset``, keeping only those still inside the same article."""
        moved = sentences + offset
        inside = (moved >= 0) & (moved < len(self))
        moved, sentences = moved[inside], sentences[inside]
        return moved[self.article_of[moved] == self.article_of[sentences]]
