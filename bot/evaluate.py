"""Scoring the retriever on labelled question sets (``shared/eval/*``).

Two line formats are read, JSON Lines, optionally xz-compressed:

* a question with its own article (SQuAD, WikiQA)::

    {"qid": str, "question": str, "doc_title": str, "sentences": [str, ...], "gold": [int, ...]}

  The index is built over the question's own ``sentences``, as the bot would over an article;
  questions with the same article share one index.

* a question about the bot's corpus (``seed/dev.jsonl``)::

    {"q": str, "gold": [str, ...] | null}

  Gold sentences are those of the corpus containing any of the ``gold`` substrings; ``null``
  marks a question the corpus does not answer.

Ranking metrics are computed over questions with at least one gold sentence: P@1 (the top
sentence is gold), R@3 (a gold sentence is in the top three), MRR and MAP. When a file also
has questions without an answer, the bot's decision to decline is scored too: precision,
recall and F1 of "answered, with a gold sentence on top" (WikiQA's answer triggering).
"""

from __future__ import annotations

import hashlib
import json
import lzma
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer import Answerer
from bot.articles.corpus import Corpus, ParsedArticle
from bot.search.index import Index

__all__ = [
    "EvalError",
    "Question",
    "RankingScores",
    "Triggering",
    "articles",
    "corpus_of",
    "evaluate",
    "read_questions",
    "score",
]


