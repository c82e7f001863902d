"""Quotebot's Telegram handlers: pull the question out of an update, answer, render, send.

One small async method per kind of update, each saying when it runs. Replies are HTML (quotes
in ``<blockquote>``) in parts of at most 4096 characters, sent in order into the question's chat
and forum topic, the first part as a reply to the question. Should Telegram fail to parse a
part's HTML, that part goes out again as plain text: an answer is never lost to markup.
"""

from __future__ import annotations

import html
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import messages
from bot.answer import Answerer
from bot.monitor import Monitor
from bot.render import MESSAGE_LIMIT, to_html, utf16_len
from bot.telegram_filters import QUESTION, question_of

__all__ = ["AnsweredQuestions", "Quotebot", "deliver", "plain_text"]

log = logging.getLogger("quotebot.telegram")

REMEMBERED_QUESTIONS = 10_000  # answered questions kept to tell a changed edit from an unchanged one

# Given the text and parse mode (None: plain text), sends or edits one message.
Send = Callable[[str, str | None], Awaitable["Message | bool"]]


@dataclass(frozen=True, slots=True)
class Answered:
    """A question the bot answered: its text then, and the bot's reply messages, in order."""

    text: str
    replies: list[int]


class AnsweredQuestions:
    """The last answered questions by (chat, message), oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_QUESTIONS) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, int], Answered] = OrderedDict()

    def get(self, key: tuple[int, int]) -> Answered | None:
        return self._items.get(key)

    def remember(self, key: tuple[int, int], answered: Answered) -> None:
        self._items[key] = answered
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


# A quote and the citation line after it, in the HTML that bot.render.to_html makes.
_QUOTE = re.compile(r"<blockquote(?:\s[^>]*)?>(.*?)</blockquote>(?:\n([^\n]*))?", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def plain_text(part: str) -> str:
    """An HTML part as plain text laid out as ``bot.render.to_text`` does: "│ " quotes, no tags."""

    def quote(match: re.Match[str]) -> str:
        lines = ["│ " + line for line in match.group(1).split("\n")]
        if match.group(2) is not None:
            lines.append("  " + match.group(2))
        return "\n".join(lines)

    text = html.unescape(_TAG.sub("", _QUOTE.sub(quote, part)))
    if utf16_len(text) > MESSAGE_LIMIT:  # the quote marks pushed a full part over the limit
        text = html.unescape(_TAG.sub("", part))
    return text


async def deliver(send: Send, part: str) -> Message | bool:
    """Send (or edit to) one HTML part; on a "can't parse entities" refusal, as plain text."""
    try:
        return await send(part, ParseMode.HTML)
    except BadRequest as err:
        if "can't parse entities" not in err.message.lower():
            raise
        log.warning("Telegram could not parse a reply's HTML (%s); sending it as plain text", err.message)
        return await send(plain_text(part), None)


def _chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Plain ``text`` packed line by line into pieces of at most ``limit`` UTF-16 units."""
    pieces = [""]
    for line in text.split("\n"):
        while utf16_len(line) > limit:  # a line longer than a message: cut it
            head = line[: limit // 2]
            pieces.append(head)
            line = line[len(head) :]
        joined = f"{pieces[-1]}\n{line}" if pieces[-1] else line
        if utf16_len(joined) > limit:
            pieces.append(line)
        else:
            pieces[-1] = joined
    return [p for p in pieces if p.strip()]


class Quotebot:
    """The handlers, sharing one answerer and the memory of answered questions."""

    def __init__(self, answerer: Answerer, monitor: Monitor) -> None:
        self.answerer = answerer
        self.answered = AnsweredQuestions()
        self.monitor = monitor  # counts, times and logs each question

    def register(self, app: Application) -> None:
        """Add the handlers to ``app``; within a group, the first handler that matches wins."""
        fresh = filters.UpdateType.MESSAGE  # commands are not answered again when edited
        private = filters.ChatType.PRIVATE & fresh
        app.add_handler(CommandHandler("start", self.start, fresh))
        app.add_handler(CommandHandler("help", self.help, fresh))
        app.add_handler(CommandHandler("about", self.about, fresh))
        app.add_handler(MessageHandler(QUESTION, self.question))
        app.add_handler(MessageHandler(private & filters.COMMAND, self.help))
        app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, self.hint))
        app.add_error_handler(self.error)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /start (in groups /start@bot): what the bot does, the article, an example."""
        await self._say(update, messages.start(self.answerer.corpus))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /help, and on commands the bot does not know in private chats."""
        await self._say(update, messages.help_text())

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /about: the article's title, paragraphs, sentences and source."""
        await self._say(update, messages.about(self.answerer.corpus))

    async def hint(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on anything else sent in a private chat: stickers, photos, voice, blank text."""
        await self._say(update, messages.hint())

    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on a question (see :data:`bot.telegram_filters.QUESTION`), new or edited.

        Any text in a private chat; ``/ask``, a mention of the bot or a reply to it in groups and
        channels. An edited question is answered again only when its text changed (Telegram also
        sends edits for changes the bot cannot see), and then the earlier reply is edited to the
        new answer rather than a second reply added.
        """
        message = update.effective_message
        question = question_of(message) if message else None
        if message is None or question is None or message.text is None:
            return
        key = (message.chat_id, message.message_id)
        earlier = self.answered.get(key)
        if earlier is not None and earlier.text == message.text:
            return
        self.monitor.question(message.chat.type)
        answer = self.answerer.answer(question)
        parts = to_html(answer)
        if earlier is None:
            replies = await self._reply(message, parts)
        else:
            replies = await self._replace(message, earlier.replies, parts)
        self.answered.remember(key, Answered(message.text, replies))
        self.monitor.replied(message, answer, len(parts), edited=earlier is not None)
        log.debug("The question was: %.80r", question)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs when a handler raised: logs what and where (never the message text); the bot goes on."""
        err = context.error
        where = "outside an update"
        if isinstance(update, Update):
            chat = update.effective_chat
            where = f"update {update.update_id}" + (f" in {chat.type} chat {chat.id}" if chat else "")
        if isinstance(err, Forbidden):  # blocked by the user, or removed from the group
            log.warning("Telegram refused to deliver a reply (%s): %s", where, err.message)
        elif isinstance(err, RetryAfter):
            log.warning("Flood limit still hit after retries (%s): %s", where, err.message)
        elif isinstance(err, NetworkError) and not isinstance(err, BadRequest):
            log.warning("Network trouble while replying (%s): %s", where, err.message)
        elif isinstance(err, TelegramError):
            log.error("Telegram refused a reply (%s): %s", where, err.message, exc_info=err)
        else:
            log.error("Unexpected error (%s)", where, exc_info=err)

    async def _say(self, update: Update, text: str) -> None:
        """Reply with a fixed plain-text message, escaped into HTML."""
        if update.effective_message is not None:
            parts = [html.escape(chunk, quote=False) for chunk in _chunks(text)]
            await self._reply(update.effective_message, parts)

    async def _reply(self, message: Message, parts: list[str], first_replies: bool = True) -> list[int]:
        """Send ``parts`` in order into the question's chat and topic, the first as a reply to it.

        ``Message.reply_text`` adds the question's ``message_thread_id`` when it is in a forum topic.
        """
        sent = []
        for number, part in enumerate(parts):
            quote = first_replies and number == 0

            async def send(text: str, mode: str | None, quote: bool = quote) -> Message:
                return await message.reply_text(text, parse_mode=mode, do_quote=quote)

            reply = await deliver(send, part)
            if isinstance(reply, Message):
                sent.append(reply.message_id)
        return sent

    async def _replace(self, message: Message, earlier: list[int], parts: list[str]) -> list[int]:
        """Edit the reply ``earlier`` to ``parts``: messages kept, extra parts sent, spare ones deleted.

        When the earlier reply is gone (deleted in the meantime), a fresh reply is sent instead.
        """
        try:
            for message_id, part in zip(earlier, parts):
                await self._edit(message, message_id, part)
        except BadRequest as err:
            if "message to edit not found" not in err.message.lower():
                raise
            return await self._reply(message, parts)
        added = await self._reply(message, parts[len(earlier) :], first_replies=False)
        for spare in earlier[len(parts) :]:
            try:
                await message.get_bot().delete_message(message.chat_id, spare)
            except BadRequest as err:  # already deleted, or too old to delete: leave it
                log.info("Could not delete a spare reply part: %s", err.message)
        return earlier[: len(parts)] + added

    async def _edit(self, message: Message, message_id: int, part: str) -> None:
        """Edit the bot's message ``message_id`` in the question's chat to ``part``."""

        bot, chat_id = message.get_bot(), message.chat_id

        async def edit(text: str, mode: str | None) -> Message | bool:
            return await bot.edit_message_text(text, chat_id, message_id, parse_mode=mode)

        try:
            await deliver(edit, part)
        except BadRequest as err:
            # The same answer as before: the edit changed the question's wording, not its sense.
            if "message is not modified" not in err.message.lower():
                raise
