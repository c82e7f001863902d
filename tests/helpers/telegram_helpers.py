"""What the Telegram tests share: the question they ask, and ways to watch the bot's replies."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

from tests.helpers.fake_bot_api import Call, Chat, FakeBotAPI

T = TypeVar("T")

QUESTION = "When were they captured?"
ANSWER = "Ukrainian forces captured them in January 2023."
ASK = "/ask@Quote_Test_Bot"


def replied_to(call: Call) -> int | None:
    """The message a sent message replies to, if any."""
    return call.params.get("reply_parameters", {}).get("message_id")


async def answer_to(fake: FakeBotAPI, chat: Chat, question: dict[str, Any], timeout: float = 10.0) -> Call:
    """The bot's reply to ``question``, waiting for it (``timeout`` seconds at most)."""

    def is_reply(call: Call) -> bool:
        return (
            call.method == "sendMessage"
            and call.ok
            and call.result["chat"]["id"] == chat.id
            and replied_to(call) == question["message_id"]
        )

    [reply] = await fake.wait_for(is_reply, timeout=timeout)
    return reply


async def assert_silent(fake: FakeBotAPI, chat: Chat, since: int = 0, **where: Any) -> None:
    """Ask a question in ``chat`` now; its answer must be all the bot sent there after the first
    ``since`` messages (those it had sent before the input it should stay silent on)."""
    question = fake.push_text(chat, f"{ASK} {QUESTION}", **where)
    reply = await answer_to(fake, chat, question)
    assert fake.sent(chat)[since:] == [reply], [c.text for c in fake.sent(chat)]


async def polling(fake: FakeBotAPI) -> None:
    """Wait until the bot is long polling: a getUpdates is waiting at the fake for news."""
    await fake.wait_for(lambda c: c.method == "getUpdates" and c.finished is None, finished=False)


def message_content(spec: dict[str, str]) -> dict[str, Any]:
    """Message content for the fake: text, or a sticker, photo or voice message as Telegram shapes it."""
    file = {"file_id": "AgACAgIAAxkBAAI", "file_unique_id": "AQADyK0xG"}
    media = {
        "sticker": {
            **file,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
        "photo": [{**file, "width": 320, "height": 240}],
        "voice": {**file, "duration": 3},
    }
    return {"text": spec["text"]} if "text" in spec else {kind: media[kind] for kind in spec}


# Buttons, and what the bot recorded -------------------------------------------------------


def keyboard(message: dict[str, Any] | Call) -> list[list[str]]:
    """The labels of the buttons under a message (as sent, or as it is now), row by row."""
    sent = message.result if isinstance(message, Call) else message
    markup = sent.get("reply_markup") or {}
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]


async def eventually(check: Callable[[], T | None], timeout: float = 10.0) -> T:
    """``check()``'s first truthy value, polled until ``timeout`` (for effects the bot has no reply for)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout} s")
        await asyncio.sleep(0.02)


def rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """The rows ``sql`` selects from the stats database (none when it does not exist yet)."""
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, args).fetchall()
