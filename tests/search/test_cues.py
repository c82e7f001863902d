"""What kind of answer a question asks for (bot.search.cues)."""

from __future__ import annotations

import itertools

import pytest

from bot.search import cues
from bot.search.analysis import normalize
from bot.search.cues import KINDS, QuestionCues, question_cues


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("When were they captured?", {"when"}),
        ("what year did the war start", {"when"}),
        ("How long ago did it happen?", {"when", "number"}),
        ("how many soldiers were captured??", {"number"}),
        ("What percentage voted yes", {"number"}),
        ("Who captured them?", {"who"}),
        ("whose idea was the swap", {"who"}),
        ("Where are they held now", {"where"}),
        ("which country holds them", {"where"}),
        ("Why did Kyiv refuse?", {"why"}),
        ("what caused the delay", {"why"}),
        ("What is a prisoner exchange?", {"define"}),
        ("how did they get there", {"how"}),
        ("which side offered the swap", {"which"}),
        ("the soldiers were captured", set()),
        ("WHO CAPTURED THEM", {"who"}),
    ],
)
def test_a_question_asks_for_its_kind_of_answer(question: str, kinds: set[str]) -> None:
    found = question_cues(question)
    assert {kind for kind, on in zip(KINDS, found.kinds, strict=True) if on} == kinds


def test_the_cues_are_the_kinds_in_order() -> None:
    assert QuestionCues._fields == KINDS


def _every_pattern_run(question: str) -> QuestionCues:
    """question_cues as it was before it skipped patterns: every regex run on every question."""
    text = normalize(question).lower()
    when = bool(cues._WHEN.search(text))
    number = bool(cues._NUMBER.search(text))
    who = bool(cues._WHO.search(text))
    where = bool(cues._WHERE.search(text))
    why = bool(cues._WHY.search(text))
    define = bool(cues._DEFINE.search(text)) and not number
    typed = when or number or who or where or why or define
    how = bool(cues._HOW.search(text)) and not typed
    which = bool(cues._WHICH.search(text)) and not typed
    return QuestionCues(when, number, who, where, why, define, how, which)


def test_skipping_patterns_a_question_cannot_match_changes_no_cue() -> None:
    # Also checks that ASCII questions, matched by the patterns' ASCII twins, get the same cues.
    openings = ["", "so ", "Tell me: ", "and ", "ok but "]
    asks = [
        "when", "what year", "which decade", "how long ago", "since when", "how many", "how much",
        "what percentage", "who", "whom", "whose", "where", "what city", "which region", "why",
        "what caused", "what led to", "reasons for", "what is", "what were", "define", "meaning of",
        "how", "which", "what", "somewhat", "nowhere", "anyhow", "whoever", "elsewhen",
    ]  # fmt: skip
    rests = [" the soldiers were captured?", "", " it", "-ish happened", " WHAT happened", " l’armée reçut", "é"]
    checked = 0
    for opening, ask, rest in itertools.product(openings, asks, rests):
        for question in (opening + ask + rest, (opening + ask + rest).upper(), ask + " and " + rest):
            assert question_cues(question) == _every_pattern_run(question), question
            checked += 1
    assert checked == len(openings) * len(asks) * len(rests) * 3
