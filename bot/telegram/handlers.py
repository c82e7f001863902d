"""Quotebot's Telegram handlers: pull the question out of an update, answer, render, send.

One small async method per kind of update, each saying when it runs. Replies are HTML (quotes
in ``<blockquote>``) in parts of at most 4096 characters, sent in order into the question's chat
and forum topic, the first part as a reply to the question, the buttons (:mod:`bot.telegram.buttons`)
under the last. Should Telegram fail to parse a part's HTML, that part goes out again as plain
text: an answer is never lost to markup. Each question is recorded (:mod:`bot.stats.recorder`) before its
answer goes out, so that the 👍 / 👎 under it can name it.
"""

from __future__ import annotations

import html
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import messages
from bot.answer import Answerer
from bot.articles.narrowing import NoSuchArticle
from bot.botapi.retry import Unconfirmed
from bot.followups import Conversations
from bot.library import Edition, Library
from bot.ops.monitor import Monitor
from bot.render import MESSAGE_LIMIT, to_html, utf16_len
from bot.stats.recorder import Recorder
from bot.telegram.filters import QUESTION, question_of

if TYPE_CHECKING:  # the buttons module uses this one's helpers
    from bot.telegram.buttons import Keyboards

__all__ = ["AnsweredQuestions", "Editions", "Quotebot", "Say", "deliver", "html_parts", "plain_text", "too_late"]

log = logging.getLogger("quotebot.telegram")

REMEMBERED_QUESTIONS = 10_000  # answered questions kept to tell a changed edit from an unchanged one

# Given the text and parse mode (None: plain text), sends or edits one message.
Send = Callable[[str, str | None], Awaitable["Message | bool"]]
# Sends plain text to the update's chat, escaped; monospaced when ``pre`` (see Quotebot.say).
Say = Callable[[Update, str, bool], Awaitable[None]]
# The articles a message's chat asks about (bot.telegram.reading: its own, or the operator's).
Editions = Callable[[Message | None], Edition]


@dataclass(frozen=True, slots=True)
class Answered:
    """A question the bot answered: its text then, and the bot's reply messages, in order."""

    text: str
    replies: list[int]
    question_id: int | None = None  # its record in the stats database, updated when it is edited


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
    """Send (or edit to) one HTML part; on a "can't parse entities" refusal, as plain text.

    True when Telegram did or may have sent it but its answer never came through
    (:class:`bot.retry.Unconfirmed`): it is not sent again, and the reply goes on with the next part.
    """
    try:
        try:
            return await send(part, ParseMode.HTML)
        except BadRequest as err:
            if "can't parse entities" not in err.message.lower():
                raise
            log.warning("Telegram could not parse a reply's HTML (%s); sending it as plain text", err.message)
            return await send(plain_text(part), None)
    except Unconfirmed as err:
        log.warning("A reply's part got no answer from Telegram (%s); going on", err.message)
        return True


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


def too_late(err: BadRequest) -> bool:
    """Whether Telegram refused to answer an inline or callback query for being too old: a query
    must be answered within seconds, so one that waited out a restart or a slow moment is."""
    message = err.message.lower()
    return "query is too old" in message or "query id is invalid" in message


def html_parts(text: str, pre: bool = False) -> list[str]:
    """Plain ``text`` as HTML messages of at most 4096 visible characters, escaped; monospaced when ``pre``."""
    parts = [html.escape(chunk, quote=False) for chunk in _chunks(text)]
    return [f"<pre>{part}</pre>" for part in parts] if pre else parts


