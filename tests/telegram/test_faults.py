"""The bot under faults: the Bot API failing on getUpdates and on sendMessage, and a handler
raising. Every question is answered exactly once once the API works again, nothing is posted
twice, an outage costs a handful of calls rather than a hot loop, and one update's failure
costs nobody else an answer.

What "exactly once" can mean (see bot/retry.py): a call Telegram did not act on (no connection,
a connection closed before any answer, 500/502/503, 429) is sent again; one it may have acted on
(no answer in time, a mangled 200) is not, and the fake carries those out, as Telegram would.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from bot.answer import Answerer
from bot.articles.corpus import load_corpus
from bot.botapi.retry import Backoff
from tests.helpers.articles import long_article
from tests.helpers.fake_bot_api import GROUP, PRIVATE, Chat, FakeBotAPI, Fault
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to, eventually, polling, replied_to

API_TIMEOUT = 0.3  # seconds the bot waits for an answer here, so that "too slow" is quick to show
FIRST_PAUSE = Backoff().first
READERS = [Chat(2_000 + n, "private", first_name=f"Reader {n}") for n in range(3)]


@pytest.fixture
async def quick(fake: FakeBotAPI, answerer: Answerer) -> Any:
    """The bot with a short timeout for the Bot API's answers."""
    async with running(make_settings(fake, api_timeout=API_TIMEOUT, stop_timeout=2), answerer) as app:
        yield app


def replies(fake: FakeBotAPI, chat: Chat) -> list[int | None]:
    """The questions the bot's messages in ``chat`` answer, in the order they were sent."""
    return [replied_to(call) for call in fake.sent(chat)]


# sendMessage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault.server_error(500),
        Fault.bad_gateway(),
        Fault.server_error(503),
        Fault.dropped(),
        Fault.retry_after(1),
    ],
    ids=["500", "502-html", "503", "dropped-connection", "429"],
)
async def test_a_reply_telegram_did_not_take_is_sent_again(fake: FakeBotAPI, quick: Any, fault: Fault) -> None:
    fake.inject("sendMessage", fault)
    question = fake.push_text(PRIVATE, QUESTION)
    reply = await answer_to(fake, PRIVATE, question)
    assert reply.text.startswith(ANSWER)
    [failed, sent] = fake.calls_to("sendMessage")
    assert failed.fault is fault and sent is reply
    assert replies(fake, PRIVATE) == [question["message_id"]]  # once


@pytest.mark.parametrize("fault", [Fault.slow(1.0), Fault.malformed()], ids=["answer-past-the-timeout", "mangled-200"])
async def test_a_reply_telegram_took_is_not_sent_twice_and_the_rest_follows(
    fake: FakeBotAPI, tmp_path: Any, fault: Fault, caplog: Any
) -> None:
    article = tmp_path / "long.txt"
    article.write_text(long_article(), encoding="utf-8")
    long_answerer = Answerer(load_corpus(article))
    async with running(make_settings(fake, api_timeout=API_TIMEOUT), long_answerer):
        fake.inject("sendMessage", fault)  # the first of three parts
        question = fake.push_text(PRIVATE, "When was the convoy captured near the river crossing?")
        parts = await fake.wait_sent(PRIVATE, 3)
        # The next question is answered after them: nothing more was on its way.
        follow_up = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "When did markets open?"))
    assert parts[0].fault is fault
    assert fake.sent(PRIVATE) == [*parts, follow_up]
    assert replies(fake, PRIVATE) == [
        question["message_id"],
        None,
        None,
        follow_up.params["reply_parameters"]["message_id"],
    ]
    assert "not sent again" in caplog.text


async def test_a_reply_that_keeps_failing_is_given_up_in_time_and_nobody_else_waits(
    fake: FakeBotAPI, answerer: Answerer, caplog: Any
) -> None:
    fake.inject("sendMessage", Fault.server_error(500), times=10**6, when=lambda p: p["chat_id"] == GROUP.id)
    async with running(make_settings(fake, retry_for=1.5), answerer):
        fake.push_text(GROUP, f"{ASK} {QUESTION}")
        others = [fake.push_text(chat, QUESTION) for chat in READERS]
        for chat, question in zip(READERS, others):
            await answer_to(fake, chat, question)
        failures = await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 500, count=2)
        given_up = await _logged(caplog, "Network trouble while replying")
    assert f"group chat {GROUP.id}" in given_up
    tries = [c for c in fake.calls_to("sendMessage") if c.status == 500]
    assert tries[-1].started - tries[0].started <= 1.5 + 0.1  # within QUOTEBOT_RETRY_FOR
    assert len(tries) <= 2 + math.log2(1 + 1.5 / FIRST_PAUSE)  # with growing pauses
    assert failures and not fake.sent(GROUP)


