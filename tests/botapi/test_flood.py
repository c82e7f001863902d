"""bot/flood.py on its own: the buckets per chat, per group and overall, and a 429 pausing only
what it was about. (Through the bot, at scale: test_telegram_load.py.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.botapi.flood import FloodLimiter, FloodLimits, Rate

FAST_CHAT = FloodLimits(chat=Rate(3, 0.3), group=None, overall=None)  # 3 at once, then one each 0.1 s


async def send(limiter: FloodLimiter, chat: int | None, action: Callable[[], Awaitable[Any]] | None = None) -> float:
    """One request through ``limiter``; when it went out, on the monotonic clock."""

    async def callback() -> float:
        if action is not None:
            await action()
        return time.monotonic()

    data = {} if chat is None else {"chat_id": chat}
    return await limiter.process_request(callback, (), {}, "sendMessage", data, None)  # type: ignore[return-value]


async def test_a_chat_gets_its_burst_then_waits_while_another_chat_goes_at_once() -> None:
    limiter = FloodLimiter(FAST_CHAT, max_retries=0)
    start = time.monotonic()
    busy = [await send(limiter, 1) for _ in range(5)]
    other = await send(limiter, 2)
    assert busy[2] - start < 0.05  # the burst
    assert busy[3] - busy[2] >= 0.09 and busy[4] - busy[3] >= 0.09  # then one each 0.1 s
    assert other - busy[-1] < 0.05


async def test_a_groups_bucket_is_on_top_of_its_chat_bucket() -> None:
    limiter = FloodLimiter(FloodLimits(chat=None, group=Rate(2, 0.2), overall=None), max_retries=0)
    start = time.monotonic()
    in_group = [await send(limiter, -100) for _ in range(3)]
    private = [await send(limiter, 100) for _ in range(3)]  # a private chat is no group
    assert in_group[1] - start < 0.05 and in_group[2] - in_group[1] >= 0.09
    assert private[-1] - in_group[-1] < 0.05


class FloodOnce:
    """A request that Telegram refuses once with "retry after 1", then takes."""

    def __init__(self) -> None:
        self.tries = 0

    async def __call__(self) -> None:
        self.tries += 1
        if self.tries == 1:
            raise RetryAfter(1)


async def test_a_429_pauses_only_its_chat_and_the_request_goes_after_the_wait() -> None:
    limiter = FloodLimiter(None, max_retries=1)
    start = time.monotonic()
    flooded = asyncio.create_task(send(limiter, 1, FloodOnce()))
    await asyncio.sleep(0)  # the flooded request has gone out, and been refused
    other = await send(limiter, 2)
    assert other - start < 0.2  # nobody else waits
    assert await flooded - start >= 1.0


async def test_a_429_without_a_chat_pauses_everyone_and_retries_are_bounded() -> None:
    limiter = FloodLimiter(None, max_retries=1)
    start = time.monotonic()
    flooded = asyncio.create_task(send(limiter, None, FloodOnce()))
    await asyncio.sleep(0)
    assert await send(limiter, 2) - start >= 1.0  # it waited for the pause too
    await flooded

    async def always() -> None:
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await FloodLimiter(None, max_retries=0).process_request(always, (), {}, "sendMessage", {"chat_id": 3}, None)
