"""The buttons under an answer, end to end: More, Context, 👍 / 👎, in private chats and groups,
after a restart, and stale or forged taps."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.answer import MAX_QUOTES, Answerer
from bot.articles.narrowing import fingerprint
from bot.config import Settings
from bot.render import DECLINED
from bot.telegram.buttons import ALREADY_SHOWN, CHANGED, EXPIRED, SAME, THANKS
from bot.telegram.callback_data import Context, Feedback, More, Signer
from tests.helpers.fake_bot_api import ADA, BOB, FORUM, GROUP, PRIVATE, FakeBotAPI, Fault
from tests.helpers.running import TOKEN, make_settings, running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to, eventually, keyboard, replied_to, rows

FULL = [["More", "Context"], ["👍", "👎"]]


async def reply_to_tap(fake: FakeBotAPI, tapped: dict[str, Any]) -> Any:
    """What the bot posted in answer to a tap on a button under message ``tapped``."""

    def is_reply(call: Any) -> bool:
        return (
            call.method == "sendMessage"
            and call.ok
            and call.result["chat"]["id"] == tapped["chat"]["id"]
            and replied_to(call) == tapped["message_id"]
        )

    [reply] = await fake.wait_for(is_reply)
    return reply


def sentence_texts(answerer: Answerer, numbers: tuple[int, ...]) -> list[str]:
    return [answerer.corpus.text(i) for i in numbers]


async def test_answer_carries_more_context_and_feedback_buttons(fake: FakeBotAPI, bot: Any) -> None:
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    assert keyboard(reply) == FULL
    datas = [b["callback_data"] for row in reply.params["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(d.encode()) <= 64 for d in datas)


async def test_no_buttons_under_a_question_the_article_does_not_answer(fake: FakeBotAPI, bot: Any) -> None:
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "What is the price of bitcoin?"))
    assert reply.text == DECLINED
    assert keyboard(reply) == []


async def test_more_posts_the_next_quotes_three_at_a_time(fake: FakeBotAPI, bot: Any, answerer: Answerer) -> None:
    rest = answerer.answer(QUESTION).rest
    assert len(rest) == 6
    answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    tap = fake.press(answer.result, "More")
    assert (await fake.wait_callback_answer(tap)).params.get("text") is None  # just stops the spinner
    more = await reply_to_tap(fake, answer.result)
    assert [q for q in sentence_texts(answerer, rest[:MAX_QUOTES]) if q not in more.text] == []
    assert ANSWER not in more.text
    assert keyboard(more) == [["More", "Context"]]
    # The used button is taken off the answer, so nobody posts the same lines again.
    await fake.wait_called("editMessageReplyMarkup")
    assert keyboard(fake.messages[(PRIVATE.id, answer.result["message_id"])]) == [["Context"], ["👍", "👎"]]

    fake.press(more.result, "More")
    last = await reply_to_tap(fake, more.result)
    assert [q for q in sentence_texts(answerer, rest[MAX_QUOTES:]) if q not in last.text] == []
    assert keyboard(last) == [["Context"]]  # nothing more to show


async def test_context_shows_the_paragraph_with_the_quoted_line_marked(
    fake: FakeBotAPI, bot: Any, answerer: Answerer
) -> None:
    answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    fake.press(answer.result, "Context")
    context = await reply_to_tap(fake, answer.result)
    top = answerer.answer(QUESTION).quotes[0].sentence
    paragraph = answerer.corpus.paragraph(top.index)
    assert context.text == " ".join(s.text for s in paragraph) + f"\n¶{top.paragraph} · sentences 1–{len(paragraph)}"
    start = context.text.index(ANSWER)
    bold = [e for e in context.result["entities"] if e["type"] == "bold"]
    assert [(e["offset"], e["length"]) for e in bold] == [(start, len(ANSWER))]
    assert [e["type"] for e in context.result["entities"]] == ["blockquote", "bold"]


async def test_buttons_in_a_group_work_for_anyone_and_replies_stay_in_the_topic(fake: FakeBotAPI, bot: Any) -> None:
    topic = fake.open_topic(FORUM, "Soldiers")
    answer = await answer_to(fake, FORUM, fake.push_text(FORUM, f"{ASK} {QUESTION}", topic=topic))
    fake.press(answer.result, "Context", by=BOB)  # Ada asked, Bob taps
    context = await reply_to_tap(fake, answer.result)
    assert ANSWER in context.text
    assert context.result["message_thread_id"] == topic


async def test_feedback_is_recorded_linked_to_its_question_and_thanked(
    fake: FakeBotAPI, bot: Any, settings: Settings
) -> None:
    answer = await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {QUESTION}"))
    toasts = []
    for who, button in [(ADA, "👍"), (ADA, "👎"), (ADA, "👎"), (BOB, "👍")]:
        tap = fake.press(answer.result, button, by=who)
        toasts.append((await fake.wait_callback_answer(tap)).params["text"])
    assert toasts == [THANKS[True], CHANGED[False], SAME, THANKS[True]]
    recorded = await eventually(  # committed in a batch, within COMMIT_AFTER seconds, Bob's vote last
        lambda: (
            found
            if len(
                found := rows(
                    settings.db,
                    "SELECT q.question, q.chat_type, f.helpful FROM feedback f JOIN questions q"
                    " ON q.id = f.question_id ORDER BY f.id",
                )
            )
            == 2
            else None
        )
    )
    assert recorded == [(QUESTION, "group", 0), (QUESTION, "group", 1)]  # Ada changed her mind; Bob liked it
    assert keyboard(fake.messages[(GROUP.id, answer.result["message_id"])]) == FULL  # everyone may vote


async def test_a_second_tap_before_the_button_is_gone_is_not_served_twice(fake: FakeBotAPI, bot: Any) -> None:
    answer = await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {QUESTION}"))
    first = fake.press(answer.result, "More")
    second = fake.push_callback(answer.result, first["data"], by=BOB)  # Bob's client still showed it
    assert (await fake.wait_callback_answer(second)).params["text"] == ALREADY_SHOWN
    assert len([c for c in fake.sent(GROUP) if replied_to(c) == answer.result["message_id"]]) == 1


def forged(kind: str, corpus_fingerprint: str) -> str:
    signer = Signer(TOKEN)
    return {
        "garbage": "hello",
        "empty-looking": "m::",
        "unsigned": "c:" + corpus_fingerprint + ":8:AAAAAAAA",
        "other-bot": Signer("another token").encode(Context(corpus_fingerprint, 8)),
        "sentence-out-of-range": signer.encode(Context(corpus_fingerprint, 10_000)),
        "articles-changed": signer.encode(More("Zz9Zz9Zz", (1, 2))),
        "unknown-question": signer.encode(Feedback(987_654, True)),
    }[kind]


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "empty-looking",
        "unsigned",
        "other-bot",
        "sentence-out-of-range",
        "articles-changed",
        "unknown-question",
    ],
)
async def test_stale_or_forged_buttons_get_a_polite_expired_notice(
    fake: FakeBotAPI, bot: Any, answerer: Answerer, caplog: Any, kind: str
) -> None:
    answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    tap = fake.push_callback(answer.result, forged(kind, fingerprint(answerer.corpus)))
    assert (await fake.wait_callback_answer(tap)).params["text"] == EXPIRED
    assert fake.sent(PRIVATE) == [answer]  # nothing posted
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_buttons_still_work_after_a_restart(fake: FakeBotAPI, settings: Settings, answerer: Answerer) -> None:
    async with running(settings, answerer):
        answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    async with running(make_settings(fake), Answerer(answerer.corpus)):  # a new process would read the same
        fake.press(answer.result, "Context")
        assert ANSWER in (await reply_to_tap(fake, answer.result)).text
        tap = fake.press(answer.result, "👍")
        assert (await fake.wait_callback_answer(tap)).params["text"] == THANKS[True]
    assert rows(settings.db, "SELECT helpful FROM feedback") == [(1,)]


async def test_buttons_sit_under_the_last_part_and_follow_an_edit(
    fake: FakeBotAPI, settings: Settings, long_answerer: Answerer
) -> None:
    async with running(settings, long_answerer):
        question = fake.push_text(PRIVATE, "When was the convoy captured near the river crossing?")
        parts = await fake.wait_sent(PRIVATE, 3)
        assert [keyboard(p) for p in parts] == [[], [], FULL]
        fake.push_edit(question, "When did markets open?")  # a one-part answer
        [edit] = await fake.wait_called("editMessageText")
        assert keyboard(edit) == FULL
        await fake.wait_called("deleteMessage", 2)
    first = fake.messages[(PRIVATE.id, parts[0].result["message_id"])]
    assert "Markets opened late on Monday." in first["text"] and keyboard(first) == FULL
    assert rows(settings.db, "SELECT question FROM questions") == [("When did markets open?",)]  # the edit replaced it


async def test_recording_off_means_no_feedback_buttons_and_no_database(
    fake: FakeBotAPI, answerer: Answerer, tmp_path: Any
) -> None:
    settings = make_settings(fake, record=False)
    async with running(settings, answerer):
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
        assert keyboard(reply) == [["More", "Context"]]
        fake.press(reply.result, "Context")
        await reply_to_tap(fake, reply.result)
        await eventually(lambda: fake.calls_to("editMessageReplyMarkup"))
    assert not settings.db.exists()


async def test_a_tap_answered_too_late_still_gets_its_lines(fake: FakeBotAPI, bot: Any, caplog: Any) -> None:
    answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    fake.inject("answerCallbackQuery", Fault.error(400, too_old))  # e.g. the tap waited out a restart
    fake.press(answer.result, "Context")
    assert ANSWER in (await reply_to_tap(fake, answer.result)).text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
