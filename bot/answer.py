"""From search hits to an :class:`Answer`: which quotes to show, or whether to decline.

The answerer quotes up to three sentences, best first. The first is quoted when enough of the
question is found around it (its *coverage*: the share of the question's term weight held by
the sentence and its neighbours, where words the article never uses weigh the most, or where
words weigh by their rarity in English); below that, the article does not answer and the bot
says so rather than quote the least bad line.
Further quotes are added only while the ranker still finds them plausible next to the best.
When the best sentence leans on the one before ("This allowed...", "Both have now..."), that
sentence comes along as context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bot.corpus import Corpus, Sentence
from bot.cues import leans_back
from bot.index import Hit, Index

__all__ = ["MAX_QUESTION", "MAX_QUOTES", "Answer", "Answerer", "Quote", "Verdict"]

MAX_QUOTES = 3
MAX_QUESTION = 1000  # characters of a question that are read; the rest is ignored
# The best quote (with its neighbours) must hold this share of the question's IDF mass, or
# this share of its background weight (rarity in English), else the article does not answer.
# Chosen for answer-triggering F1 on WikiQA's training split (0.384, against 0.370 for the first
# rule alone), with every answerable question of the seed article's dev set still answered.
MIN_COVERAGE = 0.3
MIN_BACKGROUND_COVERAGE = 0.6
MIN_SHARE = 0.1  # a further quote's probability next to the best one's


class Verdict(str, Enum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"  # the article does not answer
    EMPTY = "empty"  # nothing to search for: no words, or only stop words


@dataclass(frozen=True, slots=True)
class Quote:
    """A sentence quoted as (part of) an answer, with the line before it when it leans on it."""

    sentence: Sentence
    score: float  # the ranker's probability that this sentence is the answer
    context: Sentence | None = None
    title: str | None = None  # the article's title, when the corpus has several


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    verdict: Verdict
    quotes: list[Quote] = field(default_factory=list)
    truncated: bool = False  # the question was longer than MAX_QUESTION and was cut

    @property
    def answered(self) -> bool:
        return self.verdict is Verdict.ANSWERED


def _covers(hit: Hit) -> bool:
    return hit.coverage >= MIN_COVERAGE or hit.background_coverage >= MIN_BACKGROUND_COVERAGE


class Answerer:
    """Answers questions about one corpus."""

    def __init__(self, corpus: Corpus, index: Index | None = None) -> None:
        self.corpus = corpus
        self.index = index if index is not None else Index(corpus)

    def answer(self, question: str) -> Answer:
        question = question.strip()
        truncated = len(question) > MAX_QUESTION
        text = question[:MAX_QUESTION]
        query = self.index.query(text)
        if len(query.term_ids) == 0 and query.total_weight == 0:
            return Answer(question, Verdict.EMPTY, truncated=truncated)
        hits = self.index.rank(query)
        if not hits or not _covers(hits[0]):
            return Answer(question, Verdict.NOT_FOUND, truncated=truncated)
        return Answer(question, Verdict.ANSWERED, self._quotes(hits), truncated)

    def _quotes(self, hits: list[Hit]) -> list[Quote]:
        best = hits[0].probability
        several = len(self.corpus.articles) > 1
        quotes: list[Quote] = []
        for hit in hits[:MAX_QUOTES]:
            if quotes and hit.probability < MIN_SHARE * best:
                break
            quotes.append(
                Quote(
                    sentence=self.corpus.sentence(hit.index),
                    score=hit.probability,
                    context=self._context(hit.index),
                    title=self.corpus.article_of(hit.index).title if several else None,
                )
            )
        return quotes

    def _context(self, i: int) -> Sentence | None:
        """The sentence before ``i`` in its paragraph, when ``i`` opens with "This", "They"..."""
        if i == 0 or not self.corpus.same_paragraph(i - 1, i):
            return None
        if not leans_back(self.corpus.text(i)):
            return None
        return self.corpus.sentence(i - 1)
