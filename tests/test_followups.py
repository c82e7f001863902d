"""Follow-up questions: a short question that leans on the one before is read with it, in its
own chat or topic only, and only for a few minutes."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from bot.answer import Answerer
from bot.followups import Conversations
from tests.helpers.fake_bot_api import FORUM, GROUP, PRIVATE, FakeBotAPI
from tests.helpers.telegram_helpers import ASK, answer_to

FIRST = "Who interviewed the prisoners?"
FOLLOW_UP = "when was that?"
WHEN = "On October 31"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_follow_up_is_answered_with_the_question_before(answerer: Answerer) -> None:
    chats = Conversations()
    assert chats.ask(answerer, "chat", FIRST).quotes
    answer = chats.ask(answerer, "chat", FOLLOW_UP)
    assert answer.question == FOLLOW_UP  # the reader's own words, as recorded and shown
    assert WHEN in answer.quotes[0].sentence.text


def test_a_question_that_stands_on_its_own_is_not_read_with_the_one_before(answerer: Answerer) -> None:
    chats = Conversations()
    chats.ask(answerer, "chat", FIRST)
    assert chats.read("chat", "what is the price of bitcoin?") == "what is the price of bitcoin?"
    assert chats.read("chat", "When were the soldiers captured by Ukrainian forces?") == (
        "When were the soldiers captured by Ukrainian forces?"
    )


def test_follow_ups_stay_in_their_conversation_and_expire(answerer: Answerer) -> None:
    clock = Clock()
    chats = Conversations(clock=clock)
    chats.ask(answerer, "a", FIRST)
    assert chats.read("b", FOLLOW_UP) == FOLLOW_UP  # another chat
    clock.now = 301.0
    assert chats.read("a", FOLLOW_UP) == FOLLOW_UP  # too late


def test_only_the_most_recent_conversations_are_kept(answerer: Answerer) -> None:
    chats = Conversations(kept=2)
    for chat in ("a", "b", "c"):
        chats.ask(answerer, chat, FIRST)
    assert chats.read("a", FOLLOW_UP) == FOLLOW_UP  # forgotten
    assert chats.read("c", FOLLOW_UP) != FOLLOW_UP


async def test_follow_up_in_a_private_chat(fake: FakeBotAPI, bot: Any) -> None:
    await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, FIRST))
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, FOLLOW_UP))
    assert reply.text.startswith(WHEN)


async def test_follow_up_in_a_group_and_not_across_topics(fake: FakeBotAPI, bot: Any) -> None:
    await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {FIRST}"))
    reply = await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {FOLLOW_UP}"))
    assert reply.text.startswith(WHEN)
    asked_here, elsewhere = fake.open_topic(FORUM, "Prisoners"), fake.open_topic(FORUM, "Other")
    await answer_to(fake, FORUM, fake.push_text(FORUM, f"{ASK} {FIRST}", topic=asked_here))
    reply = await answer_to(fake, FORUM, fake.push_text(FORUM, f"{ASK} {FOLLOW_UP}", topic=elsewhere))
    assert not reply.text.startswith(WHEN)  # nothing was asked before in that topic


def test_a_short_question_answered_on_its_own_is_not_read_with_the_one_before(answerer: Answerer) -> None:
    chats = Conversations()
    chats.ask(answerer, "chat", "Who met the prisoners in March?")
    answer = chats.ask(answerer, "chat", "When were they captured?")  # "they": the article's soldiers
    assert answer.quotes[0].sentence.text == "Ukrainian forces captured them in January 2023."


def test_the_console_reads_a_follow_up_with_the_question_before() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=f"{FIRST}\n{FOLLOW_UP}\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first, second = run.stdout.strip().split("\n\n")[:2]
    assert "interviewed" in first
    assert second.startswith(f"│ {WHEN}")
