"""Webhook mode: the bot registers its URL and secret, and answers only posts that carry the secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.answer import Answerer
from bot.errors import UsageError
from bot.telegram.app import ALLOWED_UPDATES
from bot.telegram.serving import webhook_of
from tests.helpers.fake_bot_api import PRIVATE, FakeBotAPI
from tests.helpers.running import PUBLIC_URL, SECRET, TOKEN, free_port, make_settings, running
from tests.helpers.telegram_helpers import ANSWER, QUESTION, answer_to


@pytest.fixture
async def hook(fake: FakeBotAPI, answerer: Answerer) -> AsyncIterator[str]:
    """The bot in webhook mode; the local URL Telegram's posts would reach through the proxy."""
    port = free_port()
    settings = make_settings(fake, webhook_url=PUBLIC_URL, webhook_secret=SECRET, listen="127.0.0.1", port=port)
    async with running(settings, answerer):
        yield f"http://127.0.0.1:{port}/quotebot/hook"


async def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    """POST ``update`` as Telegram does, with ``secret`` in its header (none if None); the status."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as response,
    ):
        return response.status


async def test_webhook_is_registered_with_its_secret(fake: FakeBotAPI, hook: str) -> None:
    [call] = fake.calls_to("setWebhook")
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == SECRET
    assert sorted(call.params["allowed_updates"]) == sorted(ALLOWED_UPDATES)
    assert not fake.calls_to("getUpdates")  # no polling in webhook mode


async def test_post_with_the_secret_is_answered(fake: FakeBotAPI, hook: str) -> None:
    question = fake.message(PRIVATE, QUESTION)
    assert await post(hook, fake.update("message", question), SECRET) == 200
    reply = await answer_to(fake, PRIVATE, question)
    assert reply.text.startswith(ANSWER)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET.lower()], ids=["none", "empty", "wrong", "case"])
async def test_post_without_the_right_secret_is_refused_and_not_handled(
    fake: FakeBotAPI, hook: str, secret: str | None
) -> None:
    forged = fake.message(PRIVATE, "What is the price of bitcoin?")
    assert await post(hook, fake.update("message", forged), secret) == 403
    genuine = fake.message(PRIVATE, QUESTION)
    assert await post(hook, fake.update("message", genuine), SECRET) == 200
    reply = await answer_to(fake, PRIVATE, genuine)
    assert fake.sent(PRIVATE) == [reply]  # the forged question got nothing


@pytest.mark.parametrize(
    ("url", "secret", "complaint"),
    [
        (PUBLIC_URL, None, "needs QUOTEBOT_WEBHOOK_SECRET"),
        (PUBLIC_URL, "has spaces in it", "1-256 characters"),
        ("http://bot.example.invalid/hook", SECRET, "https://"),
    ],
    ids=["no-secret", "bad-secret", "not-https"],
)
def test_incomplete_webhook_setup_is_refused_before_start(url: str, secret: str | None, complaint: str) -> None:
    settings = make_settings(webhook_url=url, webhook_secret=secret)
    with pytest.raises(UsageError, match=complaint) as refused:
        webhook_of(settings)
    assert TOKEN not in str(refused.value)


def test_without_webhook_url_the_bot_polls() -> None:
    assert webhook_of(make_settings()) is None