class EvalError(Exception):
    """A question file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Question:
    qid: str
    question: str
    doc_title: str
    sentences: tuple[str, ...]  # shared between the questions of one article
    gold: frozenset[int]


@dataclass(slots=True)
class RankingScores:
    """Running sums of the four ranking metrics over answerable questions."""

    questions: int = 0
    top1: float = 0.0
    top3: float = 0.0
    reciprocal_rank: float = 0.0
    average_precision: float = 0.0

    def add(self, ranking: list[int], gold: frozenset[int]) -> None:
        if not gold:
            return
        self.questions += 1
        hits = 0
        precision_sum = 0.0
        first: int | None = None
        for rank, sentence in enumerate(ranking, start=1):
            if sentence in gold:
                hits += 1
                precision_sum += hits / rank
                if first is None:
                    first = rank
        if first is not None:
            self.top1 += first == 1
            self.top3 += first <= 3
            self.reciprocal_rank += 1 / first
        self.average_precision += precision_sum / len(gold)

    def summary(self) -> dict[str, float]:
        n = max(self.questions, 1)
        return {
            "P@1": self.top1 / n,
            "R@3": self.top3 / n,
            "MRR": self.reciprocal_rank / n,
            "MAP": self.average_precision / n,
        }


@dataclass(slots=True)
class Triggering:
    """The decline decision: is the bot answering exactly when it has a right answer on top?"""

    questions: int = 0
    answerable: int = 0
    answered: int = 0
    right: int = 0  # answered, with a gold sentence as the first quote
    unanswerable_declined: int = 0

    def add(self, answered: bool, top: int | None, gold: frozenset[int]) -> None:
        self.questions += 1
        self.answerable += bool(gold)
        self.answered += answered
        self.right += answered and top in gold
        self.unanswerable_declined += not gold and not answered

    def summary(self) -> dict[str, float]:
        precision = self.right / self.answered if self.answered else 0.0
        recall = self.right / self.answerable if self.answerable else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "F1": f1}


@dataclass(slots=True)
class Scores:
    everything: RankingScores = field(default_factory=RankingScores)
    filtered: RankingScores = field(default_factory=RankingScores)  # not every candidate gold (WikiQA's 237)
    triggering: Triggering = field(default_factory=Triggering)
    rankings: list[dict[str, Any]] = field(default_factory=list)


def read_questions(path: str | Path, corpus: Corpus | None = None) -> Iterator[Question]:
    """Questions from a ``.jsonl`` or ``.jsonl.xz`` file, in either format.

    ``corpus`` is the article(s) that questions of the second format ask about.
    """
    path = Path(path)
    opener = lzma.open if path.suffix == ".xz" else open
    number = 0
    shared: dict[str, tuple[str, ...]] = {}  # one copy of each article's sentences
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _question(json.loads(line), number, corpus, shared)
    except OSError as err:
        raise EvalError(f"cannot read {path}: {err.strerror or err}") from None
    except (lzma.LZMAError, UnicodeDecodeError) as err:
        raise EvalError(f"{path} is not UTF-8 JSON Lines ({err})") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
        raise EvalError(f"{path}, line {number}: not a question object ({err!r})") from None


def _question(item: dict[str, Any], number: int, corpus: Corpus | None, shared: dict[str, tuple[str, ...]]) -> Question:
    if "q" in item and "sentences" not in item:
        if corpus is None:
            raise ValueError("a question about the bot's corpus, but no corpus given")
        sentences = shared.setdefault("", tuple(corpus.texts()))
        wanted = item.get("gold") or []
        gold = frozenset(i for i, s in enumerate(sentences) if any(g in s for g in wanted))
        return Question(str(item.get("qid", number)), str(item["q"]), "", sentences, gold)
    texts = item["sentences"]
    if not isinstance(texts, list) or not all(isinstance(s, str) for s in texts):
        raise ValueError("sentences must be a list of strings")
    title = str(item.get("doc_title", ""))
    key = hashlib.blake2b("\x00".join([title, *texts]).encode(), digest_size=16).hexdigest()
    return Question(
        qid=str(item.get("qid", number)),
        question=str(item["question"]),
        doc_title=title,
        sentences=shared.setdefault(key, tuple(texts)),
        gold=frozenset(int(g) for g in item.get("gold") or ()),
    )


def corpus_of(title: str, sentences: Iterable[str]) -> Corpus:
    """A one-article corpus whose sentences are given (the set's own segmentation is kept)."""
    article = ParsedArticle(title=title, source=None, paragraphs=[[s] for s in sentences])
    return Corpus.from_articles([(title or "article", article)])


def articles(questions: Iterable[Question], corpus: Corpus | None = None) -> Iterator[tuple[Index, list[Question]]]:
    """Questions grouped by article, each group with the index over its article.

    Groups keep the file's order of first appearance; an article's index is built once.
    Questions about the bot's own corpus use ``corpus`` itself, paragraphs and all.
    """
    groups: dict[int, list[Question]] = {}
    for q in questions:
        groups.setdefault(id(q.sentences), []).append(q)
    for group in groups.values():
        first = group[0]
        if corpus is not None and first.doc_title == "" and first.sentences == tuple(corpus.texts()):
            yield Index(corpus), group
        else:
            yield Index(corpus_of(first.doc_title, first.sentences)), group


def score(questions: Iterable[Question], corpus: Corpus | None = None, rankings: bool = False) -> Scores:
    """Ranking metrics, and the decline decision's when some questions have no answer."""
    report = Scores()
    groups = list(articles(questions, corpus))
    some_unanswerable = any(not q.gold for _, group in groups for q in group)
    for index, group in groups:
        answerer = Answerer(index.corpus, index) if some_unanswerable else None
        for q in group:
            ranking = index.ranking(q.question)
            report.everything.add(ranking, q.gold)
            if len(q.gold) < len(q.sentences):
                report.filtered.add(ranking, q.gold)
            if rankings:
                report.rankings.append({"qid": q.qid, "ranking": ranking})
            if answerer is not None:
                answer = answerer.answer(q.question)
                top = answer.quotes[0].sentence.index if answer.quotes else None
                report.triggering.add(answer.answered, top, q.gold)
    return report


def evaluate(path: str | Path, rankings: str | Path | None = None, corpus: Corpus | None = None) -> str:
    """Score a labelled file; return the report the ``eval`` command prints."""
    questions = list(read_questions(path, corpus))
    report = score(questions, corpus, rankings=rankings is not None)
    if rankings is not None:
        with open(rankings, "w", encoding="utf-8") as out:
            for row in report.rankings:
                out.write(json.dumps(row) + "\n")
    everything, filtered, triggering = report.everything, report.filtered, report.triggering
    lines = [
        f"{path}: {len(questions)} questions, {everything.questions} with a gold sentence",
        _line("all answerable", everything.questions, everything.summary()),
    ]
    if filtered.questions != everything.questions:
        lines.append(_line("not all gold", filtered.questions, filtered.summary()))
    if triggering.questions:
        unanswerable = triggering.questions - triggering.answerable
        lines.append(_line("declining", triggering.questions, triggering.summary()))
        lines.append(
            f"{'':>15}   answered {triggering.answered} of {triggering.questions}; "
            f"declined {triggering.unanswerable_declined} of the {unanswerable} without an answer"
        )
    return "\n".join(lines)


def _line(label: str, count: int, values: dict[str, float]) -> str:
    shown = "  ".join(f"{k} {v:.3f}" for k, v in values.items())
    return f"{label:>15} ({count:>5}):  {shown}"
