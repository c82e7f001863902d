"""The order in which updates are handled: many chats at once, each chat's in order.

Also :class:`QuotebotApplication`, python-telegram-bot's Application without its record of readers.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import (
    Update,
)
from telegram.ext import Application, BaseUpdateProcessor, Job

from bot.ops.monitor import mark_received

__all__ = ["MAX_CONCURRENT_UPDATES", "ChatOrderedUpdates", "QuotebotApplication"]

MAX_CONCURRENT_UPDATES = 64
UNLIMITED = 2**31 - 1  # python-telegram-bot's own cap on updates at once, set out of reach (see below)


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, but each chat's in the order they came.

    Why concurrent: a reply waits on the network and on the flood limits (20 messages a minute
    to a group), and one busy group must not hold up everybody else. Why ordered per chat: a
    chat's answers must not overtake each other, nor an edit the question it edits.

    An update waits for its chat's turn *before* it takes one of the places. python-telegram-bot
    takes its own place (a semaphore) before this class sees the update, so under its limit a
    chat with a backlog would fill every place with updates queued for that one chat while all
    other chats waited; its limit is therefore set out of reach, and this class keeps its own.

    :meth:`abandon` cancels what is still under way, for a shutdown that cannot wait any longer.
    """

    __slots__ = ("_locks", "_places", "_tasks", "_waiting")

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(UNLIMITED)
        self._places = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: Counter[int] = Counter()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        mark_received()  # the reply latency counts from here, waiting for the chat's turn included
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        started = False
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None:
                async with self._places:
                    started = True
                    await coroutine
                return
            lock = self._locks.setdefault(chat.id, asyncio.Lock())
            self._waiting[chat.id] += 1
            try:
                async with lock, self._places:
                    started = True
                    await coroutine
            finally:
                self._waiting[chat.id] -= 1
                if not self._waiting[chat.id]:  # nobody else queued for this chat: forget its lock
                    del self._waiting[chat.id], self._locks[chat.id]
        finally:
            if task is not None:
                self._tasks.discard(task)
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled before its turn: it will never run

    def abandon(self) -> int:
        """Cancel every update still waiting or being handled; how many there were."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return len(tasks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: the application waits for updates in flight before this."""


class QuotebotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's Application, without its ever-growing list of readers.

    After each update, Application notes its chat and its sender for a persistence to save, and
    only a persistence's save empties those notes. Quotebot has no persistence, so they would
    keep two ids for every new reader for as long as the bot runs (measured after 200,000 new
    readers: 257 MB resident, against 230 with this class). Without a persistence, nothing is noted.
    """

    __slots__ = ()

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Job[Any] | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)
