"""Readers bring their own article: a link, a file or pasted text, then ask about it.

    readings = Readings(library, Reader(allow), say, reply)
    readings.register(app)             # before the Quotebot's own handlers
    readings.edition(message)          # the articles a message's chat asks about

- **Private chats:** a message holding an http(s) link, ``/read URL``, a ``.txt``, ``.md`` or
  ``.html`` document (at most 2 MB), or a pasted text of at least three paragraphs and 600
  characters is read, and the bot says "Got it: *title* (N paragraphs, M sentences). Ask me about
  it." From then on that chat's questions are answered from it, until another article or
  ``/reset`` (back to the operator's articles). ``/about`` names the article in use.
- **Groups:** ``/read@bot URL`` does the same for the group, or for the forum topic it is sent in.

Each person may bring :data:`READS_A_MINUTE` articles a minute (:class:`bot.telegram.quota.Quota`).
A failure is one plain sentence to the reader, and the chat keeps the article it had: a reading
joins the :class:`bot.reading.shelf.Shelf` only once whole. With ``QUOTEBOT_READ_LINKS=false`` none
of this is registered but ``/read``, which says the feature is off; links are then questions.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.library import Edition, Library
from bot.reading.errors import ReadError, file_refused
from bot.reading.reader import MAX_FILE_BYTES, Reader, Reading, file_too_big, first_link, looks_pasted
from bot.reading.shelf import Shelf
from bot.reading.texts import about_reading, back_to, got_it
from bot.telegram.buttons import Reply
from bot.telegram.handlers import Say
from bot.telegram.quota import Decision, Quota

__all__ = ["READS_A_MINUTE", "Readings", "chat_key"]

log = logging.getLogger("quotebot.reading")

READS_A_MINUTE = 3  # new articles one person may bring a minute: each one is a fetch and an index
TURNED_OFF = "Reading articles you send is turned off on this bot; ask me about the articles I know."
HOW_TO_READ = "Send /read with a link, for example: /read https://example.org/news/1"
TOO_BIG_TO_KEEP = "That article is too big for me to keep; try a shorter one."

# Reads one article with the reader given (a fetch, a download, or text at hand).
_Read = Callable[[Reader], Awaitable[Reading]]


def chat_key(message: Message) -> Hashable:
    """Whose article a message asks about: its chat's, or in a forum its topic's."""
    return (message.chat_id, message.message_thread_id if message.is_topic_message else None)


class _HasReading(filters.MessageFilter):
    """Messages from a chat (or topic) that asks about an article of its own."""

    __slots__ = ("shelf",)

    def __init__(self, shelf: Shelf) -> None:
        super().__init__(name="Quotebot.HAS_READING")
        self.shelf = shelf

    def filter(self, message: Message) -> bool:
        return self.shelf.get(chat_key(message)) is not None


class _Pasted(filters.MessageFilter):
    """A message that is an article pasted whole, not a question."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return message.text is not None and looks_pasted(message.text)


