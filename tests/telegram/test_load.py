"""Many questions at once: all answered, each chat's in order, within the flood limits, and a
busy chat holds up nobody else.

The full run (2,000 questions from 200 chats, at Telegram's own limits, which take a minute
to send that much) is ``benchmarks/telegram_load.py``. Here the same bot meets a smaller burst
under the same limits ten times faster (:data:`FAST`), so that a second shows what a minute
would, and the fake's record of when each message came in is checked against them.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections import defaultdict
from typing import Any

from bot.answer import Answerer
from bot.botapi.flood import TELEGRAM_LIMITS, FloodLimits, Rate
from bot.telegram.updates import ChatOrderedUpdates
from tests.helpers.fake_bot_api import Call, Chat, FakeBotAPI, User
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ASK, replied_to

# Telegram's limits, with every period a tenth as long.
FAST = FloodLimits(
    chat=Rate(TELEGRAM_LIMITS.chat.count, TELEGRAM_LIMITS.chat.seconds / 10),  # type: ignore[union-attr]
    group=Rate(TELEGRAM_LIMITS.group.count, TELEGRAM_LIMITS.group.seconds / 10),  # type: ignore[union-attr]
    overall=Rate(TELEGRAM_LIMITS.overall.count, TELEGRAM_LIMITS.overall.seconds / 10),  # type: ignore[union-attr]
)
QUESTIONS = ["When were they captured?", "Who met the prisoners in March?", "Where do they want to go?"]
JITTER = 0.05  # seconds between the bot taking room in a bucket and the fake receiving the message


def test_the_limits_kept_stay_under_telegrams() -> None:
    # https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: about one
    # message a second in a chat (short bursts pass), 20 in any minute in a group, 30 in any
    # second overall. A bucket lets its burst through on top of its rate, and a message reaches
    # Telegram up to JITTER after it took its place.
    chat, group, overall = TELEGRAM_LIMITS.chat, TELEGRAM_LIMITS.group, TELEGRAM_LIMITS.overall
    assert chat is not None and group is not None and overall is not None
    assert chat.count / chat.seconds <= 1
    for rate, count, seconds in ((group, 20, 60.0), (overall, 30, 1.0)):
        assert rate.count + (seconds + JITTER) * rate.count / rate.seconds < count + 1, rate


def most_in_a_window(times: list[float], window: float) -> int:
    """The most of ``times`` that fall within any ``window`` seconds."""
    times = sorted(times)
    return max((bisect_right(times, t + window) - i for i, t in enumerate(times)), default=0)


def within(times: list[float], rate: Rate) -> bool:
    """Whether ``times`` keep ``rate`` (a leaky bucket: ``count`` at once, then ``count`` per
    ``seconds``), seen over windows of one and of three periods."""
    for periods in (1, 3):
        window = periods * rate.seconds
        allowed = rate.count + (window + JITTER) * rate.count / rate.seconds
        if most_in_a_window(times, window) > allowed:
            return False
    return True


async def test_a_burst_from_many_chats_is_answered_in_order_within_the_flood_limits(
    fake: FakeBotAPI, answerer: Answerer
) -> None:
    readers = [User(3_000 + n, f"Reader {n}") for n in range(30)]
    private = [Chat(user.id, "private", first_name=user.first_name) for user in readers]
    groups = [Chat(-5_000 - n, "group", title=f"Group {n}") for n in range(10)]
    busy = Chat(-6_000, "supergroup", title="Busy")  # more questions than a group may get answers a minute
    asked: dict[Chat, list[dict[str, Any]]] = defaultdict(list)
    async with running(make_settings(fake), answerer, FAST):
        # The busy group's questions come first, from many people: it must hold up nobody else.
        for n in range(25):
            member = User(9_000 + n, f"Member {n}")
            asked[busy].append(fake.push_text(busy, f"{ASK} {QUESTIONS[n % 3]}", sender=member))
        for round_ in range(5):
            for user, chat in zip(readers, private):
                asked[chat].append(fake.push_text(chat, QUESTIONS[round_ % 3], sender=user))
            for n, chat in enumerate(groups):
                member = User(8_000 + n, f"Member {n}")
                asked[chat].append(fake.push_text(chat, f"{ASK} {QUESTIONS[round_ % 3]}", sender=member))
        total = sum(len(questions) for questions in asked.values())
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, count=total, timeout=60)

    sent: dict[int, list[Call]] = defaultdict(list)
    for call in fake.sent():
        sent[call.result["chat"]["id"]].append(call)
    for chat, questions in asked.items():  # all answered, once, in the order asked
        assert [replied_to(c) for c in sent[chat.id]] == [q["message_id"] for q in questions], chat
    for chat_id, calls in sent.items():
        times = [c.started for c in calls]
        assert within(times, FAST.chat), (chat_id, [round(t - times[0], 3) for t in times])  # type: ignore[arg-type]
        if chat_id < 0:
            assert within(times, FAST.group), (chat_id, [round(t - times[0], 3) for t in times])  # type: ignore[arg-type]
    assert within([c.started for c in fake.sent()], FAST.overall)  # type: ignore[arg-type]
    # The busy group waited for its limit; everybody else was answered meanwhile.
    busy_times = sorted(c.started for c in sent[busy.id])
    others_done = max(calls[-1].started for chat_id, calls in sent.items() if chat_id != busy.id)
    assert busy_times[-1] > busy_times[0] + FAST.group.seconds / 10  # type: ignore[union-attr]
    assert others_done < busy_times[-1]


async def test_a_chat_with_a_backlog_takes_one_place_and_others_go_ahead() -> None:
    """The update processor on its own: two places, a chat with five slow updates, another chat's one."""
    from telegram import Chat as TgChat
    from telegram import Message, Update

    processor = ChatOrderedUpdates(2)
    finished: list[str] = []
    gate = asyncio.Event()

    def update(chat_id: int, n: int) -> Update:
        chat = TgChat(chat_id, TgChat.GROUP)
        return Update(n, message=Message(n, date=None, chat=chat))  # type: ignore[arg-type]

    async def handle(name: str, wait: bool) -> None:
        if wait:
            await gate.wait()
        finished.append(name)

    backlog = [
        asyncio.create_task(processor.process_update(update(-1, n), handle(f"busy {n}", True))) for n in range(5)
    ]
    other = asyncio.create_task(processor.process_update(update(-2, 9), handle("other", False)))
    await asyncio.wait_for(other, 5)  # not held up behind the busy chat's queue
    assert finished == ["other"]
    gate.set()
    await asyncio.wait_for(asyncio.gather(*backlog), 5)
    assert finished == ["other"] + [f"busy {n}" for n in range(5)]  # the busy chat's, in order
