"""Scoring the retriever on labelled question sets (``shared/eval/*``).

A set is JSON Lines, optionally xz-compressed, one question a line::

    {"qid": str, "question": str, "doc_title": str, "sentences": [str, ...], "gold": [int, ...]}

For each question the index is built over that question's own ``sentences``, as the bot would
over an article; questions with the same article share one index. Metrics are computed over
the questions with at least one gold sentence: P@1 (the top sentence is gold), R@3 (a gold
sentence is in the top three), MRR and MAP.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus import Corpus, ParsedArticle
from bot.index import Index

__all__ = ["EvalError", "Metrics", "Question", "articles", "corpus_of", "evaluate", "read_questions", "score"]


class EvalError(Exception):
    """A question file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Question:
    qid: str
    question: str
    doc_title: str
    sentences: tuple[str, ...]
    gold: frozenset[int]


@dataclass(slots=True)
class Metrics:
    """Running sums of the four ranking metrics over answerable questions."""

    questions: int = 0
    top1: float = 0.0
    top3: float = 0.0
    reciprocal_rank: float = 0.0
    average_precision: float = 0.0
    rankings: list[dict[str, Any]] = field(default_factory=list)

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


def read_questions(path: str | Path) -> Iterator[Question]:
    """Questions from a ``.jsonl`` or ``.jsonl.xz`` file."""
    path = Path(path)
    opener = lzma.open if path.suffix == ".xz" else open
    number = 0
    try:
        with opener(path, "rt", encoding="utf-8") as lines:  # type: ignore[operator]
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _question(json.loads(line), number)
    except OSError as err:
        raise EvalError(f"cannot read {path}: {err.strerror or err}") from None
    except (lzma.LZMAError, UnicodeDecodeError) as err:
        raise EvalError(f"{path} is not UTF-8 JSON Lines ({err})") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise EvalError(f"{path}, line {number}: not a question object ({err!r})") from None


def _question(item: dict[str, Any], number: int) -> Question:
    sentences = item["sentences"]
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
        raise ValueError("sentences must be a list of strings")
    return Question(
        qid=str(item.get("qid", number)),
        question=str(item["question"]),
        doc_title=str(item.get("doc_title", "")),
        sentences=tuple(sentences),
        gold=frozenset(int(g) for g in item.get("gold") or ()),
    )


def corpus_of(title: str, sentences: Iterable[str]) -> Corpus:
    """A one-article corpus whose sentences are given (the set's own segmentation is kept)."""
    article = ParsedArticle(title=title, source=None, paragraphs=[[s] for s in sentences])
    return Corpus.from_articles([(title or "article", article)])


def articles(questions: Iterable[Question]) -> Iterator[tuple[Index, list[Question]]]:
    """Questions grouped by article, each group with the index over its article.

    Groups keep the file's order of first appearance; an article's index is built once.
    """
    groups: dict[str, list[Question]] = {}
    for q in questions:
        key = hashlib.blake2b("\x00".join((q.doc_title, *q.sentences)).encode(), digest_size=16)
        groups.setdefault(key.hexdigest(), []).append(q)
    for group in groups.values():
        first = group[0]
        yield Index(corpus_of(first.doc_title, first.sentences)), group


def score(questions: Iterable[Question], keep_rankings: bool = False) -> tuple[Metrics, Metrics]:
    """Metrics over every answerable question, and over those where not every sentence is gold.

    The second is WikiQA's official filtered protocol, which drops questions whose candidates
    are all correct.
    """
    everything, filtered = Metrics(), Metrics()
    for index, group in articles(questions):
        for q in group:
            ranking = index.ranking(q.question)
            everything.add(ranking, q.gold)
            if len(q.gold) < len(q.sentences):
                filtered.add(ranking, q.gold)
            if keep_rankings:
                everything.rankings.append({"qid": q.qid, "ranking": ranking})
    return everything, filtered


def evaluate(path: str | Path, rankings: str | Path | None = None) -> str:
    """Score a labelled file; return the report the ``eval`` command prints."""
    questions = list(read_questions(path))
    everything, filtered = score(questions, keep_rankings=rankings is not None)
    if rankings is not None:
        with open(rankings, "w", encoding="utf-8") as out:
            for row in everything.rankings:
                out.write(json.dumps(row) + "\n")
    lines = [
        f"{path}: {len(questions)} questions, {everything.questions} with a gold sentence",
        _line("all answerable", everything),
    ]
    if filtered.questions != everything.questions:
        lines.append(_line("not all gold", filtered))
    return "\n".join(lines)


def _line(label: str, metrics: Metrics) -> str:
    values = "  ".join(f"{k} {v:.3f}" for k, v in metrics.summary().items())
    return f"{label:>15} ({metrics.questions:>5}):  {values}"
