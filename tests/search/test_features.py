"""The re-ranker's features: both fast computations (the compiled kernel and the numpy one
that runs without it) against a plain one written here sentence by sentence, straight from what
each feature means.

The fast paths are easy to get subtly wrong (a neighbour across an article's edge, a phrase
across two sentences); this reference loops over words in plain Python, and each path must agree
with it on every feature of every candidate, for questions of every kind, on one article and on many.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from bot.articles.corpus import Corpus, load_corpus
from bot.search import cues, kernel
from bot.search.features import CANDIDATE_RANKS, NAMES
from bot.search.index import Index, Query

DATA = Path(__file__).resolve().parents[1] / "data"


def plain_features(index: Index, query: Query, scores: np.ndarray, candidates: list[int]) -> np.ndarray:
    """Each candidate's features, one sentence and one word at a time."""
    slot = {int(t): i for i, t in enumerate(query.term_ids)}
    weights, background = query.weights, query.background
    total, background_total = max(query.total_weight, 1e-9), max(query.background_total, 1e-9)
    asked = set(query.words)
    is_term = index.is_term

    def words(s: int) -> list[tuple[int, int]]:
        lo, hi = int(index.unit_starts[s]), int(index.unit_starts[s + 1])
        return list(zip(index.units[lo:hi].tolist(), index.unit_flags[lo:hi].tolist()))

    def held(s: int | None) -> set[int]:
        return set() if s is None else {slot[u] for u, _ in words(s) if u in slot}

    def share(slots: set[int], of: list[float], whole: float) -> float:
        return sum(of[i] for i in slots) / whole

    bm = {c: float(scores[c]) for c in candidates}
    top = max(bm.values()) or 1.0
    best = sorted(bm.values(), reverse=True)[:CANDIDATE_RANKS]
    rows = []
    for c in candidates:
        f = dict.fromkeys(NAMES, 0.0)
        position = c - int(index.first_of[c])
        remaining = int(index.last_of[c]) - c

        def near(offset: int, c: int = c, position: int = position, remaining: int = remaining) -> int | None:
            return c + offset if -position <= offset <= remaining else None

        def score(s: int | None) -> float:
            return 0.0 if s is None else float(scores[s])

        own, before, after = held(c), held(near(-1)), held(near(1))
        coverage = share(own, weights, total)
        window = share(own | before | after, weights, total)
        previous_gain = share(own | before, weights, total) - coverage
        ws = words(c)
        bits = int(index.sentence_flags[c])
        anaphor = float(bits & cues.ANAPHOR_WORD > 0)

        # Matched terms' places, counting terms only (1 for the sentence's first term).
        places, count = [], 0
        for u, _ in ws:
            count += bool(is_term[u])
            if u in slot:
                places.append(count)
        if len(own) >= 2:
            f["proximity"] = len(own) / max(places[-1] - places[0] + 1, 1)
        if places:
            f["early"] = 1.0 / (places[0] + 1.0)

        units = [u for u, _ in ws]
        f["phrases"] = sum((a, b) in query.pairs for a, b in itertools.pairwise(units)) + sum(
            run in query.triples for run in zip(units, units[1:], units[2:])
        )
        for j, prefix in enumerate(query.prefixes):
            has = any(int(index.prefix_of[u]) == prefix for u in units)
            term = query.prefix_terms[j]
            if has and (term < 0 or slot[term] not in own):
                f["prefix"] += query.prefix_weights[j] / total

        new = [(u not in asked, flags) for u, flags in ws]
        capital = [is_new and flags & cues.CAPITAL > 0 for is_new, flags in new]
        k = query.cues
        if k.when:
            f["when_year"] = float(any(is_new and flags & cues.YEAR for is_new, flags in new))
            f["when_date"] = float(bits & cues.DATE_WORD > 0)
        if k.number:
            f["number"] = float(any(flags & cues.NUMBER for _, flags in ws))
            f["measure"] = float(bits & cues.MEASURE > 0)
        if k.who:
            f["who_capital"] = float(any(capital))
            f["who_name"] = float(any(a and b for a, b in itertools.pairwise(capital)))
        if k.where:
            place = [flags & cues.PLACE_WORD > 0 for _, flags in ws]
            the = [flags & cues.THE > 0 for _, flags in ws]
            f["where_place"] = float(
                any(p and cap for p, cap in zip(place, capital[1:]))
                or any(p and t and cap for p, t, cap in zip(place, the[1:], capital[2:]))
            )
        if k.why:
            f["why_cause"] = float(bits & cues.CAUSE_WORD > 0)
        if k.define:
            f["define_first"] = float(position == 0)

        rarest = max(weights, default=0.0) or 1.0
        f["bm25"] = bm[c]
        f["bm25_share"] = bm[c] / top
        f["rank"] = 1.0 / (1.0 + sum(b > bm[c] for b in best))
        f["coverage"] = coverage
        f["related"] = sum(weights[i] for i in own if query.related[i]) / total
        f["coverage_squared"] = coverage * coverage
        f["background_coverage"] = share(own, background, background_total)
        f["background_window"] = share(own | before | after, background, background_total)
        f["window_gain"] = window - coverage
        f["previous_gain"] = previous_gain
        f["anaphor_previous_gain"] = anaphor * previous_gain
        f["previous"] = score(near(-1)) / top
        f["next"] = score(near(1)) / top
        f["far"] = (score(near(-2)) + score(near(2))) / top
        f["rarest"] = max((weights[i] for i in own), default=0.0) / rarest
        f["lead"] = 1.0 / (1.0 + position)
        f["first"] = float(position == 0)
        f["length"] = float(np.log1p(index.lengths[c]))  # in float32, as lengths are kept
        f["novelty"] = math.log1p(int(index.distinct[c]) - len(own))
        f["anaphor"] = anaphor
        rows.append([f[name] for name in NAMES])
    return np.array(rows)


