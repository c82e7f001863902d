"""Lexical features of candidate sentences for a question, and the learned weights over them.

Each candidate sentence gets one row of :data:`NAMES`; the ranker's score is the row's dot
product with the question's weights: a vector shared by every question plus one adjustment per
kind of question it is ("when", "who", ...), since a year matters to "when" and a name to "who".
The weights are fitted listwise (softmax over each question's candidates, L2-regularised) by
``benchmarks/fit_ranker.py`` on the first half of the SQuAD articles and WikiQA's training
split, and stored in ``ranker.json`` beside this module.
All features are cheap: posting-list lookups, set operations and a few cached regexes.
"""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.cues import KINDS

if TYPE_CHECKING:
    from bot.index import Index, Query

__all__ = ["BACKGROUND_WINDOW", "GROUPS", "NAMES", "WEIGHTS", "matrix", "weights_for"]

NAMES: tuple[str, ...] = (
    "bm25",  # BM25 score
    "bm25_share",  # BM25 over the best sentence's
    "rank",  # 1 / (1 + BM25 rank)
    "coverage",  # share of the question's IDF mass the sentence holds
    "coverage_squared",
    "background_coverage",  # the same share, terms weighed by their rarity in English
    "background_window",  # ... held by the sentence and its neighbours
    "window_gain",  # coverage added by the sentences either side
    "previous_gain",  # coverage added by the sentence before
    "anaphor_previous_gain",  # the same, for sentences that start "This", "They", ...
    "previous",  # BM25 share of the sentence before
    "next",  # BM25 share of the sentence after
    "far",  # BM25 share of the sentences two away
    "prefix",  # question terms matched only by a shared 5-letter prefix, IDF-weighted share
    "bigrams",  # question term pairs found side by side
    "phrases",  # runs of two or three of the question's words (stop words too) found as such
    "rarest",  # IDF of the rarest question term matched, over the rarest question term's
    "proximity",  # distinct matched terms over the span they cover
    "lead",  # 1 / (1 + position in the article)
    "first",  # the article's first sentence
    "length",  # log(1 + terms)
    "novelty",  # log(1 + distinct terms not in the question)
    "anaphor",
    "when_year",  # "when" questions, sentences with a year the question lacks
    "when_date",  # "when" questions, sentences with a month, weekday, century...
    "number",  # "how many / how much" questions, sentences with a number
    "measure",  # the same, with %, currency
    "who_capital",  # "who" questions, a capitalised word the question lacks
    "who_name",  # "who" questions, a multi-word name the question lacks
    "where_place",  # "where" questions, "in/at/near Capitalised" the question lacks
    "why_cause",  # "why" questions, "because", "due to", "led to"...
    "define_first",  # "what is" questions, the article's first sentence
)


BACKGROUND_WINDOW = NAMES.index("background_window")
GROUPS = ("all", *KINDS)  # one weight vector for every question, plus one per kind of question


def _load_weights() -> np.ndarray:
    stored = json.loads((Path(__file__).with_name("ranker.json")).read_text(encoding="utf-8"))["weights"]
    return np.array([[stored.get(group, {}).get(name, 0.0) for name in NAMES] for group in GROUPS], dtype=np.float64)


WEIGHTS: np.ndarray = _load_weights()  # GROUPS x NAMES


def weights_for(query: Query) -> np.ndarray:
    """The weight vector for this question: the shared one plus its kinds' adjustments."""
    rows = [0] + [1 + k for k, on in enumerate(query.cues.kinds) if on]
    return WEIGHTS[rows].sum(axis=0)


