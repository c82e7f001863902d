"""Commands for whoever runs the bot: ``/stats`` and ``/reload``, for the users in ``QUOTEBOT_ADMINS``.

Both work in a private chat with the bot only: ``/stats`` shows what readers asked, which is
not for a group to read. Anyone else who sends them in a private chat gets a polite refusal;
in groups they are ignored like any other command meant for another bot.

``/reload`` (and SIGHUP, see :mod:`bot.telegram.serving`) reads the articles again without a
restart; when one cannot be read, the articles in service stay and the reply says why.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.articles.corpus import CorpusError
from bot.library import Library
from bot.stats import Recorder, StatsError, report
from bot.telegram.handlers import Say

__all__ = ["Admin", "reload_articles"]

log = logging.getLogger("quotebot.telegram")

STATS_ROWS = 10  # rows in each table of /stats
REFUSED = "Sorry, only the people who run this bot can use /{command}."
RECORDING_OFF = "Recording is off (QUOTEBOT_RECORD=false), so there is nothing to show."


async def reload_articles(library: Library) -> str:
    """Read the articles again; what happened, in one line, also logged."""
    try:
        reloaded = await library.reload()
    except CorpusError as err:
        message = f"Not reloaded: {err}. Still serving the articles as they were."
        log.error("%s", message)
        return message
    return reloaded.summary()


class Admin:
    """``/stats`` and ``/reload`` for the admins."""

    def __init__(self, library: Library, recorder: Recorder, admins: frozenset[int], say: Say) -> None:
        self.library = library
        self.recorder = recorder
        self.admins = admins
        self.say = say

    def register(self, app: Application) -> None:
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler("stats", self.stats, private))
        app.add_handler(CommandHandler("reload", self.reload, private))

    async def _admitted(self, update: Update, command: str) -> bool:
        """Whether the sender is an admin; a polite refusal to anyone else."""
        user = update.effective_user
        if user is not None and user.id in self.admins:
            return True
        log.info("/%s refused to a user who is not in QUOTEBOT_ADMINS", command)
        await self.say(update, REFUSED.format(command=command), False)
        return False

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /stats in a private chat: what readers asked, as tables, for admins."""
        if not await self._admitted(update, "stats"):
            return
        if self.recorder.path is None:
            await self.say(update, RECORDING_OFF, False)
            return
        self.recorder.commit()  # the report reads the file: the questions of the last moments too
        try:
            text = await asyncio.to_thread(report, self.recorder.path, STATS_ROWS)
        except StatsError as err:
            await self.say(update, str(err), False)
            return
        await self.say(update, text, True)

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /reload in a private chat: read the articles again, for admins."""
        if await self._admitted(update, "reload"):
            await self.say(update, await reload_articles(self.library), False)
