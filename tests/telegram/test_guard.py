"""Abuse: a person asking too fast gets one notice, then silence, and slows nobody else; with an
allow-list the bot serves only the chats on it, leaving the groups and channels that are not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.answer import Answerer
from bot.config import Settings
from bot.telegram.guard import too_many
from bot.telegram.quota import PRUNE_ABOVE, Decision, Quota
from tests.helpers.fake_bot_api import ADA, BOB, CHANNEL, FORUM, GROUP, PRIVATE, Chat, FakeBotAPI, User
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to, assert_silent, replied_to

BOBS_CHAT = Chat(BOB.id, "private", first_name=BOB.first_name)
STRANGER = User(1_003, "Eve", "eve_outsider")
STRANGERS_CHAT = Chat(STRANGER.id, "private", first_name=STRANGER.first_name)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# Questions a minute -----------------------------------------------------------------------


def test_quota_answers_up_to_the_limit_then_one_notice_then_silence_until_the_window_passes() -> None:
    clock = Clock()
    quota = Quota(3, window=60, clock=clock)
    verdicts = []
    for _ in range(6):
        verdicts.append(quota.ask("ada").decision)
        clock.now += 1
    assert verdicts == [Decision.ANSWER] * 3 + [Decision.NOTICE, Decision.SILENT, Decision.SILENT]
    assert quota.ask("bob").decision is Decision.ANSWER  # others are not held up
    refused = quota.ask("ada")
    assert refused.decision is Decision.SILENT and refused.wait == pytest.approx(60 - 6)
    clock.now = 100.0 + 60  # the first question is a minute old: one more may come
    assert quota.ask("ada").decision is Decision.ANSWER
    assert quota.ask("ada").decision is Decision.NOTICE  # a new notice for a new window


def test_quota_forgets_people_quiet_for_a_window() -> None:
    clock = Clock()
    quota = Quota(2, window=60, clock=clock)
    for person in range(PRUNE_ABOVE):
        quota.ask(person)
    clock.now += 61
    quota.ask("latecomer")
    assert len(quota) == 1


async def test_a_person_over_the_limit_gets_one_notice_then_silence_and_slows_nobody_else(
    fake: FakeBotAPI, answerer: Answerer
) -> None:
    async with running(make_settings(fake, user_rate=3), answerer):
        flood = [fake.push_text(PRIVATE, QUESTION, sender=ADA) for _ in range(6)]
        bobs = [fake.push_text(BOBS_CHAT, QUESTION, sender=BOB) for _ in range(2)]
        for question in bobs:
            assert (await answer_to(fake, BOBS_CHAT, question)).text.startswith(ANSWER)
        # A command is no question: answered after all of Ada's questions, it shows they were handled.
        await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/help", sender=ADA))
        # In a group her questions count with the others: silence; Bob, asking after her, is answered.
        fake.push_text(GROUP, f"{ASK} {QUESTION}", sender=ADA)
        bob_in_group = fake.push_text(GROUP, f"{ASK} {QUESTION}", sender=BOB)
        assert (await answer_to(fake, GROUP, bob_in_group)).text.startswith(ANSWER)
    *answers, help_reply = fake.sent(PRIVATE)
    assert [replied_to(c) for c in answers] == [q["message_id"] for q in flood[:4]]
    assert [c.text.startswith(ANSWER) for c in answers] == [True, True, True, False]
    assert answers[3].text.startswith(too_many(3, 60)[:40])  # the one notice, replying to the fourth
    assert "/about" in help_reply.text
    assert [replied_to(c) for c in fake.sent(GROUP)] == [bob_in_group["message_id"]]


async def test_an_unchanged_edit_does_not_count_against_the_limit(fake: FakeBotAPI, answerer: Answerer) -> None:
    async with running(make_settings(fake, user_rate=2), answerer):
        first = fake.push_text(PRIVATE, QUESTION, sender=ADA)
        assert (await answer_to(fake, PRIVATE, first)).text.startswith(ANSWER)
        fake.push_edit(first, QUESTION)  # Telegram sends these for changes the bot cannot see
        second = fake.push_text(PRIVATE, "Who met the prisoners in March?", sender=ADA)
        reply = await answer_to(fake, PRIVATE, second)
    assert "Rep. Yoo Yong Won" in reply.text
    assert [c.text for c in fake.sent(PRIVATE) if "asking faster" in c.text] == []
    assert len(fake.sent(PRIVATE)) == 2 and not fake.calls_to("editMessageText")


async def test_a_changed_edit_counts_as_a_question(fake: FakeBotAPI, answerer: Answerer) -> None:
    async with running(make_settings(fake, user_rate=2), answerer):
        first = fake.push_text(PRIVATE, QUESTION, sender=ADA)
        await answer_to(fake, PRIVATE, first)
        fake.push_edit(first, "Who met the prisoners in March?")
        await fake.wait_called("editMessageText")
        over = fake.push_text(PRIVATE, QUESTION, sender=ADA)
        notice = await answer_to(fake, PRIVATE, over)
    assert notice.text.startswith(too_many(2, 60)[:40])


def test_the_notice_is_polite_and_says_when() -> None:
    assert too_many(10, 42.4) == (
        "You're asking faster than I can keep up: I answer up to 10 questions a minute from each person. "
        "I'll read your questions again in 42 seconds."
    )


# Allow-list -------------------------------------------------------------------------------


def test_allowed_chats_setting_takes_group_and_private_ids() -> None:
    settings = Settings(_env_file=None, allowed_chats="-1001234567890, 456")  # type: ignore[arg-type]
    assert settings.allowed_chats == frozenset({-1001234567890, 456})
    assert Settings(_env_file=None).allowed_chats == frozenset()  # every chat
    with pytest.raises(ValidationError, match="chat ids"):
        Settings(_env_file=None, allowed_chats="-100abc")  # type: ignore[arg-type]


async def test_with_an_allow_list_the_bot_leaves_other_groups_and_ignores_other_private_chats(
    fake: FakeBotAPI, answerer: Answerer
) -> None:
    settings = make_settings(fake, allowed_chats=frozenset({PRIVATE.id, GROUP.id}))
    async with running(settings, answerer):
        fake.push_text(FORUM, f"{ASK} {QUESTION}")
        fake.push_text(FORUM, f"{ASK} {QUESTION}", sender=BOB)  # queued before the bot left: no second leave
        fake.push_text(CHANNEL, f"{QUESTION} @Quote_Test_Bot")
        fake.push_text(STRANGERS_CHAT, QUESTION, sender=STRANGER)
        stranger_inline = fake.push_inline_query(STRANGER, "When?")
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
        assert reply.text.startswith(ANSWER)
        await assert_silent(fake, GROUP)
        await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/about"))
        left = await fake.wait_called("leaveChat", 2)
    assert sorted(c.params["chat_id"] for c in left) == sorted([FORUM.id, CHANNEL.id])
    assert len(fake.calls_to("leaveChat")) == 2
    assert fake.left == {FORUM.id, CHANNEL.id}
    assert not fake.sent(FORUM) and not fake.sent(CHANNEL) and not fake.sent(STRANGERS_CHAT)
    assert not [c for c in fake.calls_to("answerInlineQuery") if c.params["inline_query_id"] == stranger_inline["id"]]


async def test_an_allowed_user_may_use_inline_mode(fake: FakeBotAPI, answerer: Answerer) -> None:
    async with running(make_settings(fake, allowed_chats=frozenset({ADA.id})), answerer):
        query = fake.push_inline_query(ADA, "When were they captured?")
        [answer] = await fake.wait_inline_answer(query)
    assert answer.params["results"]
