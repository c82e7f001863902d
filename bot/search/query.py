"""What the index says of a question: the question analysed (:class:`Query`) and the sentences
found for it (:class:`Hit`)."""

from __future__ import annotations

from typing import NamedTuple

from bot.search.cues import QuestionCues

__all__ = ["Hit", "Query"]


class Hit(NamedTuple):
    """A sentence found for a question (a named tuple: a dozen are made for every question)."""

    index: int  # type: ignore[assignment]  # corpus index of the sentence (hides tuple.index)
    score: float  # the ranker's score
    probability: float  # the ranker's probability that this is the answer, among the candidates
    coverage: float  # share of the question's IDF mass in the sentence and its neighbours
    background_coverage: float  # the same, terms weighed by their rarity in English


class Query(NamedTuple):
    """A question, analysed once against an index's vocabulary."""

    text: str
    # The question's numbers as plain lists: a question has a handful of each, and making numpy
    # arrays of them cost more than the compiled kernel's reading them (the numpy path converts).
    term_ids: list[int]  # ids of the distinct question terms the corpus knows, question order
    weights: list[float]  # their IDF (a related term's at its discount)
    related: list[bool]  # for each, whether it stands in for a question word the corpus lacks (WordNet)
    total_weight: float  # IDF of every distinct question term, unknown ones at the highest
    background: list[float]  # the known terms' background IDF (rarity in English)
    background_total: float  # background IDF of every distinct question term
    words: list[int]  # sorted ids of every question word the corpus knows, stop words too
    prefixes: list[int]  # prefix ids of the long question terms
    prefix_terms: list[int]  # the term id of each (-1: a term the corpus lacks)
    prefix_weights: list[float]  # and its IDF
    pairs: frozenset[tuple[int, ...]]  # the question's runs of two known words holding a term
    triples: frozenset[tuple[int, ...]]  # and of three
    cues: QuestionCues
