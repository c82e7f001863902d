#!/usr/bin/env python3
"""Where a question's time goes, stage by stage, in this process (issue 8).

usage: python benchmarks/stages.py [--sizes seed,100k,1m] [--questions N] [--warmup W]
                                   [--repeat R] [--markdown] [--shared DIR]

``benchmarks/speed.py`` times the whole ``quotebot ask --json`` command through its pipes; this
splits the same work into the stages an answer goes through, timed in a loop in one process
(a loop runs the code faster than a process that waits on its input between questions, so
these add up to less than speed.py's medians). Same corpora and questions as speed.py
(``--sizes``: ``seed``, ``100k``, ``1m`` or any number). For each question, in turn:

- ``analysis``: ``Index.query``, the question's words, terms, phrases and kind;
- ``ranking``: ``Index.rank`` on that analysis, BM25 recall of the candidates and the
  re-ranker's features and scores;
- ``quoting``: the rest of ``Answerer.answer`` (the whole call, minus the two stages above as
  timed for the same question): the verdict, the quotes and their context lines;
- ``JSON``: ``render.json_line``, the line ``ask --json`` prints;
- ``all but ranking``: analysis + quoting + JSON, what a question costs with a free ranker.

Each stage's median over the questions; each question's stages are timed ``--repeat`` times and
the fastest kept, which takes most of the machine's noise out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

from speed import corpus_options, load_size, progress
from timing import question_list

from bot.answer import RANKED, load_answerer
from bot.render import json_line

T = TypeVar("T")
STAGES = ("analysis", "ranking", "quoting", "JSON", "all but ranking", "whole")


def fastest(call: Callable[[T], object], argument: T, repeat: int) -> int:
    """The fastest of ``repeat`` runs of ``call(argument)``, in nanoseconds."""
    clock, best = time.perf_counter_ns, None
    for _ in range(repeat):
        start = clock()
        call(argument)
        elapsed = clock() - start
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    return best


def measure(corpus: Path, questions: Sequence[str], warmup: int, repeat: int) -> dict[str, float]:
    """Median microseconds of each stage over the timed questions."""
    answerer = load_answerer(corpus)  # built afresh, in memory, as a first start serves
    index = answerer.index
    rank = partial(index.rank, k=RANKED)  # the hits the answerer looks at
    samples: dict[str, list[int]] = {stage: [] for stage in STAGES}
    for i, question in enumerate(questions):
        query = index.query(question)
        answer = answerer.answer(question)
        analysis = fastest(index.query, question, repeat)
        ranking = fastest(rank, query, repeat)
        whole_answer = fastest(answerer.answer, question, repeat)
        rendering = fastest(json_line, answer, repeat)
        if i < warmup:
            continue
        quoting = max(whole_answer - analysis - ranking, 0)
        for stage, ns in zip(STAGES, (analysis, ranking, quoting, rendering)):
            samples[stage].append(ns)
        samples["all but ranking"].append(analysis + quoting + rendering)
        samples["whole"].append(whole_answer + rendering)
    return {stage: statistics.median(ns) / 1000 for stage, ns in samples.items()}


def table(results: dict[str, dict[str, float]], markdown: bool) -> str:
    header = ["stage", *(f"{label} µs" for label in results)]
    rows = [[stage, *(f"{r[stage]:,.0f}" for r in results.values())] for stage in STAGES]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * len(results) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in enumerate(zip(row, widths)))
        for row in [header, *rows]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_options(parser)
    parser.add_argument("--questions", type=int, default=300, help="timed questions (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed questions first (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each stage per question (default 5)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    for n in args.sizes:
        size = load_size(n, args.shared)
        progress(f"{size.label}: building, then {args.warmup} + {args.questions} questions ...")
        questions = question_list(size.pool, args.warmup, args.questions)
        results[size.label] = measure(size.corpus, questions, args.warmup, args.repeat)
    print(table(results, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
