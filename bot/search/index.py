"""The TF-IDF model over a corpus' sentences, and ``search(question, k)``.

Building reads every sentence once (:mod:`bot.search.analysis`) into flat arrays: each sentence's
words as ids in order, with a few bits per word and per sentence (:mod:`bot.search.cues`). Term counts
come from those arrays, with scikit-learn's smooth inverse document frequencies
(``idf = ln((1 + N) / (1 + df))``, less its ``+ 1``; :mod:`bot.search.building`). Scoring is our
own, in two stages:

1. **Recall.** Every sentence gets a BM25 score, TF-IDF with term-frequency saturation and
   length normalisation::

       bm25(q, s) = sum over terms t of q in s:  idf(t) * tf(t,s) * (k1 + 1)
                                                  / (tf(t,s) + k1 * (1 - b + b * len(s) / avglen))

   computed by walking the question's own posting lists (precomputed weights, a sparse dot
   product into a reused buffer), never through ``TfidfVectorizer.transform``. The recall sits
   behind :class:`bot.search.recall.Recall`, so another first stage can stand in for BM25.

2. **Ranking.** The best few sentences and their neighbours are scored again by a linear
   model over lexical features (:mod:`bot.search.features`): how much of the question a sentence and
   its neighbours cover, phrase matches, the answer type the question asks for, position.

Question terms missing from the articles still count, at the highest IDF, in the coverage
that tells the answerer whether the article answers at all.
"""

from __future__ import annotations

import math
import threading
from functools import cached_property
from itertools import pairwise

import numpy as np

from bot.articles.corpus import Corpus
from bot.search import features, kernel
from bot.search.analysis import Word, analysed_words, terms
from bot.search.building import PREFIX, STOP_PREFIX, Progress, build_arrays
from bot.search.cues import question_cues
from bot.search.query import Hit, Query
from bot.search.question_terms import QuestionTerms, phrases
from bot.search.recall import BM25, Recall
from bot.search.wording import CHAT_WORDS, RELATED_WEIGHT, SPELL_MAX_SENTENCES, Speller, clean

__all__ = ["Hit", "Index", "Query"]

CANDIDATES = 12  # best BM25 sentences re-ranked, with their neighbours


