"""Timing and statistics shared by every runner of ``benchmarks/speed.py``.

One loop times every retriever, whether it answers in this process (the bm25s and scikit-learn
workers) or at the other end of a pipe (the quotebot CLI, driven from ``speed.py``), so the
three columns of a table are counted the same way: the same questions, the same warm-up, the
same clock and the same median and p99.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Latency", "clean_question", "question_list", "time_questions"]

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Latency:
    """Per-question latency of a run: how many questions were timed, their median and p99."""

    count: int
    median_us: float
    p99_us: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Latency:
        """Summarise per-question times in nanoseconds (at least one)."""
        ordered = sorted(samples_ns)
        return cls(len(ordered), _percentile(ordered, 50) / 1000, _percentile(ordered, 99) / 1000)


def _percentile(ordered: Sequence[int], q: float) -> float:
    """The q-th percentile of sorted values, interpolated linearly (numpy's default method)."""
    position = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(position), math.ceil(position)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)


def time_questions(
    ask: Callable[[str], R],
    questions: Sequence[str],
    warmup: int,
    check: Callable[[str, R], None] | None = None,
) -> list[int]:
    """Ask every question in turn; the first ``warmup`` ones untimed. Nanoseconds per timed one.

    ``check`` (validating an answer, e.g. parsing a JSON line) runs outside the timed window, so
    the harness's own work is never billed to the retriever.
    """
    clock = time.perf_counter_ns
    samples: list[int] = []
    for i, question in enumerate(questions):
        start = clock()
        answer = ask(question)
        elapsed = clock() - start
        if i >= warmup:
            samples.append(elapsed)
        if check is not None:
            check(question, answer)
    return samples


def clean_question(text: str) -> str:
    """A question on one line with single spaces.

    The CLI reads one question a line in text mode, where a stray carriage return would split
    a question in two and put the pipe protocol out of step; every retriever gets the same text.
    """
    return " ".join(text.split())


def question_list(pool: Sequence[str], warmup: int, count: int) -> list[str]:
    """``warmup + count`` questions: the pool in order, cleaned, repeated if it is too short."""
    cleaned = [q for q in (clean_question(p) for p in pool) if q]
    if not cleaned:
        raise ValueError("no questions")
    total = warmup + count
    return [cleaned[i % len(cleaned)] for i in range(total)]
