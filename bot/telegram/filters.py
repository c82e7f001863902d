"""Which Telegram messages ask Quotebot something, and the question each one asks.

In a private chat any text is a question. In groups, supergroups and channels the bot answers
only when addressed: ``/ask@bot question`` (or plain ``/ask question``), a message that mentions
it (``@Bot`` in any letter case, or a ``text_mention`` of its id), or a true reply to one of its
own messages. Everything else there is other people's conversation, and the bot stays out of it.

The bot's id and username come from ``message.get_bot()``, known once the application has been
initialised (``getMe``). Offsets of entities are in UTF-16 code units, so cutting the command or
mention out of a question works on the UTF-16 form of the text.

Questions come out :func:`well_formed`: JSON can carry a lone surrogate (``"\\ud800"``), which
neither UTF-8 (the stats database, the Bot API's requests) nor anything downstream can hold.
"""

from __future__ import annotations

import re

from telegram import Chat, Message, MessageEntity
from telegram.ext import filters

__all__ = ["ASK", "QUESTION", "question_of", "replies_to_bot", "well_formed"]

ASK = "ask"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # paired ones were joined when the JSON was read


def well_formed(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (one UTF-16 unit for one: offsets hold)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def question_of(message: Message) -> str | None:
    """The question ``message`` asks this bot, or ``None`` when it is not a question for it.

    The question comes without the ``/ask`` command or the mentions of the bot; it may be empty
    (``/ask`` alone, or just ``@bot``), which the answerer meets with a prompt for a question.
    """
    if message.text is None:
        return None
    text = well_formed(message.text)
    bot = message.get_bot()
    command = _leading_command(message)
    if command is not None:
        name, _, target = _spanned(text, command)[1:].partition("@")
        if name.lower() != ASK or (target and target.lower() != (bot.username or "").lower()):
            return None  # another command (/start, /help... have their own handlers) or another bot's
        return _cut(text, [command, *_mentions_of_bot(message, text)])
    mentions = _mentions_of_bot(message, text)
    if message.chat.type == Chat.PRIVATE:
        question = _cut(text, mentions)
        return question or None  # blank text gets the hint, not an answer
    if message.is_automatic_forward:
        return None  # a channel post copied into its discussion group: answered in the channel
    if mentions:
        return _cut(text, mentions)
    if replies_to_bot(message):
        return text.strip()
    return None


def replies_to_bot(message: Message) -> bool:
    """Whether ``message`` is a true reply to one of the bot's own messages.

    In a forum topic every message carries the topic's creation message as ``reply_to_message``
    (the topic *is* the thread of that service message), so that one is no reply at all, even
    when the bot opened the topic.
    """
    replied = message.reply_to_message
    if replied is None or replied.from_user is None:
        return False
    if replied.forum_topic_created is not None or replied.message_id == message.message_thread_id:
        return False
    return replied.from_user.id == message.get_bot().id


def _leading_command(message: Message) -> MessageEntity | None:
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return entity
    return None


def _mentions_of_bot(message: Message, text: str) -> list[MessageEntity]:
    """The entities of ``message`` (whose text, well formed, is ``text``) that name this bot:
    ``@username`` in any case, or its id."""
    bot = message.get_bot()
    username = "@" + (bot.username or "").lower()

    def names_bot(entity: MessageEntity) -> bool:
        if entity.type == MessageEntity.TEXT_MENTION:  # a mention by id, of a user without a username
            return entity.user is not None and entity.user.id == bot.id
        # Usernames are case-insensitive in Telegram; PTB's filters.Mention is not, hence this.
        return entity.type == MessageEntity.MENTION and _spanned(text, entity).lower() == username

    return [entity for entity in message.entities if names_bot(entity)]


def _spanned(text: str, entity: MessageEntity) -> str:
    """The part of ``text`` that ``entity`` spans (its offsets count UTF-16 units).

    Rather than python-telegram-bot's ``parse_entity``, which fails on a lone surrogate.
    """
    units = text.encode("utf-16-le", "surrogatepass")[2 * entity.offset : 2 * (entity.offset + entity.length)]
    return units.decode("utf-16-le", errors="replace")


def _cut(text: str, entities: list[MessageEntity]) -> str:
    """``text`` without the spans of ``entities``, each replaced by a space, trimmed."""
    units = text.encode("utf-16-le", "surrogatepass")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        start, end = 2 * entity.offset, 2 * (entity.offset + entity.length)
        units = units[:start] + " ".encode("utf-16-le") + units[end:]
    # "@bot, when…" leaves a comma in front of the question. An entity's edge inside a surrogate
    # pair (a client's mistake) leaves half an emoji: replaced, not kept as a lone surrogate.
    return " ".join(units.decode("utf-16-le", errors="replace").split()).strip(" ,:;")


class _AsksBot(filters.MessageFilter):
    """Messages (and edits, and channel posts) that ask this bot a question; see :func:`question_of`."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return question_of(message) is not None


QUESTION = _AsksBot(name="Quotebot.QUESTION")
