"""Telegram's flood limits, kept by the bot before Telegram has to refuse anything.

Telegram allows a bot about one message a second in a chat (short bursts pass), twenty a
minute in a group and about thirty a second in all
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this); beyond
them it answers 429 "retry after N". python-telegram-bot's own AIORateLimiter keeps the last
two only, and a 429 there stops every request of the bot. :class:`FloodLimiter` (the same hook)
keeps all three, each a leaky bucket (aiolimiter), and a 429 pauses only what it was about:

- every request naming a chat waits for that chat's bucket, then, for a group, supergroup or
  channel (a negative id or an @username), the group's, then the bot's overall one;
- requests without a chat (answering a button tap or an inline query) are not limited;
- a 429 pauses the chat it was for (or, for a request without a chat, every request) for the
  ``retry_after`` Telegram gave, then the request is tried again, up to ``max_retries`` times.

Buckets of chats quiet long enough to be empty are forgotten, so memory stays flat however
many chats the bot meets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["TELEGRAM_LIMITS", "FloodLimiter", "FloodLimits", "Rate"]

log = logging.getLogger("quotebot.flood")

PRUNE_ABOVE = 1024  # buckets kept before the empty ones are forgotten
SLACK = 0.1  # seconds added to Telegram's retry_after, so the retry does not land a hair early

Chat = int | str  # a chat id, or a channel's @username
JSON = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` messages in ``seconds``, ``count`` of them at once (a leaky bucket)."""

    count: int
    seconds: float

    def bucket(self) -> AsyncLimiter:
        return AsyncLimiter(self.count, self.seconds)


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """The limits the bot keeps; a ``None`` limit is not kept."""

    chat: Rate | None = Rate(3, 3.0)  # about 1 a second, a burst of 3 (an answer in parts)
    # Telegram counts 20 a minute in a group and 30 a second overall. A bucket lets its burst
    # through on top of its rate, so both are set for burst + rate x window to stay under
    # Telegram's count in any window: 2 at once then 18 a minute (at most 20 in any minute);
    # one at a time, 24 a second overall (at most 25 in any second). The overall margin is wide
    # because messages reach Telegram later than they took their place here, by however long
    # the bot was busy answering: with a burst of 3 and 24 a second, 33 arrived within one
    # second under benchmarks/telegram_load.py; spaced out like this, at most 27.
    group: Rate | None = Rate(2, 6.6)
    overall: Rate | None = Rate(1, 1 / 24)


TELEGRAM_LIMITS = FloodLimits()


def _chat_of(data: dict[str, Any]) -> Chat | None:
    chat = data.get("chat_id")
    if isinstance(chat, str) and chat.lstrip("-").isdigit():
        return int(chat)
    return chat if isinstance(chat, int | str) else None


def _is_group(chat: Chat) -> bool:
    """Groups, supergroups and channels have negative ids (or, for public ones, @usernames)."""
    return isinstance(chat, str) or chat < 0


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


class _Buckets:
    """One bucket per chat, made on first use, forgotten once empty when there are many."""

    def __init__(self, rate: Rate) -> None:
        self._rate = rate
        self._buckets: dict[Chat, AsyncLimiter] = {}

    def __getitem__(self, chat: Chat) -> AsyncLimiter:
        bucket = self._buckets.get(chat)
        if bucket is None:
            if len(self._buckets) >= PRUNE_ABOVE:
                self._prune()
            bucket = self._buckets[chat] = self._rate.bucket()
        return bucket

    def _prune(self) -> None:
        for chat, bucket in list(self._buckets.items()):
            if bucket.has_capacity(bucket.max_rate):  # empty: as good as new
                del self._buckets[chat]

    def __len__(self) -> int:
        return len(self._buckets)


class FloodLimiter(BaseRateLimiter[int]):
    """python-telegram-bot's rate limiter hook, keeping ``limits`` and waiting out 429s.

    ``limits`` None keeps none (for a Bot API server without Telegram's limits, as in a load
    test); 429s are still waited out. ``clock`` is for tests.
    """

    def __init__(
        self, limits: FloodLimits | None, max_retries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        limits = limits or FloodLimits(None, None, None)
        self.max_retries = max_retries
        self._chats = _Buckets(limits.chat) if limits.chat else None
        self._groups = _Buckets(limits.group) if limits.group else None
        self._overall = limits.overall.bucket() if limits.overall else None
        self._paused: dict[Chat | None, float] = {}  # chat (None: every request) -> paused until
        self._clock = clock

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Make the request once the limits allow it; after a 429, again once its wait is over."""
        chat = _chat_of(data)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            await self._wait_pause(chat)
            if chat is not None:
                await self._take(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                if attempt >= retries:
                    raise
                attempt += 1
                wait = _seconds(err.retry_after) + SLACK
                self._pause(chat, wait)
                where = "every request" if chat is None else f"chat {chat}"
                log.info("Flood wait: %s paused for %.1f s (try %d of %d)", where, wait, attempt, retries)

    async def _take(self, chat: Chat) -> None:
        """Wait for room in the chat's bucket, its group's, and the bot's overall one."""
        if self._chats is not None:
            await self._chats[chat].acquire()
        if self._groups is not None and _is_group(chat):
            await self._groups[chat].acquire()
        if self._overall is not None:  # last: the overall rate is the one kept most exactly
            await self._overall.acquire()

    def _pause(self, chat: Chat | None, seconds: float) -> None:
        until = self._clock() + seconds
        self._paused[chat] = max(self._paused.get(chat, 0.0), until)
        now = self._clock()
        for key in [k for k, t in self._paused.items() if t <= now]:  # forget pauses that are over
            del self._paused[key]

    async def _wait_pause(self, chat: Chat | None) -> None:
        """Wait while this chat, or every request, is paused by a 429 (a pause may grow meanwhile)."""
        while True:
            until = max(self._paused.get(None, 0.0), self._paused.get(chat, 0.0) if chat is not None else 0.0)
            wait = until - self._clock()
            if wait <= 0:
                return
            await asyncio.sleep(wait)
