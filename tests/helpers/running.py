"""The bot under test: a token shaped like a real one, settings that see nothing from outside,
and the real application served against the fake Bot API."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from bot.answer import Answerer
from bot.botapi.flood import TELEGRAM_LIMITS, FloodLimits
from bot.config import Settings
from bot.telegram.app import build_application
from bot.telegram.serving import serve
from tests.helpers.fake_bot_api import FakeBotAPI

__all__ = ["PUBLIC_URL", "SECRET", "TOKEN", "free_port", "make_settings", "running"]

# Shaped like a real token (digits, a colon, 35 of A-Z a-z 0-9 _ -, as `quotebot run` checks), and
# distinctive, so a leak anywhere is easy to find.
TOKEN = "5127836401:AAF-quotebot_TEST_token_x9Zq2Lw7Kp3"


def make_settings(fake: FakeBotAPI | None = None, **overrides: Any) -> Settings:
    """Settings for the bot with the test token, talking to ``fake`` (if given), nothing from outside."""
    if fake is not None:
        overrides.setdefault("api_base_url", fake.base_url)
    return Settings(_env_file=None, telegram_bot_token=TOKEN, **overrides)


@asynccontextmanager
async def running(
    settings: Settings, answerer: Answerer, limits: FloodLimits | None = TELEGRAM_LIMITS
) -> AsyncIterator[Application]:
    """The real application, served as ``quotebot run`` serves it, until the block ends."""
    app = build_application(settings, answerer, limits)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, settings, stop, ready))
    ready_wait = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, ready_wait}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    ready_wait.cancel()
    if task in done:
        task.result()  # raises what stopped it
        raise AssertionError("the bot stopped before it was ready")
    if not done:
        stop.set()
        await task
        raise AssertionError("the bot was not ready within 10 s")
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


# Webhook mode: the secret Telegram sends back, and the public URL it is told to post to.
SECRET = "s3cret-Token_1"
PUBLIC_URL = "https://bot.example.invalid/quotebot/hook"  # Telegram's view; the fake never calls it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