def matrix(index: Index, query: Query, scores: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows for ``candidates`` (sorted corpus indices), and each one's window coverage."""
    n = len(candidates)
    top = float(scores.max()) or 1.0
    bm = scores[candidates].astype(np.float64)

    def shifted(values: np.ndarray, offset: int) -> np.ndarray:
        out = np.zeros(n)
        moved = candidates + offset
        ok = (moved >= 0) & (moved < len(index))
        ok[ok] = index.article_of[moved[ok]] == index.article_of[candidates[ok]]
        out[ok] = values[moved[ok]]
        return out

    # Which question terms each candidate and its neighbours hold.
    rows = np.unique(np.concatenate([candidates - 1, candidates, candidates + 1]))
    rows = rows[(rows >= 0) & (rows < len(index))]
    held = np.stack([index.contains(j, rows) for j in query.term_ids.tolist()], axis=1)
    weights = query.weights.astype(np.float64)
    total = max(query.total_weight, 1e-9)
    background_total = max(query.background_total, 1e-9)

    def mass_of(mask: np.ndarray) -> np.ndarray:
        return (mask @ weights) / total

    at = np.searchsorted(rows, candidates)
    own_held = held[at]
    own = mass_of(own_held)

    def held_at(offset: int) -> np.ndarray:
        out = np.zeros_like(own_held)
        moved = candidates + offset
        ok = (moved >= 0) & (moved < len(index))
        ok[ok] = index.article_of[moved[ok]] == index.article_of[candidates[ok]]
        out[ok] = held[np.searchsorted(rows, moved[ok])]
        return out

    before, after = held_at(-1), held_at(1)
    window = mass_of(own_held | before | after)
    with_previous = mass_of(own_held | before)

    touched = np.sort(scores[scores > 0])
    rank = len(touched) - np.searchsorted(touched, bm, side="right")

    first_of = np.array([index.corpus.articles[a].first for a in index.article_of[candidates]])
    position = candidates - first_of

    cues = query.cues
    question_terms = set(query.term_ids.tolist())
    pairs = set(pairwise(query.term_ids.tolist()))
    term_weight = dict(zip(query.term_ids.tolist(), weights.tolist()))

    extra = np.zeros((n, 16))
    rarest = float(weights.max()) if len(weights) else 1.0
    for r, i in enumerate(candidates.tolist()):
        view = index.view(i)
        seq = view.terms
        distinct = set(seq)
        matched_positions = [p for p, t in enumerate(seq) if t in question_terms]
        matched = {seq[p] for p in matched_positions}
        if len(matched) >= 2:
            extra[r, 0] = len(matched) / (matched_positions[-1] - matched_positions[0] + 1)
        extra[r, 1] = len(pairs & set(pairwise(seq)))
        extra[r, 2] = math.log1p(len(distinct - question_terms))
        if query.prefixes:
            heads = {int(index.prefix_of[t]) for t in distinct}
            soft = sum(w for p, j, w in query.prefixes if p in heads and j not in distinct)
            extra[r, 3] = soft / total
        extra[r, 14] = len(query.phrases & view.phrases)
        extra[r, 15] = max((term_weight[t] for t in matched), default=0.0) / rarest
        s = view.cues
        new_capital = bool(s.capitalised - cues.words)
        extra[r, 4] = s.anaphor
        extra[r, 5] = cues.when and bool(s.years - cues.years)
        extra[r, 6] = cues.when and s.date_word
        extra[r, 7] = cues.number and s.number
        extra[r, 8] = cues.number and s.measure
        extra[r, 9] = cues.who and new_capital
        extra[r, 10] = cues.who and any(not (set(name) & cues.words) for name in s.names)
        extra[r, 11] = cues.where and bool(s.places - cues.words)
        extra[r, 12] = cues.why and s.cause
        extra[r, 13] = cues.define and position[r] == 0

    anaphor = extra[:, 4]
    columns = [
        bm,
        bm / top,
        1.0 / (1.0 + rank),
        own,
        own * own,
        own_held @ query.background / background_total,
        (own_held | before | after) @ query.background / background_total,
        window - own,
        with_previous - own,
        anaphor * (with_previous - own),
        shifted(scores, -1) / top,
        shifted(scores, 1) / top,
        (shifted(scores, -2) + shifted(scores, 2)) / top,
        extra[:, 3],
        extra[:, 1],
        extra[:, 14],
        extra[:, 15],
        extra[:, 0],
        1.0 / (1.0 + position),
        (position == 0).astype(np.float64),
        np.log1p(index.lengths[candidates].astype(np.float64)),
        extra[:, 2],
        anaphor,
        *(extra[:, c] for c in range(5, 14)),
    ]
    return np.stack(columns, axis=1), window
