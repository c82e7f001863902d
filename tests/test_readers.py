"""Questions typed the way readers type them: typos, greetings, markup and other words for the
article's own are answered; a question that relates to the article but that no line clearly
answers gets the closest lines under a hedge; only a question about something else is declined."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.answer import Answer, Answerer, Verdict
from bot.render import CLOSEST, DECLINED, to_text


def top(answer: Answer) -> str:
    assert answer.quotes, answer.verdict
    return answer.quotes[0].sentence.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("when did ukranian forces capture them", "captured them in January 2023"),  # typo
        ("wich battle did they fight in", "Battle of Kursk"),  # typo in a stop word
        ("<b>hi</b> & <script>x</script> where is the POW camp?", "POW camp near Kyiv"),  # greeting, markup
        ("hey lol where is the pow camp", "POW camp near Kyiv"),  # chat words, lower case
    ],
)
def test_typos_greetings_and_markup_do_not_stop_an_answer(answerer: Answerer, question: str, expected: str) -> None:
    answer = answerer.answer(question)
    assert answer.verdict is Verdict.ANSWERED
    assert expected in top(answer)


def test_another_word_for_the_articles_own_finds_its_line(answerer: Answerer) -> None:
    # "stuck" is not in the article; WordNet relates it to nothing there, but "negotiations" is,
    # and the question is about the article: shown, at worst under the hedge.
    answer = answerer.answer("are the negotiations stuck")
    assert answer.verdict in (Verdict.ANSWERED, Verdict.CLOSEST)
    assert "standstill" in top(answer)


def test_a_related_word_stands_in_for_one_the_article_lacks(several: Answerer) -> None:
    # The bridge article says "died"; the reader asks who was "killed" (WordNet: kill causes die).
    answer = several.answer("how many workers were killed building the arch?")
    assert answer.verdict is not Verdict.DECLINED
    assert "sixteen of them died" in top(answer)


def test_on_topic_but_not_in_the_article_is_hedged_not_declined(answerer: Answerer) -> None:
    answer = answerer.answer("hey whos the documentary maker who talked to them")
    assert answer.verdict is Verdict.CLOSEST
    assert 1 <= len(answer.quotes) <= 2
    text = to_text(answer)
    assert text.startswith(CLOSEST)
    assert "Kim Young Mi" in text


@pytest.mark.parametrize(
    "question", ["What is the capital of France?", "how do i reset my iphone", "best pizza recipe?"]
)
def test_questions_about_something_else_are_declined(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.verdict is Verdict.DECLINED
    assert to_text(answer) == DECLINED


def test_no_sentence_is_shown_twice_in_one_reply(answerer: Answerer) -> None:
    for question in ["and the other one?", "what did the other one want", "who wanted to defect and who was undecided"]:
        answer = answerer.answer(question)
        shown = [q.sentence.index for q in answer.quotes] + [q.context.index for q in answer.quotes if q.context]
        assert len(shown) == len(set(shown)), question


def test_ask_json_gives_each_verdict() -> None:
    questions = [
        "When were they captured?",
        "hey whos the documentary maker who talked to them",
        "What is the capital of France?",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["verdict"] for r in rows] == ["answered", "closest", "declined"]
    assert [r["answered"] for r in rows] == [True, False, False]
    assert rows[1]["quotes"] and not rows[2]["quotes"]
    assert rows[1]["reply"].startswith(CLOSEST)
