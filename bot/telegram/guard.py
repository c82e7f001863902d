"""Who may use the bot, and how much: the allow-list of chats, and each person's questions a minute.

Runs before every other handler (group -1) and ends the handling of an update it refuses:

- **Allow-list** (``QUOTEBOT_ALLOWED_CHATS``, empty: every chat). An update from a chat not on
  it is dropped. A group, supergroup or channel not on it the bot also leaves (``leaveChat``),
  so that Telegram stops sending its messages; it is added there, the service message of its
  joining arrives, and it leaves at once. A private chat cannot be left: those are ignored,
  without a word (a reply would hand every stranger an answer of sorts). Inline queries come
  from no chat: they are answered only for the users on the list (a user's id is their private
  chat's id).
- **Questions a minute** (``QUOTEBOT_USER_RATE``, 0: no limit), per person (per channel for
  channel posts, which come from no person): past it, the bot says so once, politely, then
  stays silent on that person's questions until their minute is over (:mod:`bot.telegram.quota`).
  Nobody else waits for it: the refusal costs no answer, and the notice is one message.
  An edit that left the question's text as it was (Telegram also sends edits for changes the bot
  cannot see) is not answered again, so it does not count either.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

from telegram import Chat, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.telegram.filters import question_of
from bot.telegram.handlers import Say
from bot.telegram.quota import Decision, Quota

__all__ = ["Guard", "too_many"]

log = logging.getLogger("quotebot.telegram")

REMEMBERED_LEFT = 10_000  # chats the bot left, kept so that their queued updates leave it once


def too_many(limit: int, wait: float) -> str:
    """The one notice to a person over the limit."""
    seconds = max(1, round(wait))
    return (
        f"You're asking faster than I can keep up: I answer up to {limit} questions a minute from each person. "
        f"I'll read your questions again in {seconds} second{'' if seconds == 1 else 's'}."
    )


def _question_message(update: Update) -> Message | None:
    """The message of a new or edited message or channel post (not a button tap's message)."""
    return update.message or update.edited_message or update.channel_post or update.edited_channel_post


class Guard:
    """The allow-list and the per-person limit, as a handler that runs before all others."""

    def __init__(
        self,
        allowed: frozenset[int],
        quota: Quota | None,
        say: Say,
        unchanged: Callable[[Message], bool] = lambda message: False,
    ) -> None:
        self.allowed = allowed
        self.quota = quota
        self.say = say
        self.unchanged = unchanged  # whether an edited message's text is the one already answered
        self._left: OrderedDict[int, None] = OrderedDict()

    def register(self, app: Application) -> None:
        app.add_handler(TypeHandler(Update, self.check), group=-1)

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on every update first: stops those from chats not allowed, and questions over the limit."""
        if not self._allows(update):
            await self._turn_away(update, context)
            raise ApplicationHandlerStop
        message = _question_message(update)
        if self.quota is None or message is None or question_of(message) is None:
            return
        edited = update.edited_message is not None or update.edited_channel_post is not None
        if edited and self.unchanged(message):
            return  # the question handler leaves it alone: no answer, so it costs nothing
        sender = update.effective_user
        asker = sender.id if sender is not None else message.chat_id  # a channel asks as itself
        admission = self.quota.ask(asker)
        if admission.decision is Decision.ANSWER:
            return
        if admission.decision is Decision.NOTICE:
            log.info("A %s chat's asker is over %d questions a minute; told once", message.chat.type, self.quota.limit)
            await self.say(update, too_many(self.quota.limit, admission.wait), False)
        raise ApplicationHandlerStop

    def _allows(self, update: Update) -> bool:
        if not self.allowed:
            return True
        chat = update.effective_chat
        if chat is not None:
            return chat.id in self.allowed
        user = update.effective_user  # inline queries and chosen results: no chat
        return user is not None and user.id in self.allowed

    async def _turn_away(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Leave a group or channel not allowed (once); anything else is just dropped."""
        chat = update.effective_chat
        if chat is None or chat.type == Chat.PRIVATE:
            log.debug("Ignored an update from a chat not in QUOTEBOT_ALLOWED_CHATS")
            return
        if chat.id in self._left:
            return
        self._left[chat.id] = None
        while len(self._left) > REMEMBERED_LEFT:
            self._left.popitem(last=False)
        try:
            await context.bot.leave_chat(chat.id)
        except TelegramError as err:
            log.warning("Could not leave the %s %d (not in QUOTEBOT_ALLOWED_CHATS): %s", chat.type, chat.id, err)
            return
        log.info("Left the %s %d: it is not in QUOTEBOT_ALLOWED_CHATS", chat.type, chat.id)
