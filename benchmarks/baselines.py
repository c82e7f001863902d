#!/usr/bin/env python3
"""The retrievers Quotebot is compared with, each run alone in a child process by ``speed.py``.

usage: python benchmarks/baselines.py {bm25s,sklearn} CORPUS QUESTIONS.json [--warmup W] [--k K]

- ``bm25s``: bm25s at its best. ``bm25s.tokenize`` (its defaults: lower case, scikit-learn's
  token pattern, English stop words, no stemmer) and ``BM25().index``; per question the same
  tokenizer, ``get_scores`` and a plain top-k over the non-zero scores. Not ``retrieve()``: its
  ``argpartition`` over a mostly-zero score vector is pathologically slow with numpy 2.x (issue 8).
- ``sklearn``: the textbook scikit-learn path. ``TfidfVectorizer()`` with its defaults fitted over
  the sentences; per question ``vectorizer.transform([q]) @ X.T`` and the same top-k.

Both get the same sentences: each line of CORPUS split after ``.``, ``!`` or ``?`` followed by
white space. That is exactly how ``make_corpus.py`` joins its sentences, so a generated corpus of
N sentences gives N here; on a real article it also splits after "U.S." or "Rep.".

Protocol, for ``speed.py``: once built, the worker prints ``ready`` on a line of its own (the
parent times start-up from that), then answers every question in QUESTIONS.json (a JSON list,
the first W a warm-up) and prints one JSON object: ``sentences``, ``build_s`` (read + split +
tokenize + index, imports excluded), ``parts`` (seconds per step, imports included) and
``latencies_ns`` (one per timed question).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np
from timing import time_questions

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Retriever(Protocol):
    """What the shared timing loop needs of a baseline."""

    parts: dict[str, float]  # seconds spent in each build step, for the table's footnote

    def search(self, question: str, k: int) -> np.ndarray: ...


def read_sentences(path: Path) -> list[str]:
    """The corpus' sentences: every line split after sentence-final punctuation."""
    with path.open(encoding="utf-8") as f:
        return [s for line in f for s in SENTENCE_END.split(line.strip()) if s]


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best of the scored ``ids``, best first, ties to the earlier sentence.

    Given only the sentences that scored at all, so ``argpartition`` never wades through a
    million zeros (the trap ``bm25s.retrieve`` falls into).
    """
    if len(ids) > k:
        keep = np.argpartition(-scores, k - 1)[:k]
        ids, scores = ids[keep], scores[keep]
    return ids[np.lexsort((ids, -scores))]


@contextmanager
def step(parts: dict[str, float], name: str) -> Iterator[None]:
    """Time one build step into ``parts[name]``."""
    start = time.perf_counter()
    yield
    parts[name] = time.perf_counter() - start


class Bm25s:
    """bm25s with its default tokenizer, scored by ``get_scores`` and a plain top-k."""

    def __init__(self, sentences: list[str], parts: dict[str, float]) -> None:
        self.parts = parts
        # Imported here, not at the top, so each worker pays only for its own library.
        with step(parts, "import"):
            import bm25s
        self._bm25s = bm25s
        with step(parts, "tokenize"):
            tokens = bm25s.tokenize(sentences, stopwords="en", show_progress=False)
        with step(parts, "index"):
            self._retriever = bm25s.BM25()
            self._retriever.index(tokens, show_progress=False)

    def search(self, question: str, k: int) -> np.ndarray:
        tokens = self._bm25s.tokenize(question, stopwords="en", return_ids=False, show_progress=False)[0]
        if not tokens:  # only stop words: get_scores would fail on an empty list
            return np.empty(0, dtype=np.int64)
        scores = self._retriever.get_scores(tokens)
        hits = np.flatnonzero(scores)
        return top_k(hits, scores[hits], k)


class TextbookSklearn:
    """``TfidfVectorizer`` fitted over the sentences; ``transform([q]) @ X.T`` per question."""

    def __init__(self, sentences: list[str], parts: dict[str, float]) -> None:
        self.parts = parts
        with step(parts, "import"):
            from sklearn.feature_extraction.text import TfidfVectorizer
        # fit_transform tokenizes and builds the matrix in one pass; the two cannot be told apart.
        with step(parts, "fit"):
            self._vectorizer = TfidfVectorizer()
            self._matrix = self._vectorizer.fit_transform(sentences)

    def search(self, question: str, k: int) -> np.ndarray:
        # Exactly the textbook expression: X.T is a CSC view, which scipy converts to CSR for
        # the product on every call. That per-question cost is part of what is being measured.
        scores = self._vectorizer.transform([question]) @ self._matrix.T
        return top_k(scores.indices, scores.data, k)


RETRIEVERS: dict[str, Callable[[list[str], dict[str, float]], Retriever]] = {
    "bm25s": Bm25s,
    "sklearn": TextbookSklearn,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("retriever", choices=sorted(RETRIEVERS))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("questions", type=Path, help="a JSON list of questions, the warm-up first")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    questions: list[str] = json.loads(args.questions.read_text(encoding="utf-8"))

    parts: dict[str, float] = {}
    with step(parts, "read+split"):
        sentences = read_sentences(args.corpus)
    retriever = RETRIEVERS[args.retriever](sentences, parts)
    print("ready", flush=True)

    samples = time_questions(lambda q: retriever.search(q, args.k), questions, args.warmup)
    result = {
        "sentences": len(sentences),
        "build_s": sum(seconds for step, seconds in parts.items() if step != "import"),
        "parts": parts,
        "latencies_ns": samples,
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
