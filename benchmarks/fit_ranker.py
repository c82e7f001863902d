#!/usr/bin/env python3
"""Fit the ranker's feature weights (``bot/ranker.json``) on the tuning data, listwise.

usage: python benchmarks/fit_ranker.py [--shared ../shared] [--l2 0.001] [--dry-run]

Tuning data, never the reported test data: the SQuAD articles whose titles sort in the first
half, and WikiQA's training split (questions with a gold sentence among the candidates). Each
set gets the same total weight, so the 10-sentence WikiQA pages and the 240-sentence SQuAD
articles both count.

The loss is the softmax cross-entropy of each question's gold sentences among its candidates
(the sentences the index re-ranks), with an L2 penalty; scipy's L-BFGS minimises it. The
result is printed beside the metrics on the tuning sets and on WikiQA dev.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.evaluate import Question, articles, read_questions, score
from bot.search import features

WEIGHTS_FILE = Path(features.__file__).with_name("ranker.json")


def squad_halves(shared: Path) -> tuple[list[Question], list[Question]]:
    """SQuAD questions whose article title sorts in the first half, and the rest."""
    questions = list(read_questions(shared / "eval/squad/dev.jsonl.xz"))
    titles = sorted({q.doc_title for q in questions})
    first = set(titles[: len(titles) // 2])
    return [q for q in questions if q.doc_title in first], [q for q in questions if q.doc_title not in first]


Row = tuple[np.ndarray, np.ndarray, np.ndarray]  # features, gold mask, weight groups on


def rows(questions: list[Question]) -> list[Row]:
    """(feature matrix of the candidates, gold mask) for each question whose gold is among them."""
    out = []
    for index, group in articles(questions):
        for q in group:
            query = index.query(q.question)
            matrix, candidates = index.features_of(query)
            gold = np.isin(candidates, list(q.gold))
            if not gold.any() or gold.all():
                continue
            groups = np.array([1.0, *query.cues.kinds])
            out.append((matrix, gold, groups))
    return out


def fit(sets: list[tuple[list[Row], float]], l2: float) -> np.ndarray:
    """Minimise the listwise loss, each set's mean weighted by its share; (groups x features)."""
    shape = (len(features.GROUPS), len(features.NAMES))
    stacked = [(m, g, on, share / len(s)) for s, share in sets for m, g, on in s]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(shape)
        total, grad = l2 * float(flat @ flat), 2 * l2 * w
        for m, gold, on, weight in stacked:
            s = m @ (on @ w)
            s = s - s.max()
            p = np.exp(s)
            p /= p.sum()
            p_gold = float(p[gold].sum())
            total -= weight * np.log(max(p_gold, 1e-300))
            q = np.where(gold, p, 0.0) / max(p_gold, 1e-300)
            grad += weight * np.outer(on, p @ m - q @ m)
        return total, grad.ravel()

    result = minimize(loss, np.zeros(shape[0] * shape[1]), jac=True, method="L-BFGS-B")
    return result.x.reshape(shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--l2", type=float, default=3e-4)
    parser.add_argument("--wikiqa-share", type=float, default=0.2, help="WikiQA's weight next to SQuAD's 1")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write ranker.json")
    args = parser.parse_args()

    squad_first, _ = squad_halves(args.shared)
    wikiqa_train = list(read_questions(args.shared / "eval/wikiqa/train.jsonl"))
    wikiqa_dev = list(read_questions(args.shared / "eval/wikiqa/dev.jsonl"))
    weights = fit([(rows(squad_first), 1.0), (rows(wikiqa_train), args.wikiqa_share)], args.l2)
    print(f"{'':>24} " + " ".join(f"{g[:6]:>6}" for g in features.GROUPS))
    for name, column in zip(features.NAMES, weights.T):
        print(f"{name:>24} " + " ".join(f"{v:+6.2f}" for v in column))
    if not args.dry_run:
        WEIGHTS_FILE.write_text(
            json.dumps(
                {
                    "fitted": datetime.date.today().isoformat(),
                    "data": "SQuAD v1.1 dev, first half of article titles; WikiQA train",
                    "l2": args.l2,
                    "weights": {
                        group: {n: round(float(v), 4) for n, v in zip(features.NAMES, row)}
                        for group, row in zip(features.GROUPS, weights)
                    },
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
    features.WEIGHTS[:] = weights
    for label, questions in [
        ("SQuAD first half", squad_first),
        ("WikiQA train", wikiqa_train),
        ("WikiQA dev", wikiqa_dev),
    ]:
        report = score(questions)
        shown = report.filtered if report.filtered.questions else report.everything
        print(label, "  ".join(f"{k} {v:.3f}" for k, v in shown.summary().items()))


if __name__ == "__main__":
    main()
