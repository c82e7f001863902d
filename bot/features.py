"""Lexical features of candidate sentences for a question, and the learned weights over them.

Each candidate sentence gets one row of :data:`NAMES`; the ranker's score is the row's dot
product with the question's weights: a vector shared by every question plus one adjustment per
kind of question it is ("when", "who", ...), since a year matters to "when" and a name to "who".
The weights are fitted listwise (softmax over each question's candidates, L2-regularised) by
``benchmarks/fit_ranker.py`` on the first half of the SQuAD articles and WikiQA's training
split, and stored in ``ranker.json`` beside this module.

Features are computed for all candidates at once, from the index's flat arrays of word ids
and word bits (a few dozen numpy operations, whatever the corpus size).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot import cues
from bot.cues import KINDS

if TYPE_CHECKING:
    from bot.index import Index, Query

__all__ = ["BACKGROUND_WINDOW", "GROUPS", "NAMES", "WEIGHTS", "matrix", "weights_for"]

NAMES: tuple[str, ...] = (
    "bm25",  # BM25 score
    "bm25_share",  # BM25 over the best sentence's
    "rank",  # 1 / (1 + number of the best BM25 candidates scoring higher)
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
    "phrases",  # runs of two or three of the question's words (stop words too) found as such
    "rarest",  # IDF of the rarest question term matched, over the rarest question term's
    "proximity",  # distinct matched terms over the span of words they cover
    "early",  # 1 / (1 + how many terms come before the first matched one)
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
    "who_name",  # "who" questions, two capitalised words in a row the question lacks
    "where_place",  # "where" questions, "in/at/near (the) Capitalised" the question lacks
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
    """Feature rows for ``candidates`` (sorted corpus indices), and each one's window coverage.

    ``scores`` holds every sentence's BM25 score.
    """
    n = len(candidates)
    out = np.zeros((n, len(NAMES)))
    column = _COLUMN
    bm = scores[candidates].astype(np.float64)
    top = float(bm.max()) or 1.0

    # The candidates and their neighbours ("rows"), and where each candidate's neighbours are.
    first, last = index.first_of[candidates], index.last_of[candidates]
    before = np.where(candidates > first, candidates - 1, -1)
    after = np.where(candidates < last, candidates + 1, -1)
    rows = np.union1d(candidates, np.concatenate([before, after]))
    if rows[0] < 0:
        rows = rows[1:]
    at = np.searchsorted(rows, candidates)
    at_before = np.where(before >= 0, np.searchsorted(rows, before), -1)
    at_after = np.where(after >= 0, np.searchsorted(rows, after), -1)

    # Every word of every row, flat: its id, its bits, which row, and where in the row.
    starts = index.unit_starts[rows]
    lengths = index.unit_starts[rows + 1] - starts
    row_of = np.repeat(np.arange(len(rows)), lengths)
    offset = np.arange(len(row_of)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    units = index.units[starts[row_of] + offset]
    flags = index.unit_flags[starts[row_of] + offset]

    # Which question terms each row holds (rows x question terms), through a slot per term.
    q = len(query.term_ids)
    slot = index.term_slots(query)
    slots = slot[units]
    hit = slots >= 0
    held = np.zeros((len(rows), q), dtype=bool)
    held[row_of[hit], slots[hit]] = True
    weights, total = query.weights, max(query.total_weight, 1e-9)
    background, background_total = query.background, max(query.background_total, 1e-9)

    own = held[at]
    with_previous = own.copy()
    ok = at_before >= 0
    with_previous[ok] |= held[at_before[ok]]
    near = with_previous.copy()
    ok = at_after >= 0
    near[ok] |= held[at_after[ok]]
    coverage = own @ weights / total
    window = near @ weights / total
    previous_gain = with_previous @ weights / total - coverage

    # Where the matched words stand in each row, for proximity
    # (counted in terms: the stop words between them do not set them apart)
    is_term = index.is_term[units]
    term_position = np.cumsum(is_term)
    first_hit = np.full(len(rows), len(units))
    last_hit = np.full(len(rows), -1)
    np.minimum.at(first_hit, row_of[hit], term_position[hit])
    np.maximum.at(last_hit, row_of[hit], term_position[hit])
    distinct_matched = held.sum(axis=1)
    span = np.maximum(last_hit - first_hit + 1, 1)
    proximity = np.where(distinct_matched >= 2, distinct_matched / span, 0.0)

    # Runs of two and three words the question has too.
    same2 = row_of[:-1] == row_of[1:]
    if len(query.phrases) and len(units) > 1:
        size = np.uint64(len(index.vocabulary))
        u = units.astype(np.uint64) + np.uint64(1)
        pair = u[:-1] * size + u[1:]
        found = _member(pair, query.phrases) & same2 & (is_term[:-1] | is_term[1:])
        phrases = np.bincount(row_of[:-1][found], minlength=len(rows))
        if len(units) > 2:
            triple = pair[:-1] * size + u[2:]
            found = _member(triple, query.phrases) & same2[:-1] & same2[1:]
            phrases += np.bincount(row_of[:-2][found], minlength=len(rows))
        out[:, column["phrases"]] = phrases[at]

    # Question terms met only through a shared prefix ("photosynthesis" / "photosynthetic").
    if len(query.prefixes):
        prefix_slot = index.prefix_slots(query)[index.prefix_of[units]]
        found = prefix_slot >= 0
        has = np.zeros((len(rows), len(query.prefixes)), dtype=bool)
        has[row_of[found], prefix_slot[found]] = True
        term_slot = slot[np.maximum(query.prefix_terms, 0)]
        missing = np.where(query.prefix_terms >= 0, ~held[:, term_slot], True) if q else np.ones_like(has)
        out[:, column["prefix"]] = ((has & missing) @ query.prefix_weights / total)[at]

    # Answer-type cues: words the question lacks, and what they are.
    new = ~index.question_words(query)[units]
    bits = index.sentence_flags[candidates]
    anaphor = (bits & cues.ANAPHOR_WORD) > 0
    position = candidates - first
    k = query.cues

    def any_in_row(mask: np.ndarray) -> np.ndarray:
        return np.bincount(row_of[mask], minlength=len(rows))[at] > 0

    if k.when:
        out[:, column["when_year"]] = any_in_row((flags & cues.YEAR > 0) & new)
        out[:, column["when_date"]] = (bits & cues.DATE_WORD) > 0
    if k.number:
        out[:, column["number"]] = any_in_row((flags & cues.NUMBER) > 0)
        out[:, column["measure"]] = (bits & cues.MEASURE) > 0
    if k.who or k.where:
        capital = ((flags & cues.CAPITAL) > 0) & new
        if k.who:
            out[:, column["who_capital"]] = any_in_row(capital)
            name = np.zeros(len(units), dtype=bool)
            name[:-1] = capital[:-1] & capital[1:] & same2
            out[:, column["who_name"]] = any_in_row(name)
        if k.where:
            place_word, the = (flags & cues.PLACE_WORD) > 0, (flags & cues.THE) > 0
            place = np.zeros(len(units), dtype=bool)
            place[:-1] = place_word[:-1] & capital[1:] & same2
            if len(units) > 2:
                place[:-2] |= place_word[:-2] & the[1:-1] & capital[2:] & same2[:-1] & same2[1:]
            out[:, column["where_place"]] = any_in_row(place)
    if k.why:
        out[:, column["why_cause"]] = (bits & cues.CAUSE_WORD) > 0
    if k.define:
        out[:, column["define_first"]] = position == 0

    rarest = (float(weights.max()) if q else 0.0) or 1.0
    best = np.sort(bm)[::-1][:CANDIDATE_RANKS]
    neighbour_bm = _at(scores, before), _at(scores, after)
    two_before = np.where(candidates - 2 >= first, candidates - 2, -1)
    two_after = np.where(candidates + 2 <= last, candidates + 2, -1)
    out[:, column["bm25"]] = bm
    out[:, column["bm25_share"]] = bm / top
    out[:, column["rank"]] = 1.0 / (1.0 + (best[None, :] > bm[:, None]).sum(axis=1))
    out[:, column["coverage"]] = coverage
    out[:, column["coverage_squared"]] = coverage * coverage
    out[:, column["background_coverage"]] = own @ background / background_total
    out[:, column["background_window"]] = near @ background / background_total
    out[:, column["window_gain"]] = window - coverage
    out[:, column["previous_gain"]] = previous_gain
    out[:, column["anaphor_previous_gain"]] = anaphor * previous_gain
    out[:, column["previous"]] = neighbour_bm[0] / top
    out[:, column["next"]] = neighbour_bm[1] / top
    out[:, column["far"]] = (_at(scores, two_before) + _at(scores, two_after)) / top
    out[:, column["rarest"]] = (own * weights).max(axis=1, initial=0.0) / rarest
    out[:, column["proximity"]] = proximity[at]
    row_first_term = np.concatenate([[0], term_position])[np.searchsorted(row_of, np.arange(len(rows)))]
    out[:, column["early"]] = np.where(distinct_matched > 0, 1.0 / (first_hit - row_first_term + 1.0), 0.0)[at]
    out[:, column["lead"]] = 1.0 / (1.0 + position)
    out[:, column["first"]] = position == 0
    out[:, column["length"]] = np.log1p(index.lengths[candidates])
    out[:, column["novelty"]] = np.log1p(index.distinct[candidates] - distinct_matched[at])
    out[:, column["anaphor"]] = anaphor
    return out, window


_COLUMN = {name: i for i, name in enumerate(NAMES)}


def _member(values: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """For each value, whether it is among ``sorted_codes`` (a few; cheaper than np.isin)."""
    where = np.minimum(np.searchsorted(sorted_codes, values), len(sorted_codes) - 1)
    return sorted_codes[where] == values


CANDIDATE_RANKS = 12  # the "rank" feature counts among this many best candidates


def _at(scores: np.ndarray, positions: np.ndarray) -> np.ndarray:
    return np.where(positions >= 0, scores[np.maximum(positions, 0)], 0.0).astype(np.float64)