async def _logged(caplog: Any, text: str, timeout: float = 10.0) -> str:
    """The first log line holding ``text``, waiting for it."""

    def found() -> str | None:
        return next((r.getMessage() for r in caplog.records if text in r.getMessage()), None)

    return await eventually(found, timeout)


# getUpdates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault.server_error(500),
        Fault.bad_gateway(),
        Fault.dropped(),
        Fault.malformed(),  # Telegram handed the updates over, the bot never read them
        Fault.retry_after(1),
        Fault.error(409, "Conflict: terminated by other getUpdates request"),
    ],
    ids=["500", "502-html", "dropped-connection", "mangled-200", "429", "409"],
)
async def test_updates_are_fetched_again_after_get_updates_fails(fake: FakeBotAPI, quick: Any, fault: Fault) -> None:
    fake.inject("getUpdates", fault)
    fake.push_text(GROUP, "Nice weather today")  # ends the long poll under way; the next one fails
    await fake.wait_for(lambda c: c.method == "getUpdates" and c.fault is fault, finished=False)
    question = fake.push_text(PRIVATE, QUESTION)
    reply = await answer_to(fake, PRIVATE, question)
    assert reply.text.startswith(ANSWER)
    assert replies(fake, PRIVATE) == [question["message_id"]]
    assert not fake.sent(GROUP)


# Outages ----------------------------------------------------------------------------------


@pytest.mark.slow
async def test_an_outage_costs_a_handful_of_calls_and_afterwards_every_question_is_answered_once_in_order(
    fake: FakeBotAPI, quick: Any, caplog: Any
) -> None:
    await polling(fake)
    outage = fake.outage(Fault.bad_gateway())  # every method fails, as when the API is down
    asked = {chat: [fake.push_text(chat, QUESTION), fake.push_text(chat, "Where are they held?")] for chat in READERS}
    # The long poll under way returns these questions; every reply then fails, as do the polls.
    await fake.wait_for(lambda c: c.method == "sendMessage" and outage.during(c), count=len(READERS) + 2)  # ~1.5 s
    outage.end()
    for chat in READERS:
        await fake.wait_sent(chat, 2, timeout=15)
    late = fake.push_text(GROUP, f"{ASK} {QUESTION}")  # and polling works again
    await answer_to(fake, GROUP, late, timeout=15)

    during = [c for c in fake.calls if outage.during(c)]
    assert outage.ended is not None
    lasted = outage.ended - outage.started
    turns = 2 + math.log2(1 + lasted / FIRST_PAUSE)  # tries with pauses doubling from the first
    sends = [c for c in during if c.method == "sendMessage"]
    polls = [c for c in during if c.method == "getUpdates"]
    # At the start each reply in flight tries once; then one at a time, with growing pauses.
    assert len(sends) <= len(READERS) + turns, [round(c.started - outage.started, 2) for c in sends]
    assert len(polls) <= turns, [round(c.started - outage.started, 2) for c in polls]
    for chat, questions in asked.items():
        assert replies(fake, chat) == [q["message_id"] for q in questions]  # each once, in order
    assert "The Bot API is failing" in caplog.text and "works again" in caplog.text


# Handlers ---------------------------------------------------------------------------------


async def test_an_exception_in_one_update_is_logged_and_costs_nobody_else_an_answer(
    fake: FakeBotAPI, bot: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    secret = "my cat's name is Whiskers"
    # Telegram "answers" this chat's send with something that is not a message: the handler raises.
    nonsense = Fault(200, {"ok": True, "result": {"message_id": 1}}, acts=True)
    fake.inject("sendMessage", nonsense, when=lambda p: p["chat_id"] == PRIVATE.id)
    fake.push_text(PRIVATE, f"{QUESTION} {secret}")
    others = [fake.push_text(chat, QUESTION) for chat in READERS]
    for chat, question in zip(READERS, others):
        await answer_to(fake, chat, question)
    error = await _logged(caplog, "Unexpected error")
    assert f"private chat {PRIVATE.id}" in error
    again = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))  # the same chat goes on
    assert again.text.startswith(ANSWER)
    assert secret not in caplog.text  # at any level (the token: see test_secrets.py, with a real process)
