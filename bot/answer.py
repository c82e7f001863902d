"""From search hits to an :class:`Answer`: which quotes to show, or whether to decline.

The answerer quotes up to three sentences, best first, under one of three verdicts:

- *declined*: nothing in the question relates to the article ("What is the capital of
  France?"). A question relates when the article holds enough of its words, each weighed by its
  rarity in English (the article's own words, or words WordNet relates to them), or holds one
  rare one: the share held plus a tenth of the rarest word's weight must reach
  :data:`MIN_TOPIC`. Greetings, markup and typos were taken out or mended before
  (:mod:`bot.search.wording`), so they never count against a question.
- *answered*: the best sentence and its neighbours hold at least :data:`MIN_COVERAGE` of the
  question's term weight (words the article never uses weigh the most) and the ranker gives it
  at least :data:`MIN_PROBABILITY` among the candidates; or they hold :data:`FULL_COVERAGE`.
- *closest*: about the article, but no line clearly answers: the best one or two lines are
  shown under a hedge.
Further quotes are added only while the ranker still finds them plausible next to the best.
When the best sentence leans on the one before ("This allowed...", "Both have now..."), that
sentence comes along as context. The next best sentences are kept too (``Answer.rest``), for a
reader who asks for more.

With several articles, a question can be narrowed to one of them (``answer(q, article=k)``, or
``ask("#2 q")``): it is then answered over that article alone, as if it were the only one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from bot.articles.corpus import Corpus, Sentence
from bot.articles.narrowing import article_corpus, narrow
from bot.search.cache import load_index
from bot.search.cues import leans_back
from bot.search.index import Hit, Index, Query

__all__ = ["MAX_MORE", "MAX_QUESTION", "MAX_QUOTES", "Answer", "Answerer", "Quote", "Verdict", "load_answerer"]

MAX_QUOTES = 3
MAX_MORE = 6  # next best sentences kept for "more"; further down the ranking they rarely answer
MAX_QUESTION = 1000  # characters of a question that are read; the rest is ignored
# Chosen on the reader development set (benchmarks/readers/dev.jsonl), see benchmarks/README.md:
# MIN_TOPIC declines 27 of its 30 off-topic questions and 17 of its 202 answerable ones (the
# right line on top for 2 of those); the answered rule leaves 9 of its 31 questions the article
# does not answer as sure, and 50 of the 85 whose best line is right (35 of the 117 whose is not).
MIN_TOPIC = 0.7
MIN_COVERAGE = 0.4
MIN_PROBABILITY = 0.5
FULL_COVERAGE = 0.8
CLOSEST_QUOTES = 2  # lines shown under the hedge
MIN_SHARE = 0.1  # a further quote's probability next to the best one's
RANKED = MAX_QUOTES + MAX_MORE + 4  # hits looked at: the quotes, "more", and lines shown as context
NARROWED_KEPT = 32  # one-article answerers kept for narrowed questions, the least recently used dropped


class Verdict(str, Enum):
    ANSWERED = "answered"
    CLOSEST = "closest"  # about the article, but no line clearly answers: the best ones, hedged
    DECLINED = "declined"  # nothing in the question relates to the article
    EMPTY = "empty"  # nothing to search for: no words, or only stop words


class Quote(NamedTuple):
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
    rest: tuple[int, ...] = ()  # corpus indices of the next best sentences, not quoted, best first
    article: int | None = None  # the article (0-based) the question was narrowed to, if any

    @property
    def answered(self) -> bool:
        return self.verdict is Verdict.ANSWERED


def _on_topic(query: Query) -> bool:
    """Whether the article holds enough of the question's words, weighed by rarity in English."""
    held = sum(query.background) / max(query.background_total, 1e-9)
    rarest = max(query.background, default=0.0)
    return held + rarest / 10 >= MIN_TOPIC


def _answers(hit: Hit) -> bool:
    # Nearly every weighty word of the question around one line is an answer, even when several
    # lines do so alike and share the ranker's probability between them.
    return hit.coverage >= FULL_COVERAGE or (hit.coverage >= MIN_COVERAGE and hit.probability >= MIN_PROBABILITY)


