"""Follow-up questions: "and the other one?", "why?", "when was that?" read with the one before.

In a chat, readers ask on from their last question. A short question (at most
:data:`MAX_WORDS` words) that leans on something said before (a pronoun such as "it", "they",
"that", "the other one") or asks with question words alone ("why?", "when was that?"), asked within :data:`WINDOW`
seconds of a question in the same conversation, is answered as that question's words plus its
own: "who interviewed the prisoners?" then "when was that?" asks when the interview was. The
earlier question's question words are left out, so "when" is what the follow-up asks. A question
that is clearly answered on its own ("When were they captured?", where "they" are the article's
soldiers) is answered on its own.

Kept in memory only, per conversation (a chat, or a topic of one), for at most :data:`KEPT`
conversations, the least recently asked forgotten first.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

from bot.answer import Answer, Answerer, Verdict
from bot.search.analysis import terms

__all__ = ["KEPT", "MAX_WORDS", "WINDOW", "Conversations"]

WINDOW = 300.0  # seconds: "a few minutes"
MAX_WORDS = 6
KEPT = 10_000  # conversations remembered
_LEANS = re.compile(
    r"\b(?:it|its|they|them|their|theirs|he|him|his|she|her|that|this|those|these|there|then|one|ones"
    r"|other|others|same|also|too|else)\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = re.compile(r"\b(?:who|whom|whose|what|when|where|why|how|which)(?:'s)?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Topic:
    question: str  # the last question that stood on its own
    at: float


class Conversations:
    """The last question of each conversation, to read follow-ups with."""

    def __init__(self, kept: int = KEPT, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        self.kept, self.window, self.clock = kept, window, clock
        self._topics: OrderedDict[Hashable, _Topic] = OrderedDict()

    def read(self, conversation: Hashable, question: str) -> str:
        """The question to answer for ``question`` asked in ``conversation``: itself, or, for a
        follow-up, itself with the words of the question before."""
        now = self.clock()
        topic = self._topics.pop(conversation, None)
        follows = (
            topic is not None
            and now - topic.at <= self.window
            and not question.lstrip().startswith("#")  # "#2 ...": a question for one article, on its own
            and len(question.split()) <= MAX_WORDS
            and (_LEANS.search(question) is not None or not terms(question))
        )
        if follows:
            assert topic is not None
            self._topics[conversation] = _Topic(topic.question, now)
            return f"{question} {_QUESTION_WORDS.sub(' ', topic.question)}"
        self._topics[conversation] = _Topic(question, now)
        while len(self._topics) > self.kept:
            self._topics.popitem(last=False)
        return question

    def ask(self, answerer: Answerer, conversation: Hashable, question: str) -> Answer:
        """``answerer``'s answer to ``question`` asked in ``conversation``, read with the question
        before when it follows up; the answer keeps the reader's own words as its question.

        Raises :class:`~bot.articles.narrowing.NoSuchArticle` as :meth:`Answerer.ask` does.
        """
        asked = self.read(conversation, question)
        if asked == question:
            return answerer.ask(question)
        # "When were they captured?" may lean on the article rather than on the last question:
        # read with the one before only when it is not clearly answered on its own.
        alone = answerer.ask(question)
        if alone.verdict is Verdict.ANSWERED:
            self._topics[conversation] = _Topic(question, self.clock())
            return alone
        return replace(answerer.ask(asked), question=question)
