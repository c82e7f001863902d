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
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.search import cues, kernel
from bot.search.cues import KINDS

if TYPE_CHECKING:
    from bot.search.index import Index, Query

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
    "related",  # share of the question's IDF mass held only through words WordNet relates to its own
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
    return _weights_for_kinds(query.cues.kinds)


@cache  # at most 2**8 combinations of kinds, a few in practice
def _weights_for_kinds(kinds: tuple[bool, ...]) -> np.ndarray:
    rows = [0] + [1 + k for k, on in enumerate(kinds) if on]
    weights: np.ndarray = WEIGHTS[rows].sum(axis=0)
    weights.setflags(write=False)  # shared by every question of these kinds
    return weights


def matrix(index: Index, query: Query, scores: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows for ``candidates`` (sorted corpus indices), and each one's window coverage.

    ``scores`` holds the BM25 score of the candidates and of the sentences up to two away.
    Computed by the compiled kernel where it was built, else by :func:`vectorised`.
    """
    if not kernel.COMPILED:
        return vectorised(index, query, scores, candidates)
    k = query.cues
    return index.words.matrix(
        candidates,
        query.term_ids,
        query.words,
        query.prefixes,
        query.weights,
        query.related,
        query.total_weight,
        query.background,
        query.background_total,
        query.prefix_terms,
        query.prefix_weights,
        query.pairs,
        query.triples,
        k.when,
        k.number,
        k.who,
        k.where,
        k.why,
        k.define,
    )


def vectorised(index: Index, query: Query, scores: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`matrix` in numpy, for installs without the compiled kernel.

    A question has a few dozen candidates, so each numpy call here costs more in overhead than
    in work: the code keeps the calls few (one flat array of every word involved, lookups
    instead of masks) rather than the steps apart.
    """
    n = len(candidates)
    out = np.zeros((n, len(NAMES)))
    column = _COLUMN
    bm = scores[candidates].astype(np.float64)
    top = float(bm.max()) or 1.0

    # The sentences two before to two after each candidate, where its article has them.
    position = index.position[candidates]  # in its article
    around, inside = index.around(candidates, _OFFSETS)
    around_bm = scores[np.where(inside, around, 0)].astype(np.float64)
    around_bm *= inside

    # The candidates and the sentences either side ("rows"); a missing neighbour points at an
    # extra, empty row at the end.
    rows = np.unique(np.concatenate([candidates, around[:, 1][inside[:, 1]], around[:, 2][inside[:, 2]]]))
    at = np.searchsorted(rows, candidates)
    at_side = np.searchsorted(rows, around[:, 1:3])
    at_side[~inside[:, 1:3]] = len(rows)

    # Every word of every row, flat and in order: its id, its bits, and which row it is in.
    starts = index.unit_starts[rows]
    lengths = index.unit_starts[rows + 1] - starts
    row_start = np.cumsum(lengths) - lengths  # where each row begins in the flat arrays
    where = np.repeat(starts - row_start, lengths) + np.arange(int(lengths.sum()))
    row_of = np.repeat(np.arange(len(rows)), lengths)
    units = index.units[where]
    flags = index.unit_flags[where]

    # Which question terms each row holds (rows x question terms), through a slot per term.
    q = len(query.term_ids)
    slot = index.term_slots(query)
    slots = slot[units]
    hit = np.flatnonzero(slots >= 0)  # the words that are question terms, row by row
    hit_rows = row_of[hit]
    held = np.zeros((len(rows) + 1, q), dtype=bool)
    held[hit_rows, slots[hit]] = True
    weights, total = np.asarray(query.weights, dtype=np.float64), max(query.total_weight, 1e-9)
    background = np.asarray(query.background, dtype=np.float64)
    background_total = max(query.background_total, 1e-9)

    own = held[at]
    with_previous = own | held[at_side[:, 0]]
    near = with_previous | held[at_side[:, 1]]
    coverage = own @ weights / total
    window = near @ weights / total
    previous_gain = with_previous @ weights / total - coverage

    # Where the matched words stand in each candidate, for proximity
    # (counted in terms: the stop words between them do not set them apart).
    is_term = index.is_term[units]
    terms_before = np.concatenate([[0], np.cumsum(is_term)])  # terms before each flat word
    hit_position = terms_before[hit + 1]  # terms up to and including each hit, over all rows
    first = np.searchsorted(hit_rows, at)
    past = np.searchsorted(hit_rows, at, side="right")
    matched = past > first
    if len(hit):
        first_hit = np.where(matched, hit_position[np.minimum(first, len(hit) - 1)], 0)
        last_hit = np.where(matched, hit_position[past - 1], 0)
    else:
        first_hit = last_hit = np.zeros(n, dtype=np.int64)
    distinct_matched = own.sum(axis=1)
    span = np.maximum(last_hit - first_hit + 1, 1)
    out[:, column["proximity"]] = np.where(distinct_matched >= 2, distinct_matched / span, 0.0)
    # 1 / (1 + terms in the sentence up to and including the first matched one)
    reach = np.where(matched, first_hit - terms_before[row_start[at]], 0) + 1.0
    out[:, column["early"]] = np.where(matched, 1.0 / reach, 0.0)

    # Runs of two and three of the question's words: only where two question words meet.
    asked = index.question_words(query)[units]
    same_row = row_of[:-1] == row_of[1:]  # each word and the next
    twos = np.flatnonzero(asked[:-1] & asked[1:] & same_row)
    if len(twos) and query.pairs:
        found = _phrases(units, twos, query.pairs, query.triples)
        if found:
            out[:, column["phrases"]] = np.bincount(row_of[found], minlength=len(rows))[at]

    # Question terms met only through a shared prefix ("photosynthesis" / "photosynthetic").
    if len(query.prefixes):
        prefix_slot = index.prefix_slots(query)[index.prefix_of[units]]
        found_prefix = np.flatnonzero(prefix_slot >= 0)
        has = np.zeros((len(rows), len(query.prefixes)), dtype=bool)
        has[row_of[found_prefix], prefix_slot[found_prefix]] = True
        prefix_terms = np.asarray(query.prefix_terms, dtype=np.int64)
        missing = np.where(prefix_terms >= 0, ~own[:, slot[np.maximum(prefix_terms, 0)]], True) if q else True
        out[:, column["prefix"]] = (has[at] & missing) @ np.asarray(query.prefix_weights, dtype=np.float64) / total

    # Answer-type cues: words the question lacks, and what they are.
    new = ~asked
    bits = index.sentence_flags[candidates]
    anaphor = (bits & cues.ANAPHOR_WORD) > 0
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
            name[:-1] = capital[:-1] & capital[1:] & same_row
            out[:, column["who_name"]] = any_in_row(name)
        if k.where:
            place_word, the = (flags & cues.PLACE_WORD) > 0, (flags & cues.THE) > 0
            place = np.zeros(len(units), dtype=bool)
            place[:-1] = place_word[:-1] & capital[1:] & same_row
            if len(units) > 2:
                place[:-2] |= place_word[:-2] & the[1:-1] & capital[2:] & same_row[:-1] & same_row[1:]
            out[:, column["where_place"]] = any_in_row(place)
    if k.why:
        out[:, column["why_cause"]] = (bits & cues.CAUSE_WORD) > 0
    if k.define:
        out[:, column["define_first"]] = position == 0

    rarest = (float(weights.max()) if q else 0.0) or 1.0
    # Candidates scoring higher, among the best CANDIDATE_RANKS (no more can be above a score
    # than there are candidates scoring higher in all).
    higher = n - np.searchsorted(np.sort(bm), bm, side="right")
    out[:, column["bm25"]] = bm
    out[:, column["bm25_share"]] = bm / top
    out[:, column["rank"]] = 1.0 / (1.0 + np.minimum(higher, CANDIDATE_RANKS))
    out[:, column["coverage"]] = coverage
    out[:, column["related"]] = own @ (weights * np.asarray(query.related, dtype=bool)) / total
    out[:, column["coverage_squared"]] = coverage * coverage
    out[:, column["background_coverage"]] = own @ background / background_total
    out[:, column["background_window"]] = near @ background / background_total
    out[:, column["window_gain"]] = window - coverage
    out[:, column["previous_gain"]] = previous_gain
    out[:, column["anaphor_previous_gain"]] = anaphor * previous_gain
    out[:, column["previous"]] = around_bm[:, 1] / top
    out[:, column["next"]] = around_bm[:, 2] / top
    out[:, column["far"]] = (around_bm[:, 0] + around_bm[:, 3]) / top
    out[:, column["rarest"]] = (own * weights).max(axis=1, initial=0.0) / rarest
    out[:, column["lead"]] = 1.0 / (1.0 + position)
    out[:, column["first"]] = position == 0
    out[:, column["length"]] = np.log1p(index.lengths[candidates])
    out[:, column["novelty"]] = np.log1p(index.distinct[candidates] - distinct_matched)
    out[:, column["anaphor"]] = anaphor
    return out, window


def _phrases(
    units: np.ndarray, twos: np.ndarray, pairs: frozenset[tuple[int, ...]], triples: frozenset[tuple[int, ...]]
) -> list[int]:
    """Where runs of the question's words start (once per run of two, once per run of three).

    ``twos`` are the places where a question word is followed by another in the same sentence:
    usually a handful, so the runs are checked one by one against the question's own.
    """
    at = twos.tolist()
    first, second = units[twos].tolist(), units[twos + 1].tolist()
    found = [i for i, a, b in zip(at, first, second) if (a, b) in pairs]
    if triples:
        # A run of three is two runs of two in a row.
        three = set(at)
        found += [i for i, a, b in zip(at, first, second) if i + 1 in three and (a, b, int(units[i + 2])) in triples]
    return found


_COLUMN = {name: i for i, name in enumerate(NAMES)}
_OFFSETS = np.array([-2, -1, 1, 2])  # the sentences around a candidate: two before to two after


CANDIDATE_RANKS = 12  # the "rank" feature counts among this many best candidates (the kernel's too)

if kernel.COMPILED and kernel.COLUMNS != NAMES:  # pragma: no cover - caught by any test run
    raise ImportError("bot/search/_kernel.pyx computes other features than NAMES; rebuild it (pip install -e .)")
