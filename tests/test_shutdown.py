"""SIGTERM during a burst, ``quotebot run`` as a real process: the replies in flight are finished,
the updates fetched are confirmed to Telegram (a restart answers none of them again), and the
bot exits with code 0 within ten seconds; a backlog that cannot be finished in time is abandoned
at ``QUOTEBOT_STOP_TIMEOUT``, logged, and the exit is as prompt."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.helpers.fake_bot_api import Chat, FakeBotAPI, Fault, User
from tests.helpers.quotebot_process import quotebot_running, stop
from tests.helpers.telegram_helpers import QUESTION, polling, replied_to

READERS = [User(4_000 + n, f"Reader {n}") for n in range(5)]
CHATS = [Chat(user.id, "private", first_name=user.first_name) for user in READERS]


def burst(fake: FakeBotAPI, per_chat: int) -> list[dict[str, Any]]:
    """``per_chat`` questions from each reader, all at once."""
    return [fake.push_text(chat, QUESTION, sender=user) for _ in range(per_chat) for user, chat in zip(READERS, CHATS)]


def answers_per_question(fake: FakeBotAPI) -> Counter[tuple[int, int | None]]:
    return Counter((c.result["chat"]["id"], replied_to(c)) for c in fake.sent())


async def timed_stop(process: asyncio.subprocess.Process) -> tuple[int, str, float]:
    """SIGTERM, then wait for the exit: code, output and seconds it took."""
    signalled = time.monotonic()
    code, output = await stop(process)
    return code, output, time.monotonic() - signalled


async def restart_answers_only_new_questions(fake: FakeBotAPI, tmp_path: Path) -> None:
    """A new run answers a new question, and none of the old ones again."""
    await fake.settled()  # the replies the first run sent before it stopped, all recorded
    before = answers_per_question(fake)
    async with quotebot_running(fake, tmp_path) as process:
        await polling(fake)
        new = fake.push_text(CHATS[0], "Who met the prisoners in March?", sender=READERS[0])
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and replied_to(c) == new["message_id"])
        code, output, _ = await timed_stop(process)
    assert code == 0, output
    after = answers_per_question(fake)
    assert after - before == Counter({(CHATS[0].id, new["message_id"]): 1})


async def test_sigterm_during_a_burst_finishes_the_replies_confirms_the_updates_and_exits_0_in_time(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    fake.inject("sendMessage", Fault.slow(0.3), times=10**6)  # each reply takes a while to confirm
    async with quotebot_running(fake, tmp_path) as process:
        await polling(fake)
        asked = burst(fake, per_chat=4)
        await fake.wait_sent(CHATS[0])  # replies are going out...
        code, output, took = await timed_stop(process)  # ...when the bot is told to stop
    assert code == 0, output
    assert took < 10
    assert not fake.pending_updates  # confirmed: Telegram will not send them again
    answered = answers_per_question(fake)
    assert answered == Counter({(q["chat"]["id"], q["message_id"]): 1 for q in asked})  # all, once
    await restart_answers_only_new_questions(fake, tmp_path)


async def test_a_backlog_that_cannot_be_finished_is_abandoned_at_the_stop_timeout(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    fake.inject("sendMessage", Fault.slow(1.0), times=10**6)
    async with quotebot_running(fake, tmp_path, QUOTEBOT_STOP_TIMEOUT="2") as process:
        await polling(fake)
        burst(fake, per_chat=6)  # six one-second replies a chat: six seconds of work
        await fake.wait_for(lambda c: c.method == "sendMessage", finished=False)
        code, output, took = await timed_stop(process)
    assert code == 0, output
    assert 2 <= took < 5
    assert "still unanswered after QUOTEBOT_STOP_TIMEOUT" in output
    assert not fake.pending_updates
    assert max(answers_per_question(fake).values()) == 1
    await restart_answers_only_new_questions(fake, tmp_path)