class Quotebot:
    """The handlers, sharing the articles in service, the recorder and the memory of answered questions."""

    def __init__(
        self,
        library: Library,
        recorder: Recorder,
        keyboards: Keyboards,
        monitor: Monitor,
        editions: Editions | None = None,
    ) -> None:
        self.library = library
        self.recorder = recorder
        self.keyboards = keyboards
        self.answered = AnsweredQuestions()
        self.conversations = Conversations()  # the last question of each chat and topic, for follow-ups
        self.monitor = monitor  # counts, times and logs each question
        # A chat that brought its own article asks about it; by default every chat asks the library.
        self.editions: Editions = editions or (lambda message: library.current)

    @property
    def answerer(self) -> Answerer:
        """The answerer in service now (a /reload may replace it between two updates)."""
        return self.library.current.answerer

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
        await self._say(update, messages.help_text(self.answerer.corpus))

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /about: each article's number, title, paragraphs, sentences and source."""
        await self._say(update, messages.about(self.answerer.corpus))

    async def hint(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on anything else sent in a private chat: stickers, photos, voice, blank text."""
        await self._say(update, messages.hint())

    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on a question (see :data:`bot.telegram_filters.QUESTION`), new or edited.

        Any text in a private chat; ``/ask``, a mention of the bot or a reply to it in groups and
        channels. An edited question is answered again only when its text changed (Telegram also
        sends edits for changes the bot cannot see), and then the earlier reply is edited to the
        new answer rather than a second reply added. "#2 question" asks the second article only.
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
        edition = self.editions(message)  # once: a /reload meanwhile must not mix two editions
        try:
            if earlier is None:  # a new question may follow up the one before in its chat or topic
                topic = message.message_thread_id if message.is_topic_message else None
                conversation = (message.chat_id, topic, edition.fingerprint)  # another article: a new talk
                answer = self.conversations.ask(edition.answerer, conversation, question)
            else:
                answer = edition.answerer.ask(question)
        except NoSuchArticle as err:
            await self._say(update, str(err))
            return
        corpus = edition.answerer.corpus
        narrowed = corpus.articles[answer.article].document if answer.article is not None else None
        replaces = earlier.question_id if earlier else None
        question_id = self.recorder.question(message.chat.type, answer, narrowed, replaces)
        parts = to_html(answer)
        markup = self.keyboards.under(answer, edition.fingerprint, question_id)
        if earlier is None:
            replies = await self._reply(message, parts, markup=markup)
        else:
            replies = await self._replace(message, earlier.replies, parts, markup)
        self.answered.remember(key, Answered(message.text, replies, question_id))
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

    async def _say(self, update: Update, text: str, pre: bool = False) -> None:
        """Reply with a fixed plain-text message, escaped into HTML (monospaced when ``pre``)."""
        if update.effective_message is not None:
            await self._reply(update.effective_message, html_parts(text, pre))

    async def say(self, update: Update, text: str, pre: bool = False) -> None:
        """Reply with plain ``text`` (for the handlers of other modules)."""
        await self._say(update, text, pre)

    async def reply(self, message: Message, parts: list[str], markup: InlineKeyboardMarkup | None) -> list[int]:
        """Send HTML ``parts`` as a reply to ``message``, ``markup`` under the last; the ids sent."""
        return await self._reply(message, parts, markup=markup)

    async def _reply(
        self,
        message: Message,
        parts: list[str],
        first_replies: bool = True,
        markup: InlineKeyboardMarkup | None = None,
    ) -> list[int]:
        """Send ``parts`` in order into the question's chat and topic, the first as a reply to it,
        ``markup`` (the answer's buttons) under the last.

        ``Message.reply_text`` adds the question's ``message_thread_id`` when it is in a forum topic.
        """
        sent = []
        for number, part in enumerate(parts):
            quote = first_replies and number == 0
            buttons = markup if number == len(parts) - 1 else None

            async def send(
                text: str, mode: str | None, quote: bool = quote, buttons: InlineKeyboardMarkup | None = buttons
            ) -> Message:
                return await message.reply_text(text, parse_mode=mode, do_quote=quote, reply_markup=buttons)

            reply = await deliver(send, part)
            if isinstance(reply, Message):
                sent.append(reply.message_id)
        return sent

    async def _replace(
        self, message: Message, earlier: list[int], parts: list[str], markup: InlineKeyboardMarkup | None
    ) -> list[int]:
        """Edit the reply ``earlier`` to ``parts``: messages kept, extra parts sent, spare ones deleted;
        ``markup`` under the last part, and only there.

        When the earlier reply is gone (deleted in the meantime), a fresh reply is sent instead.
        """
        try:
            for number, (message_id, part) in enumerate(zip(earlier, parts)):
                await self._edit(message, message_id, part, markup if number == len(parts) - 1 else None)
        except BadRequest as err:
            if "message to edit not found" not in err.message.lower():
                raise
            return await self._reply(message, parts, markup=markup)
        added = await self._reply(message, parts[len(earlier) :], first_replies=False, markup=markup)
        for spare in earlier[len(parts) :]:
            try:
                await message.get_bot().delete_message(message.chat_id, spare)
            except BadRequest as err:  # already deleted, or too old to delete: leave it
                log.info("Could not delete a spare reply part: %s", err.message)
        return earlier[: len(parts)] + added

    async def _edit(self, message: Message, message_id: int, part: str, markup: InlineKeyboardMarkup | None) -> None:
        """Edit the bot's message ``message_id`` in the question's chat to ``part``, ``markup`` under it
        (an edit without one takes the earlier buttons off)."""

        bot, chat_id = message.get_bot(), message.chat_id

        async def edit(text: str, mode: str | None) -> Message | bool:
            return await bot.edit_message_text(text, chat_id, message_id, parse_mode=mode, reply_markup=markup)

        try:
            await deliver(edit, part)
        except BadRequest as err:
            # The same answer as before: the edit changed the question's wording, not its sense.
            if "message is not modified" not in err.message.lower():
                raise
