"""The fake Bot API itself: it must refuse what Telegram refuses, or the bot's tests prove nothing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.helpers.bot_api_spec import spec
from tests.helpers.fake_bot_api import ADA, GROUP, PRIVATE, FakeBotAPI, Fault
from tests.helpers.running import TOKEN
from tests.helpers.telegram_html import HtmlError, parse


@pytest.fixture
async def client(fake: FakeBotAPI) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(f"http://127.0.0.1:{fake.port}") as session:
        yield session


async def call(
    client: aiohttp.ClientSession, method: str, token: str = TOKEN, form: bool = False, **params: Any
) -> tuple[int, Any]:
    """Call ``method`` as a bot would (JSON body, or a form): the status and the decoded reply."""
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    body = {"data": values} if form else {"json": params}
    async with client.post(f"/bot{token}/{method}", **body) as response:
        return response.status, await response.json(content_type=None)


# The spec, both ways -----------------------------------------------------------------------


async def test_unknown_method_is_404(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    assert await call(client, "sendMesage", chat_id=1, text="hi") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert fake.violations == ["unknown method 'sendMesage'"]
    fake.violations.clear()


async def test_missing_required_parameter_is_400(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    fake.message(PRIVATE, "hello")
    status, reply = await call(client, "sendMessage", chat_id=PRIVATE.id)
    assert (status, reply["ok"]) == (400, False)
    assert "'text' is required" in reply["description"]
    fake.violations.clear()


async def test_unknown_parameter_is_400(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    fake.message(PRIVATE, "hello")
    status, reply = await call(client, "sendMessage", chat_id=PRIVATE.id, text="hi", disable_web_page_preview=True)
    assert status == 400
    assert "unknown parameter 'disable_web_page_preview'" in reply["description"]  # gone since Bot API 7.0
    fake.violations.clear()


async def test_wrongly_typed_or_shaped_parameters_are_400(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    commands = [{"command": "ask", "description": "Ask"}]
    assert (await call(client, "setMyCommands", commands=commands, scope={"type": "all_group_chats"}))[0] == 200
    assert (await call(client, "setMyCommands", commands=commands, scope={"type": "everyone"}))[0] == 400
    assert (await call(client, "setMyCommands", commands=[{"command": "ask"}]))[0] == 400
    assert (await call(client, "getUpdates", timeout="soon"))[0] == 400
    assert len(fake.violations) == 3
    fake.violations.clear()


async def test_wrong_token_is_401(client: aiohttp.ClientSession) -> None:
    assert await call(client, "getMe", token="1:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
async def test_message_sent_has_every_field_the_spec_requires(
    fake: FakeBotAPI, client: aiohttp.ClientSession, form: bool
) -> None:
    question = fake.message(GROUP, "hello")
    status, reply = await call(
        client,
        "sendMessage",
        form=form,
        chat_id=GROUP.id,
        text="<b>Hi</b> &amp; bye",
        parse_mode="HTML",
        reply_parameters={"message_id": question["message_id"]},
    )
    assert status == 200
    message = reply["result"]
    assert spec().check_object("Message", message) == []
    assert {"message_id", "date", "chat"} <= message.keys()
    assert message["text"] == "Hi & bye"
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert message["reply_to_message"]["message_id"] == question["message_id"]


def test_spec_check_finds_missing_and_unknown_fields() -> None:
    message = {"message_id": 1, "chat": {"id": 1, "type": "private"}, "txt": "hi"}
    problems = spec().check_object("Message", message)
    assert "Message: Message requires field 'date'" in problems
    assert "Message: Message has no field 'txt'" in problems


def test_updates_the_tests_push_are_checked_too(fake: FakeBotAPI) -> None:
    with pytest.raises(AssertionError, match="requires field 'file_unique_id'"):
        fake.push("message", fake.message(PRIVATE, sticker={"file_id": "x"}))


# Long polling ------------------------------------------------------------------------------


async def test_long_poll_returns_when_an_update_arrives(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(call(client, "getUpdates", timeout=20))
    await fake.wait_called("getUpdates", finished=False)  # the request is held open...
    message = fake.push_text(PRIVATE, "hello")  # ...until an update comes
    status, reply = await poll
    assert status == 200
    assert time.monotonic() - started < 5
    assert [u["message"] for u in reply["result"]] == [message]
    first = reply["result"][0]["update_id"]
    again = await call(client, "getUpdates")  # not confirmed yet: delivered again
    assert [u["update_id"] for u in again[1]["result"]] == [first]
    confirmed = await call(client, "getUpdates", offset=first + 1)
    assert confirmed[1]["result"] == []
    assert fake.pending_updates == []


async def test_long_poll_without_updates_returns_empty_after_its_timeout(
    fake: FakeBotAPI, client: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    assert await call(client, "getUpdates", timeout=1) == (200, {"ok": True, "result": []})
    assert time.monotonic() - started >= 1


async def test_allowed_updates_filters_what_is_delivered(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    message = fake.push_text(PRIVATE, "hello")
    fake.push_edit(message, "hello again")
    status, reply = await call(client, "getUpdates", allowed_updates=["edited_message"])
    assert status == 200
    assert [next(k for k in u if k != "update_id") for u in reply["result"]] == ["edited_message"]


async def test_get_updates_conflicts_with_a_webhook(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    assert (await call(client, "setWebhook", url="http://insecure.example/hook"))[0] == 400
    assert (await call(client, "setWebhook", url="https://bot.example/hook", secret_token="abc-DEF_1"))[0] == 200
    status, reply = await call(client, "getUpdates")
    assert (status, reply["error_code"]) == (409, 409)
    info = (await call(client, "getWebhookInfo"))[1]["result"]
    assert info["url"] == "https://bot.example/hook"
    assert spec().check_object("WebhookInfo", info) == []


# Telegram's message rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<b>bold", "can't parse entities"),
        ("a < b", "can't parse entities"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "can't parse entities"),
        ("<div>x</div>", "can't parse entities"),
        ("&nbsp;", "can't parse entities"),
        ("<b> </b>", "message text is empty"),
        ("x" * 4097, "message is too long"),
        ("&lt;" * 4097, "message is too long"),  # visible characters count, not markup
        ("🙂" * 2049, "message is too long"),  # UTF-16 units: each of these is two
    ],
)
async def test_html_telegram_would_refuse_is_refused(
    fake: FakeBotAPI, client: aiohttp.ClientSession, text: str, description: str
) -> None:
    fake.message(PRIVATE, "hello")
    status, reply = await call(client, "sendMessage", chat_id=PRIVATE.id, text=text, parse_mode="HTML")
    assert status == 400
    assert description in reply["description"]


@pytest.mark.parametrize("text", ["&lt;" * 4096, "🙂" * 2048, "<blockquote>" + "x" * 4096 + "</blockquote>"])
async def test_html_at_the_limit_is_accepted(fake: FakeBotAPI, client: aiohttp.ClientSession, text: str) -> None:
    fake.message(PRIVATE, "hello")
    status, _ = await call(client, "sendMessage", chat_id=PRIVATE.id, text=text, parse_mode="HTML")
    assert status == 200


def test_html_parser_gives_entities_in_utf16_units() -> None:
    parsed = parse('🙂 <blockquote expandable>a &amp; b</blockquote><a href="https://x.example/?a=1&amp;b=2">l</a>')
    assert parsed.text == "🙂 a & bl"
    assert parsed.entities == [
        {"type": "expandable_blockquote", "offset": 3, "length": 5},
        {"type": "text_link", "offset": 8, "length": 1, "url": "https://x.example/?a=1&b=2"},
    ]
    with pytest.raises(HtmlError, match="Unmatched end tag"):
        parse("<b><i>x</b></i>")


async def test_edit_to_the_same_text_is_not_modified(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    fake.message(PRIVATE, "hello")
    sent = (await call(client, "sendMessage", chat_id=PRIVATE.id, text="one"))[1]["result"]
    ids = {"chat_id": PRIVATE.id, "message_id": sent["message_id"]}
    assert (await call(client, "editMessageText", text="two", **ids))[0] == 200
    status, reply = await call(client, "editMessageText", text="two", **ids)
    assert status == 400 and "message is not modified" in reply["description"]
    assert (await call(client, "editMessageText", chat_id=PRIVATE.id, message_id=999, text="x"))[0] == 400


# Faults ------------------------------------------------------------------------------------


async def test_flood_fault_carries_retry_after(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    fake.inject("getMe", Fault.retry_after(7))
    assert await call(client, "getMe") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    assert (await call(client, "getMe"))[0] == 200  # once only


async def test_faults_follow_method_count_and_condition(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    fake.message(PRIVATE, "hello")
    fake.inject("sendMessage", Fault.server_error(503), times=2, when=lambda p: p["text"] == "fail")
    statuses = [
        (await call(client, "sendMessage", chat_id=PRIVATE.id, text=t))[0] for t in ["ok", "fail", "fail", "fail"]
    ]
    assert statuses == [200, 503, 503, 200]


async def test_malformed_and_slow_faults(fake: FakeBotAPI, client: aiohttp.ClientSession) -> None:
    fake.inject("getMe", Fault.malformed())
    async with client.post(f"/bot{TOKEN}/getMe") as response:
        with pytest.raises(ValueError):
            await response.json()
    fake.inject("getMe", Fault.slow(0.3))
    started = time.monotonic()
    assert (await call(client, "getMe"))[0] == 200
    assert time.monotonic() - started >= 0.3


# Keyboards, inline and callback queries ----------------------------------------------------


async def test_keyboards_are_kept_checked_and_removed_by_an_edit_without_one(
    fake: FakeBotAPI, client: aiohttp.ClientSession
) -> None:
    fake.message(PRIVATE, "hello")
    keyboard = {"inline_keyboard": [[{"text": "More", "callback_data": "m"}]]}
    status, sent = await call(client, "sendMessage", chat_id=PRIVATE.id, text="hi", reply_markup=keyboard)
    assert status == 200 and sent["result"]["reply_markup"] == keyboard
    message_id = sent["result"]["message_id"]
    too_long = {"inline_keyboard": [[{"text": "More", "callback_data": "x" * 65}]]}
    assert await call(client, "sendMessage", chat_id=PRIVATE.id, text="hi", reply_markup=too_long) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"},
    )
    status, edited = await call(client, "editMessageText", chat_id=PRIVATE.id, message_id=message_id, text="hi!")
    assert status == 200 and "reply_markup" not in edited["result"]
    status, edited = await call(
        client, "editMessageReplyMarkup", chat_id=PRIVATE.id, message_id=message_id, reply_markup=keyboard
    )
    assert status == 200 and fake.messages[(PRIVATE.id, message_id)]["reply_markup"] == keyboard
    status, _ = await call(
        client, "editMessageReplyMarkup", chat_id=PRIVATE.id, message_id=message_id, reply_markup=keyboard
    )
    assert status == 400  # not modified


async def test_queries_are_answered_once_and_inline_results_checked(
    fake: FakeBotAPI, client: aiohttp.ClientSession
) -> None:
    inline = fake.push_inline_query(ADA, "when")
    article = {
        "type": "article",
        "id": "a",
        "title": "A line",
        "input_message_content": {"message_text": "<blockquote>A line</blockquote>", "parse_mode": "HTML"},
    }
    too_many = [{**article, "id": str(n)} for n in range(51)]
    assert (await call(client, "answerInlineQuery", inline_query_id=inline["id"], results=too_many))[0] == 400
    broken = [{**article, "input_message_content": {"message_text": "<b>A line", "parse_mode": "HTML"}}]
    assert (await call(client, "answerInlineQuery", inline_query_id=inline["id"], results=broken))[0] == 400
    twice = [article, article]
    assert (await call(client, "answerInlineQuery", inline_query_id=inline["id"], results=twice))[0] == 400
    assert (await call(client, "answerInlineQuery", inline_query_id=inline["id"], results=[article]))[0] == 200
    assert (await call(client, "answerInlineQuery", inline_query_id=inline["id"], results=[article]))[0] == 400
    assert (await call(client, "answerCallbackQuery", callback_query_id="12345"))[0] == 400  # never sent
    assert not fake.violations  # refusals Telegram gives, not calls against the spec
