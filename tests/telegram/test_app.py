"""Quotebot on Telegram, end to end: the real Application long-polling the fake Bot API.

Each test is a conversation: people write (updates pushed to the fake), the bot answers (the
calls it made, as the fake recorded them). "The bot stays silent" is shown by a question asked
after it in the same chat: the bot handles one chat's updates in order, so once that question
is answered, everything before it was handled, and nothing else was sent.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot import messages
from bot.answer import Answerer
from bot.config import Settings
from bot.render import DECLINED, EMPTY, TRUNCATED, to_html, to_text
from tests.helpers.fake_bot_api import BOB, BOT, CHANNEL, FORUM, GROUP, PRIVATE, Chat, FakeBotAPI, Fault
from tests.helpers.running import running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to, assert_silent, message_content, replied_to

# Private chats ----------------------------------------------------------------------------


async def test_private_text_is_a_question_answered_with_quotes(fake: FakeBotAPI, bot: Any) -> None:
    question = fake.push_text(PRIVATE, QUESTION)
    reply = await answer_to(fake, PRIVATE, question)
    assert reply.text.startswith(ANSWER)  # the best quote first
    assert f"<blockquote>{ANSWER}</blockquote>" in reply.params["text"]
    assert reply.params["parse_mode"] == "HTML"
    assert reply.params["link_preview_options"] == {"is_disabled": True}


async def test_private_question_the_article_does_not_answer(fake: FakeBotAPI, bot: Any) -> None:
    question = fake.push_text(PRIVATE, "What is the price of bitcoin?")
    reply = await answer_to(fake, PRIVATE, question)
    assert reply.text == DECLINED


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/start", lambda corpus: messages.start(corpus)),
        ("/help", lambda corpus: messages.help_text()),
        ("/about", lambda corpus: messages.about(corpus)),
        ("/frobnicate", lambda corpus: messages.help_text()),  # unknown commands get the help
    ],
)
async def test_private_commands(fake: FakeBotAPI, bot: Any, answerer: Answerer, command: str, expected: Any) -> None:
    question = fake.push_text(PRIVATE, command)
    reply = await answer_to(fake, PRIVATE, question)
    assert reply.text == expected(answerer.corpus)


async def test_about_names_the_article_and_counts_its_sentences(fake: FakeBotAPI, bot: Any, answerer: Answerer) -> None:
    article = answerer.corpus.articles[0]
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/about"))
    assert article.title in reply.text
    assert f"{article.count} sentences" in reply.text
    assert f"{article.paragraphs} paragraphs" in reply.text


async def test_command_menus_are_set_per_scope_at_start(fake: FakeBotAPI, bot: Any) -> None:
    calls = fake.calls_to("setMyCommands")
    menus = {c.params["scope"]["type"]: [m["command"] for m in c.params["commands"]] for c in calls}
    assert menus == {
        "all_private_chats": ["start", "help", "about", "read", "reset"],
        "all_group_chats": ["ask", "help", "about", "read", "reset"],
    }


# Groups and supergroups -------------------------------------------------------------------


@pytest.mark.parametrize("chat", [GROUP, FORUM], ids=["group", "supergroup"])
@pytest.mark.parametrize("command", ["/ask@Quote_Test_Bot", "/ask@quote_test_bot", "/ask"])
async def test_group_ask_command(fake: FakeBotAPI, bot: Any, chat: Chat, command: str) -> None:
    question = fake.push_text(chat, f"{command} {QUESTION}")
    reply = await answer_to(fake, chat, question)
    assert reply.text.startswith(ANSWER)
    assert "message_thread_id" not in reply.params  # not in a topic: the General thread


async def test_group_ask_without_a_question_prompts_for_one(fake: FakeBotAPI, bot: Any) -> None:
    reply = await answer_to(fake, GROUP, fake.push_text(GROUP, ASK))
    assert reply.text == EMPTY


@pytest.mark.parametrize(
    "text",
    [
        f"@quote_test_bot {QUESTION}",
        f"@QUOTE_TEST_BOT, {QUESTION}",
        f"{QUESTION} @Quote_Test_Bot",
        f"🙂🙂 @quote_test_bot {QUESTION} 🙂",  # offsets count UTF-16 units, emoji are two
    ],
)
async def test_group_mention_in_any_case_is_answered_without_the_mention(fake: FakeBotAPI, bot: Any, text: str) -> None:
    # The bot's name is a word the article never uses: left in, the article would not answer.
    reply = await answer_to(fake, GROUP, fake.push_text(GROUP, text))
    assert reply.text.startswith(ANSWER)


async def test_group_text_mention_of_the_bot_is_answered(fake: FakeBotAPI, bot: Any) -> None:
    text = f"Quotebot {QUESTION}"
    mention = {"type": "text_mention", "offset": 0, "length": 8, "user": BOT.api()}
    reply = await answer_to(fake, FORUM, fake.push_text(FORUM, text, entities=[mention]))
    assert reply.text.startswith(ANSWER)


async def test_group_reply_to_the_bot_is_answered(fake: FakeBotAPI, bot: Any) -> None:
    first = await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} Who met the prisoners in March?"))
    follow_up = fake.push_text(GROUP, QUESTION, reply_to=first.result, sender=BOB)
    reply = await answer_to(fake, GROUP, follow_up)
    assert reply.text.startswith(ANSWER)


@pytest.mark.parametrize(
    "talk",
    [
        {"text": QUESTION},
        {"text": f"/ask@other_bot {QUESTION}"},
        {"text": f"@ada_reader {QUESTION}"},
        {"text": "/start@other_bot"},
        {"text": "@Quote_Test_Bots_fan club meets today"},
        {"sticker": "sticker"},
        {"photo": "photo"},
    ],
    ids=["plain", "other-bot-command", "other-mention", "other-start", "longer-name", "sticker", "photo"],
)
async def test_group_ignores_talk_not_meant_for_the_bot(fake: FakeBotAPI, bot: Any, talk: dict[str, str]) -> None:
    fake.push(kind="message", message=fake.message(GROUP, **message_content(talk)))
    await assert_silent(fake, GROUP)


async def test_group_reply_to_someone_else_is_ignored(fake: FakeBotAPI, bot: Any) -> None:
    someone = fake.push_text(GROUP, "I read the article today", sender=BOB)
    fake.push_text(GROUP, QUESTION, reply_to=someone)
    await assert_silent(fake, GROUP)


async def test_topic_answer_goes_to_the_same_topic(fake: FakeBotAPI, bot: Any) -> None:
    topic = fake.open_topic(FORUM, "North Korean soldiers")
    question = fake.push_text(FORUM, f"{ASK} {QUESTION}", topic=topic)
    reply = await answer_to(fake, FORUM, question)
    assert reply.params["message_thread_id"] == topic
    assert reply.result["message_thread_id"] == topic


async def test_topic_messages_do_not_count_as_replies_to_the_bot(fake: FakeBotAPI, bot: Any) -> None:
    # The bot opened the topic, so every message in it "replies" to the bot's creation message.
    topic = fake.open_topic(FORUM, "Quotes", by=BOT)
    fake.push_text(FORUM, "Thanks, that was useful", topic=topic)
    await assert_silent(fake, FORUM, topic=topic)
    # A true reply to the bot's answer in that topic is a question, answered in the topic.
    [answer] = fake.sent(FORUM)
    follow_up = fake.push_text(
        FORUM, "Who met the prisoners during a visit in March?", topic=topic, reply_to=answer.result
    )
    reply = await answer_to(fake, FORUM, follow_up)
    assert "Yoo Yong Won" in reply.text
    assert reply.params["message_thread_id"] == topic


DISCUSSION = Chat(-1_001_000_000_004, "supergroup", title="Daily Quotes comments")


async def test_channel_post_copied_to_its_discussion_group_is_left_to_the_channel(fake: FakeBotAPI, bot: Any) -> None:
    copy = {"sender": None, "is_automatic_forward": True, "sender_chat": CHANNEL.api()}
    fake.push_text(DISCUSSION, f"@Quote_Test_Bot {QUESTION}", **copy)
    await assert_silent(fake, DISCUSSION)


# Channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [f"{QUESTION} @quote_test_bot", f"{ASK} {QUESTION}"],  # CommandHandler never sees channel posts
    ids=["mention", "ask-command"],
)
async def test_channel_post_addressing_the_bot_is_answered_in_the_channel(
    fake: FakeBotAPI, bot: Any, text: str
) -> None:
    fake.push_text(CHANNEL, f"Today's article. {QUESTION}")  # no mention: not for the bot
    post = fake.push_text(CHANNEL, text)
    reply = await answer_to(fake, CHANNEL, post)
    assert reply.params["chat_id"] == CHANNEL.id
    assert reply.text.startswith(ANSWER)
    assert fake.sent(CHANNEL) == [reply]


# Edits ------------------------------------------------------------------------------------


async def test_edited_question_is_answered_again_only_when_its_text_changed(fake: FakeBotAPI, bot: Any) -> None:
    question = fake.push_text(PRIVATE, "What is the price of bitcoin?")
    first = await answer_to(fake, PRIVATE, question)
    assert first.text == DECLINED
    fake.push_edit(question, "What is the price of bitcoin?")  # e.g. a link preview changed
    fake.push_edit(question, QUESTION)
    [edit] = await fake.wait_called("editMessageText")
    assert edit.params["message_id"] == first.result["message_id"]  # the earlier reply, edited
    assert edit.text.startswith(ANSWER)
    assert fake.sent(PRIVATE) == [first]


async def test_edit_that_does_not_change_the_answer_keeps_the_reply(fake: FakeBotAPI, bot: Any, caplog: Any) -> None:
    question = fake.push_text(PRIVATE, QUESTION)
    await answer_to(fake, PRIVATE, question)
    fake.push_edit(question, "When were they captured ?")
    [edit] = await fake.wait_called("editMessageText")
    assert "not modified" in edit.error  # Telegram's answer to an edit to the same text
    await assert_silent(fake, PRIVATE, since=1)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_edited_channel_post_is_answered_again(fake: FakeBotAPI, bot: Any) -> None:
    post = fake.push_text(CHANNEL, "@Quote_Test_Bot What is the price of bitcoin?")
    await answer_to(fake, CHANNEL, post)
    fake.push_edit(post, f"@Quote_Test_Bot {QUESTION}")
    [edit] = await fake.wait_called("editMessageText")
    assert edit.params["chat_id"] == CHANNEL.id
    assert edit.text.startswith(ANSWER)


LONG_QUESTION = "When was the convoy captured near the river crossing?"  # three messages of answer
SHORT_QUESTION = "When did markets open?"  # one


@pytest.mark.parametrize(("before", "after"), [(LONG_QUESTION, SHORT_QUESTION), (SHORT_QUESTION, LONG_QUESTION)])
async def test_edit_changing_the_answer_length_edits_adds_or_deletes_parts(
    fake: FakeBotAPI, settings: Settings, long_answerer: Answerer, before: str, after: str
) -> None:
    async with running(settings, long_answerer):
        question = fake.push_text(PRIVATE, before)
        sent_before = len(to_html_parts(long_answerer, before))
        first = await fake.wait_sent(PRIVATE, sent_before)
        fake.push_edit(question, after)
        parts_after = to_html_parts(long_answerer, after)
        [edit] = await fake.wait_called("editMessageText")
        assert edit.params["message_id"] == first[0].result["message_id"]
        assert edit.params["text"] == parts_after[0]
        if len(parts_after) > sent_before:
            added = (await fake.wait_sent(PRIVATE, len(parts_after)))[sent_before:]
            assert [c.params["text"] for c in added] == parts_after[1:]
            assert all(replied_to(c) is None for c in added)
        else:
            deleted = await fake.wait_called("deleteMessage", sent_before - 1)
            assert [c.params["message_id"] for c in deleted] == [c.result["message_id"] for c in first[1:]]


def to_html_parts(answerer: Answerer, question: str) -> list[str]:
    return to_html(answerer.answer(question))


# Other input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [{"sticker": "sticker"}, {"photo": "photo"}, {"voice": "voice"}, {"text": "   "}],
    ids=["sticker", "photo", "voice", "blank"],
)
async def test_private_message_without_text_gets_a_hint(fake: FakeBotAPI, bot: Any, content: dict[str, str]) -> None:
    message = fake.push(kind="message", message=fake.message(PRIVATE, **message_content(content)))
    reply = await answer_to(fake, PRIVATE, message)
    assert reply.text == messages.hint()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (QUESTION + " " + "Please tell me more about it. " * 200, TRUNCATED),
        ("When were <b>they</b> captured? a & b", ANSWER),
        ("🙂 When were they captured? 🇰🇷🇺🇦", ANSWER),
        ("Когда их взяли в плен? 他们什么时候被抓的？ متى تم القبض عليهم؟", DECLINED),
        ("\u200b\u202e?!", EMPTY),
    ],
    ids=["6000-characters", "markup", "emoji", "other-scripts", "no-words"],
)
async def test_unusual_questions_get_a_normal_reply(
    fake: FakeBotAPI, bot: Any, caplog: Any, question: str, expected: str
) -> None:
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, question))
    assert expected in reply.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# Replies ----------------------------------------------------------------------------------


async def test_long_answer_comes_in_parts_in_order_the_first_replying(
    fake: FakeBotAPI, settings: Settings, long_answerer: Answerer
) -> None:
    async with running(settings, long_answerer):
        topic = fake.open_topic(FORUM, "Convoy")
        question = fake.push_text(FORUM, f"{ASK} {LONG_QUESTION}", topic=topic)
        expected = to_html_parts(long_answerer, LONG_QUESTION)
        assert len(expected) == 3
        parts = await fake.wait_sent(FORUM, 3)
    assert [c.params["text"] for c in parts] == expected
    assert [replied_to(c) for c in parts] == [question["message_id"], None, None]
    assert all(c.params["message_thread_id"] == topic for c in parts)
    assert all(len(c.text.encode("utf-16-le")) // 2 <= 4096 for c in parts)


async def test_unparseable_html_is_sent_again_as_plain_text(fake: FakeBotAPI, bot: Any, answerer: Answerer) -> None:
    fake.inject(
        "sendMessage",
        Fault.error(400, 'Bad Request: can\'t parse entities: Unsupported start tag "blockquote" at byte offset 0'),
        when=lambda params: params.get("parse_mode") == "HTML",
    )
    question = fake.push_text(PRIVATE, QUESTION)
    reply = await answer_to(fake, PRIVATE, question)
    assert "parse_mode" not in reply.params
    assert reply.params["text"] == to_text(answerer.answer(QUESTION))  # as the console shows it
    assert len(fake.calls_to("sendMessage")) == 2


@pytest.mark.parametrize(
    ("fault", "level"),
    [
        (Fault.error(403, "Forbidden: bot was blocked by the user"), logging.WARNING),
        (Fault.error(400, "Bad Request: message to be replied not found"), logging.ERROR),
    ],
    ids=["blocked", "bad-request"],  # refusals; failures Telegram did not act on are sent again
)
async def test_failed_reply_is_logged_and_the_bot_keeps_answering(
    fake: FakeBotAPI, bot: Any, caplog: Any, fault: Fault, level: int
) -> None:
    caplog.set_level(logging.INFO)
    secret = "my cat's name is Whiskers"
    fake.inject("sendMessage", fault)
    fake.push_text(PRIVATE, f"{QUESTION} {secret}")
    await fake.wait_for(lambda c: c.fault is fault)
    await assert_silent(fake, PRIVATE)  # the next question is answered
    logged = [r for r in caplog.records if r.name == "quotebot.telegram" and r.levelno >= logging.WARNING]
    assert [r.levelno for r in logged] == [level]
    assert f"chat {PRIVATE.id}" in logged[0].getMessage()
    assert secret not in caplog.text  # never the user's message


async def test_flood_limit_is_waited_out_and_the_reply_sent(fake: FakeBotAPI, bot: Any) -> None:
    fake.inject("sendMessage", Fault.retry_after(1))
    question = fake.push_text(PRIVATE, QUESTION)
    reply = await answer_to(fake, PRIVATE, question)
    refused, sent = fake.calls_to("sendMessage")
    assert refused.status == 429 and sent is reply
    assert refused.finished is not None
    assert sent.started - refused.finished >= 1.0  # waited as Telegram asked


# A long-running bot -------------------------------------------------------------------------


async def test_readers_seen_are_not_kept_for_a_persistence_the_bot_does_not_have(fake: FakeBotAPI, bot: Any) -> None:
    # python-telegram-bot notes every update's chat and sender for a persistence to save, and only
    # that save forgets them: without one, every new reader would stay in memory for good.
    readers = [Chat(5_000 + n, "private", first_name=f"Reader {n}") for n in range(3)]
    for chat in readers:
        await answer_to(fake, chat, fake.push_text(chat, QUESTION))
    assert bot.persistence is None
    assert bot._chat_ids_to_be_updated_in_persistence == set()
    assert bot._user_ids_to_be_updated_in_persistence == set()