def _wikinews() -> tuple[Corpus, list[str]]:
    """The nine Wikinews articles in tests/data as one corpus, and questions about each."""
    corpus = load_corpus(DATA / "articles")
    questions = [article.title for article in corpus.articles] + [
        "who announced where the retired shuttles will go?",
        "how many seats did the pro-democracy camp win",
        "why do australian kids lack iodine",
        "what was the score between sweden and south korea?",
        "which schools must pay the property tax in italy",
        "who attacked the church's website and when?",
        "where were the lanterns displayed",
        "what did the document say and where was it found?",
        "why was the defector arrested?",
    ]
    return corpus, questions


def _seed_questions() -> list[str]:
    with (DATA / "seed_questions.jsonl").open(encoding="utf-8") as f:
        asked = [json.loads(line)["q"] for line in f if line.strip()]
    # Every kind of question, spelled-out acronyms, phrases, and words the article lacks.
    return [
        *asked,
        "When did the United States send the prisoners home in 2023?",
        "How many soldiers were captured, and what percent survived?",
        "Where in Ukraine were the North Korean soldiers held?",
        "Who is the Ukrainian president?",
        "Why were the prisoners not repatriated?",
        "What is the Geneva Convention?",
        "Which country captured the soldiers?",
        "How did they reach South Korea?",
        "photosynthetic prisoners of the war",
    ]


@pytest.mark.parametrize("path", ["compiled", "numpy"])
@pytest.mark.parametrize("where", ["seed", "wikinews"])
def test_the_fast_features_are_the_plain_ones(
    where: str, path: str, seed_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "compiled" and not kernel.COMPILED:
        pytest.skip("no compiled kernel (tests/search/test_kernel.py fails and says why)")
    monkeypatch.setattr(kernel, "COMPILED", path == "compiled")
    if where == "seed":
        corpus, questions = seed_corpus, _seed_questions()
    else:
        corpus, questions = _wikinews()
    index = Index(corpus)
    compared = 0
    for question in questions:
        query = index.query(question)
        matrix, candidates = index.features_of(query)
        if len(candidates) == 0:
            continue
        expected = plain_features(index, query, index.bm25(query), candidates.tolist())
        for row, want, c in zip(matrix, expected, candidates.tolist()):
            differ = [n for n, a, b in zip(NAMES, row, want) if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)]
            assert not differ, f"{question!r}, sentence {c}: {differ}"
        compared += len(candidates)
    assert compared > 10 * len(questions)  # most questions have many candidates to compare