class Index:
    """BM25-weighted TF-IDF over sentences, with a learned re-ranker on top.

    ``search`` and ``rank`` are not re-entrant across threads at once (they share a score
    buffer); a lock makes concurrent calls wait for each other.
    """

    def __init__(self, corpus: Corpus, progress: Progress | None = None, arrays: dict[str, np.ndarray] | None = None):
        self.corpus = corpus
        if arrays is None:
            arrays = build_arrays(corpus, progress)
        self._load(arrays)
        self._buffer = np.zeros(len(self), dtype=np.float32)
        self._touched = np.empty(0, dtype=np.int64)  # sentences scored in the buffer, to reset
        if kernel.COMPILED:  # the arrays, held once for the compiled candidates and features
            words = (self.units, self.unit_flags, self.unit_starts, self.is_term.view(np.uint8), self.sentence_flags)
            sentences = (self.position, self.remaining, self.lengths, self.distinct)
            self.words = kernel.Words(*words, *sentences, self.prefix_of, self._buffer)
        self._lock = threading.Lock()
        self._acronyms: dict[str, bool] = {}
        self._speller: Speller | None = None  # built at the first question that needs it

    def _load(self, a: dict[str, np.ndarray]) -> None:
        names = bytes(a["vocabulary"]).decode("utf-8").split("\n") if len(a["vocabulary"]) else []
        self.vocabulary: dict[str, int] = {name: i for i, name in enumerate(names)}
        self.is_term: np.ndarray = a["is_term"]
        self.idf: np.ndarray = a["idf"]
        self.unknown_idf = float(a["unknown_idf"])
        self.background: np.ndarray = a["background"]
        self.prefix_of: np.ndarray = a["prefix_of"]
        self.lengths: np.ndarray = a["lengths"]
        self.distinct: np.ndarray = a["distinct"]
        self.recall: Recall = BM25(a["indptr"], a["rows"], a["weights"])
        self.units: np.ndarray = a["units"]
        self.unit_flags: np.ndarray = a["unit_flags"]
        self.unit_starts: np.ndarray = a["unit_starts"]
        self.sentence_flags: np.ndarray = a["sentence_flags"]
        self.first_of: np.ndarray = a["first_of"]
        self.last_of: np.ndarray = a["last_of"]
        every = np.arange(len(a["lengths"]))
        self.position: np.ndarray = every - a["first_of"]  # a sentence's place in its article
        self.remaining: np.ndarray = a["last_of"] - every  # sentences after it in its article
        self._arrays = a
        prefixes = {names[i][:PREFIX]: int(p) for i, p in enumerate(a["prefix_of"].tolist()) if p >= 0}
        self._terms = QuestionTerms(
            self.vocabulary, self.is_term, self.idf, self.unknown_idf, self.background, prefixes
        )

    # Per-question lookup tables of the numpy path, filled for a question and then reset; made at
    # its first use, since the compiled kernel keeps its own.
    @cached_property
    def _term_slot(self) -> np.ndarray:
        return np.full(len(self.vocabulary), -1, dtype=np.int32)

    @cached_property
    def _prefix_slot(self) -> np.ndarray:
        return np.full(int(self.prefix_of.max(initial=-1)) + 2, -1, dtype=np.int32)

    @cached_property
    def _question_word(self) -> np.ndarray:
        return np.zeros(len(self.vocabulary), dtype=bool)

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the index is made of, for the on-disk cache."""
        return self._arrays

    def __len__(self) -> int:
        return len(self.lengths)

    # -- questions -----------------------------------------------------------------------

    def query(self, question: str) -> Query:
        """Analyse a question against this index's vocabulary, as :mod:`bot.search.wording` mends it."""
        text = self._mend(clean(question))
        analysed = self._fold_acronyms(analysed_words(text))
        vocabulary, term_of = self.vocabulary, self._terms.of
        ids: dict[int, float] = {}  # known term ids, and the share of their IDF they count
        prefixes: list[tuple[int, int, float]] = []
        total = background_total = 0.0
        seen: set[str] = set()
        sequence: list[int] = []  # every word as a unit id (-1 unknown), for phrases
        content: list[bool] = []  # whether each is a term the corpus knows
        asked: list[str] = []  # the question's content terms, in order
        for word, term in analysed:
            if term is None or word.text in CHAT_WORDS:  # word.text is case-folded
                sequence.append(vocabulary.get(STOP_PREFIX + word.text, -1))
                content.append(False)
                continue
            facts = term_of(term)
            sequence.append(facts.unit)
            content.append(facts.unit >= 0)
            asked.append(term)
            if term in seen:
                continue
            seen.add(term)
            if not facts.known and len(term) < 2:  # a stray letter ("When w" cut short) asks nothing
                continue
            total += facts.weight
            background_total += facts.background
            if facts.known:
                ids[facts.unit] = 1.0
            for j in facts.related:  # another word for it that the article uses stands in, at a discount
                ids.setdefault(j, RELATED_WEIGHT)
            if facts.prefix >= 0:
                prefixes.append((facts.prefix, facts.unit if facts.known else -1, facts.weight))
        for pair in pairwise(asked):  # "take part": a phrase with a one-word synonym
            for j in self._terms.related(" ".join(pair)):
                ids.setdefault(j, RELATED_WEIGHT)
        pairs, triples = phrases(sequence, content)
        idf, rarity = self.idf.item, self.background.item
        return Query(
            text=text,
            term_ids=list(ids),
            weights=[idf(j) * share for j, share in ids.items()],
            related=[share < 1.0 for share in ids.values()],
            total_weight=total,
            background=[rarity(j) * share for j, share in ids.items()],
            background_total=background_total,
            words=sorted({u for u in sequence if u >= 0}),
            prefixes=[p for p, _, _ in prefixes],
            prefix_terms=[t for _, t, _ in prefixes],
            prefix_weights=[w for _, _, w in prefixes],
            pairs=pairs,
            triples=triples,
            cues=question_cues(text),
        )

    def _mend(self, text: str) -> str:
        """``text`` with misspelt words spelled as the articles spell them (small corpora only)."""
        if len(self) > SPELL_MAX_SENTENCES:
            return text
        if self._speller is None:
            self._speller = Speller(self.corpus.texts(), lambda word: next(iter(terms(word)), None), self._terms.knows)
        return self._speller.mend(text)

    def _fold_acronyms(self, pairs: list[tuple[Word, str | None]]) -> list[tuple[Word, str | None]]:
        """A run of capitalised question words folded into the article's acronym for it.

        "the United States" becomes ``us`` when the article writes "U.S.", and "International
        Committee of the Red Cross" becomes ``icrc`` when it writes "ICRC".
        """
        out: list[tuple[Word, str | None]] = []
        i = 0
        while i < len(pairs):
            word, term = pairs[i]
            if term is not None and word.capital and not word.protected:
                window = [i]
                j = i + 1
                while j < len(pairs) and len(window) < 4:  # stop words may sit inside
                    w, t = pairs[j]
                    if t is not None:
                        if not (w.capital and not w.protected):
                            break
                        window.append(j)
                    j += 1
                for size in range(len(window), 1, -1):
                    short = "".join(pairs[k][0].text[0] for k in window[:size])
                    if self._is_acronym(short):
                        out.append((Word(short, protected=True, capital=True), short))
                        i = window[size - 1] + 1
                        break
                else:
                    out.append(pairs[i])
                    i += 1
                continue
            out.append(pairs[i])
            i += 1
        return out

    def _is_acronym(self, term: str) -> bool:
        """Whether the articles write ``term`` as an acronym ("ICRC", "U.S."), checked once."""
        known = self._acronyms.get(term)
        if known is None:
            j = self.vocabulary.get(term, -1)
            known = False
            first = self.recall.first_with(j) if j >= 0 and self.is_term[j] else None
            if first is not None:
                known = any(w.protected and w.text == term for w, _ in analysed_words(self.corpus.text(first)))
            self._acronyms[term] = known
        return known

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The ``k`` sentences that best answer ``question``, best first.

        Only sentences that share a term with the question, or stand next to one that does,
        are returned; ties go to the earlier sentence.
        """
        return self.rank(self.query(question))[:k]

    def rank(self, query: Query, k: int | None = None) -> list[Hit]:
        """The ``k`` best candidate sentences for ``query`` (all of them by default), best first."""
        with self._lock:
            return self._rank(query, k, everything=False)[0]

    def ranking(self, question: str) -> list[int]:
        """All sentences, best first: ranked candidates, then the rest by BM25 and position."""
        with self._lock:
            hits, rest = self._rank(self.query(question), None, everything=True)
        return [h.index for h in hits] + rest

    def _rank(self, query: Query, k: int | None, everything: bool) -> tuple[list[Hit], list[int]]:
        scores = self._buffer
        try:
            candidates = self._candidates(query)
            if len(candidates) == 0:
                return [], list(range(len(self))) if everything else []
            matrix, coverage = features.matrix(self, query, scores, candidates)
            # A few dozen candidates at most: plain floats from here on cost less than numpy's
            # calls. Candidates are in corpus order and the sort is stable, so ties go to the
            # earlier sentence.
            ranked = (matrix @ features.weights_for(query)).tolist()
            order = sorted(range(len(ranked)), key=ranked.__getitem__, reverse=True)[:k]
            best = ranked[order[0]]
            exps = [math.exp(r - best) for r in ranked]
            total = math.fsum(exps)
            at = candidates.tolist()
            covered = coverage.tolist()
            background_covered = matrix[:, features.BACKGROUND_WINDOW].tolist()
            # tuple.__new__ is what Hit._make calls: a dozen hits a question, made without a
            # Python-level __new__ each.
            make = tuple.__new__
            hits = [make(Hit, (at[i], ranked[i], exps[i] / total, covered[i], background_covered[i])) for i in order]
            rest: list[int] = []
            if everything:
                seen = set(candidates.tolist())
                rest = [i for i in np.lexsort((np.arange(len(self)), -scores)).tolist() if i not in seen]
            return hits, rest
        finally:
            self._reset(query)  # leave the buffers clean for the next question

    def term_slots(self, query: Query) -> np.ndarray:
        """Over the vocabulary: each question term's position in ``query.term_ids``, else -1.

        Valid while the question is being ranked (the lock is held); reset afterwards.
        """
        self._term_slot[_ids(query.term_ids)] = np.arange(len(query.term_ids), dtype=np.int32)
        return self._term_slot

    def prefix_slots(self, query: Query) -> np.ndarray:
        """Over prefix ids, shifted by one so that -1 (no prefix) maps to the last entry."""
        self._prefix_slot[_ids(query.prefixes)] = np.arange(len(query.prefixes), dtype=np.int32)
        return self._prefix_slot

    def question_words(self, query: Query) -> np.ndarray:
        """Over the vocabulary: True for the question's own words."""
        self._question_word[_ids(query.words)] = True
        return self._question_word

    def _reset(self, query: Query) -> None:
        if kernel.COMPILED:  # the kernel's own lookup tables are clean after each call
            self.words.clear(self._touched)
            self._touched = self._touched[:0]
            return
        self._buffer[self._touched] = 0.0
        self._touched = self._touched[:0]
        self._term_slot[_ids(query.term_ids)] = -1
        self._prefix_slot[_ids(query.prefixes)] = -1
        self._question_word[_ids(query.words)] = False

    def _accumulate(self, term_ids: list[int]) -> np.ndarray:
        """The recall's scores for ``term_ids`` into the buffer; the sentences touched."""
        self._touched = self.recall.score(term_ids, self._buffer)
        return self._touched

    def features_of(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """The re-ranker's feature rows for ``query`` and the candidates they describe."""
        with self._lock:
            try:
                candidates = self._candidates(query)
                if len(candidates) == 0:
                    return np.zeros((0, len(features.NAMES))), np.zeros(0, dtype=np.int64)
                return features.matrix(self, query, self._buffer, candidates)[0], candidates
            finally:
                self._reset(query)

    def bm25(self, query: Query) -> np.ndarray:
        """The BM25 score of every sentence (a fresh array)."""
        with self._lock:
            try:
                self._accumulate(query.term_ids)
                return self._buffer.copy()
            finally:
                self._reset(query)

    def _candidates(self, query: Query) -> np.ndarray:
        """The best BM25 sentences and their neighbours in the same article, sorted; the buffer
        then holds the BM25 score of every sentence."""
        touched = self._accumulate(query.term_ids)
        if len(touched) == 0:
            return touched
        if kernel.COMPILED:
            return self.words.candidates(touched, CANDIDATES)
        return self._with_neighbours(self._best(touched, len(query.term_ids)))

    def _best(self, touched: np.ndarray, terms: int) -> np.ndarray:
        """The CANDIDATES best sentences by the buffer's scores, ties to the earlier one.

        ``touched`` lists a sentence once for each of the ``terms`` it holds, so the
        CANDIDATES x ``terms`` best entries (and any tied with the last) hold them all.
        """
        scores = self._buffer
        wide = CANDIDATES * max(terms, 1)
        if len(touched) > wide:
            values = scores[touched]
            cut = np.partition(values, len(values) - wide)[len(values) - wide]
            touched = touched[values >= cut]
        best = np.unique(touched)
        return best[np.lexsort((best, -scores[best]))[:CANDIDATES]]

    def around(self, sentences: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sentences + offsets`` (one row per sentence), and which of them stand in the same
        article as their sentence."""
        moved = sentences[:, None] + offsets
        inside = (offsets >= -self.position[sentences][:, None]) & (offsets <= self.remaining[sentences][:, None])
        return moved, inside

    def _with_neighbours(self, sentences: np.ndarray) -> np.ndarray:
        """``sentences`` and those either side of them in the same article, sorted."""
        moved, inside = self.around(sentences, _EITHER_SIDE)
        return np.unique(moved[inside])


_EITHER_SIDE = np.array([-1, 0, 1])


def _ids(values: list[int]) -> np.ndarray:
    """A question's ids as an array, for the numpy path's lookups."""
    return np.asarray(values, dtype=np.int64)