class _Linked(filters.MessageFilter):
    """A message holding an http(s) link (a bare "example.org" is a question, not a link to read)."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return _linked(message) is not None


class Readings:
    """The handlers that read what readers bring, and the per-chat articles they make."""

    def __init__(
        self,
        library: Library,
        reader: Reader | None,
        say: Say,
        reply: Reply,
        shelf: Shelf | None = None,
        quota: Quota | None = None,
    ) -> None:
        self.library = library
        self.reader = reader  # None: the feature is off
        self.say = say
        self.reply = reply
        self.shelf = shelf or Shelf()
        self.quota = quota or Quota(READS_A_MINUTE)

    def edition(self, message: Message | None) -> Edition:
        """The articles ``message``'s chat asks about: its own when it brought one, else the operator's."""
        if message is not None:
            reading = self.shelf.get(chat_key(message))
            if reading is not None:
                return reading.edition
        return self.library.current

    def register(self, app: Application) -> None:
        fresh = filters.UpdateType.MESSAGE  # an edited link is not fetched again
        if self.reader is None:
            app.add_handler(CommandHandler("read", self.turned_off, fresh))
            return
        private = filters.ChatType.PRIVATE & fresh
        app.add_handler(CommandHandler("read", self.read, fresh))
        app.add_handler(CommandHandler("reset", self.reset, fresh))
        app.add_handler(CommandHandler("about", self.about, fresh & _HasReading(self.shelf)))
        app.add_handler(MessageHandler(private & filters.Document.ALL, self.document))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & _Pasted(), self.pasted))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & _Linked(), self.link))

    async def turned_off(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /read when QUOTEBOT_READ_LINKS is false."""
        await self.say(update, TURNED_OFF, False)

    async def read(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /read URL (in groups /read@bot URL): read the page for this chat or topic."""
        message = update.effective_message
        link = first_link(" ".join(context.args or []))
        if message is None or link is None:
            await self.say(update, HOW_TO_READ, False)
            return
        await self._take(update, context, lambda reader: reader.link(link))

    async def link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on a private message holding a link: the page it points to is read."""
        message = update.effective_message
        link = _linked(message) if message is not None else None
        if link is None:  # the filter let only links through
            return
        await self._take(update, context, lambda reader: reader.link(link))

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on a file sent in a private chat: a .txt, .md or .html article is read."""
        message = update.effective_message
        document = message.document if message is not None else None
        if document is None:
            return
        if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
            await self.say(update, str(file_too_big()), False)
            return
        name, mime = document.file_name or "file", document.mime_type

        async def read(reader: Reader) -> Reading:
            try:
                data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
            except TelegramError as err:
                log.warning("Could not download a file a reader sent: %s", err.message)
                raise file_refused("Telegram wouldn't give it to me, please send it again") from None
            return await reader.file(bytes(data), name, mime)

        await self._take(update, context, read)

    async def pasted(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on a long text pasted in a private chat: read as an article, not asked as a question."""
        message = update.effective_message
        if message is not None and message.text is not None:
            text = message.text
            await self._take(update, context, lambda reader: reader.text(text))

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /reset: the chat goes back to the operator's articles."""
        message = update.effective_message
        if message is None:
            return
        had = self.shelf.drop(chat_key(message))
        await self.say(update, back_to(self.library.current.answerer.corpus, had), False)

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs on /about in a chat that brought its own article."""
        message = update.effective_message
        reading = self.shelf.get(chat_key(message)) if message is not None else None
        if reading is not None:
            await self.say(update, about_reading(reading), False)

    async def _take(self, update: Update, context: ContextTypes.DEFAULT_TYPE, read: _Read) -> None:
        """Read an article for the update's chat with ``read``; say what came of it."""
        message = update.effective_message
        if message is None or self.reader is None or not await self._admitted(update):
            return
        try:
            await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING, message.message_thread_id)
        except TelegramError as err:  # only a courtesy: reading goes on
            log.info("Could not show the typing indicator: %s", err.message)
        try:
            reading = await read(self.reader)
        except ReadError as err:
            log.info("Could not read an article for a %s chat: %s", message.chat.type, err)
            await self.say(update, str(err), False)
            return
        if not self.shelf.fits(reading):
            await self.say(update, TOO_BIG_TO_KEEP, False)
            return
        self.shelf.put(chat_key(message), reading)
        await self.reply(message, [got_it(reading, as_html=True)], None)

    async def _admitted(self, update: Update) -> bool:
        """Whether the sender may bring another article this minute; told once when not."""
        user, chat = update.effective_user, update.effective_chat
        admission = self.quota.ask(user.id if user is not None else chat.id if chat is not None else None)
        if admission.decision is Decision.ANSWER:
            return True
        if admission.decision is Decision.NOTICE:
            seconds = max(1, round(admission.wait))
            await self.say(
                update,
                f"I read up to {self.quota.limit} new articles a minute from each person. "
                f"Send the next one in {seconds} second{'' if seconds == 1 else 's'}.",
                False,
            )
        return False


def _linked(message: Message) -> str | None:
    """The first http(s) link of a message: written out, or the target of a text link."""
    for entity in message.entities:
        if entity.type == MessageEntity.TEXT_LINK and entity.url and entity.url.lower().startswith(("http:", "https:")):
            return entity.url
    return first_link(message.text or "")