class Answerer:
    """Answers questions about one corpus."""

    def __init__(self, corpus: Corpus, index: Index | None = None) -> None:
        self.corpus = corpus
        self.index = index if index is not None else Index(corpus)
        self._narrowed: OrderedDict[int, Answerer] = OrderedDict()

    def ask(self, text: str) -> Answer:
        """The answer to ``text``, narrowed to article N when it starts with ``#N``.

        Raises :class:`bot.articles.NoSuchArticle` (its message is for the reader) for an N the
        corpus does not have.
        """
        article, question = narrow(text, self.corpus)
        return self.answer(question, article)

    def answer(self, question: str, article: int | None = None) -> Answer:
        """The answer to ``question`` from the whole corpus, or only from ``article`` (0-based)."""
        if article is not None:
            return self._answer_from(article, question)
        question = question.strip()
        truncated = len(question) > MAX_QUESTION
        text = question[:MAX_QUESTION]
        query = self.index.query(text)
        if len(query.term_ids) == 0 and query.total_weight == 0:
            return Answer(question, Verdict.EMPTY, truncated=truncated)
        hits = self.index.rank(query, k=RANKED) if _on_topic(query) else []
        if not hits:
            return Answer(question, Verdict.DECLINED, truncated=truncated)
        verdict = Verdict.ANSWERED if _answers(hits[0]) else Verdict.CLOSEST
        quotes = self._quotes(hits)
        if verdict is Verdict.CLOSEST:
            quotes = quotes[:CLOSEST_QUOTES]
        shown = {q.sentence.index for q in quotes} | {q.context.index for q in quotes if q.context}
        rest = tuple(h.index for h in hits if h.index not in shown)[:MAX_MORE]
        return Answer(question, verdict, quotes, truncated, rest)

    def quote(self, i: int, score: float = 0.0) -> Quote:
        """Sentence ``i`` as a quote: with the line before when it leans on it, and its article's
        title when there are several. ``score`` is for quotes picked by a ranking."""
        several = len(self.corpus.articles) > 1
        title = self.corpus.article_of(i).title if several else None
        return Quote(self.corpus.sentence(i), score, self._context(i), title)

    def _quotes(self, hits: list[Hit]) -> list[Quote]:
        best = hits[0].probability
        quotes: list[Quote] = []
        shown: set[int] = set()
        for hit in hits:
            if len(quotes) == MAX_QUOTES or (quotes and hit.probability < MIN_SHARE * best):
                break
            if hit.index in shown:  # already on screen, as the context of a better quote
                continue
            quote = self.quote(hit.index, hit.probability)
            if quote.context is not None and quote.context.index in shown:  # shown already, as a quote
                quote = quote._replace(context=None)
            quotes.append(quote)
            shown.add(hit.index)
            if quote.context is not None:
                shown.add(quote.context.index)
        return quotes

    def _answer_from(self, k: int, question: str) -> Answer:
        """``question`` answered by article ``k`` alone, told in this corpus's sentence numbers."""
        one = self._narrowed.pop(k, None)
        if one is None:
            one = Answerer(article_corpus(self.corpus, k))
        self._narrowed[k] = one  # most recently used last
        while len(self._narrowed) > NARROWED_KEPT:
            self._narrowed.popitem(last=False)
        answer = one.answer(question)
        first = self.corpus.articles[k].first
        quotes = [self.quote(q.sentence.index + first)._replace(score=q.score) for q in answer.quotes]
        rest = tuple(i + first for i in answer.rest)
        return replace(answer, quotes=quotes, rest=rest, article=k)

    def _context(self, i: int) -> Sentence | None:
        """The sentence before ``i`` in its paragraph, when ``i`` opens with "This", "They"..."""
        if i == 0 or not self.corpus.same_paragraph(i - 1, i):
            return None
        if not leans_back(self.corpus.text(i)):
            return None
        return self.corpus.sentence(i - 1)


def load_answerer(path: str | Path, cache: Path | None = None, progress: bool = False) -> Answerer:
    """The answerer over the articles at ``path``, its index from ``cache`` when built before.

    ``progress`` draws progress bars on a terminal while building. Raises
    :class:`~bot.articles.corpus.CorpusError` when there is nothing to serve.
    """
    return Answerer(*load_index(path, cache, progress))
