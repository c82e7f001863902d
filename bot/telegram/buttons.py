"""Buttons under Quotebot's answers (More, Context, 👍, 👎) and what a tap on each does.

    Keyboards(signer).under(answer, edition, question_id)     the keyboard under an answer
    Buttons(library, recorder, keyboards, reply).register(app)  handles the taps

- **More** posts the next best lines (three at a time, up to six), with a More of their own
  while some are left.
- **Context** posts the paragraph around the answer's first quote, the quoted line in bold.
- **👍 / 👎** records whether the answer helped (with the question, never who tapped) and says
  thanks in a toast. A reader's second tap on the other thumb changes their vote; which reader
  voted on what is kept in memory only, so after a restart a second tap counts again.

More and Context post a **new message replying to the answer** (in its chat and forum topic)
rather than editing it: the answer stays as it was, a long paragraph gets a message of its own,
and everyone in a group sees the lines someone asked for. The button used is then taken off the
answer, so the next reader does not post the same lines again (the bot also remembers the taps
it served, for taps that come in before the button is gone). Anyone in a group may tap.

Every button carries what it needs (:mod:`bot.telegram.callback_data`), so buttons keep working after a
restart. A tap on a button the bot cannot serve (from before a reload that changed the
articles, mangled, forged, or on a question no longer recorded) gets a polite toast saying the
button expired, never an error.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.answer import MAX_QUOTES, Answer, Verdict
from bot.library import Edition, Library
from bot.render import paragraph_html, to_html
from bot.stats.recorder import Recorder, UnknownQuestion
from bot.telegram.callback_data import Context, Feedback, More, Payload, Signer
from bot.telegram.handlers import Editions, too_late

__all__ = ["EXPIRED", "Buttons", "Keyboards"]

log = logging.getLogger("quotebot.telegram")

EXPIRED = "This button has expired. Ask me again for a fresh answer."
ALREADY_SHOWN = "Already shown below."
THANKS = {True: "Thanks! Glad it helped 👍", False: "Thanks for telling me 👎"}
CHANGED = {True: "Changed to 👍. Thanks!", False: "Changed to 👎. Thanks!"}
SAME = "You already said so. Thanks!"
REMEMBERED = 10_000  # served taps and votes kept in memory, the oldest forgotten first

# Sends HTML parts as a reply to a message, the keyboard under the last; the ids sent.
Reply = Callable[[Message, list[str], InlineKeyboardMarkup | None], Awaitable[list[int]]]


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Recent(Generic[K, V]):
    """A bounded mapping that forgets its oldest entries."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


async def _toast(query: CallbackQuery, text: str | None) -> None:
    """Answer a tap (a toast with ``text``, or just the spinner stopped); a tap answered too late
    is only logged, and what it asked for is still done."""
    try:
        await query.answer(text)
    except BadRequest as err:
        if not too_late(err):
            raise
        log.info("A tap was answered too late: %s", err.message)


class Keyboards:
    """Inline keyboards for answers and for the lines More posts."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def _button(self, text: str, payload: Payload) -> InlineKeyboardButton:
        return InlineKeyboardButton(text, callback_data=self.signer.encode(payload))

    def under(self, answer: Answer, edition: str, question_id: int | None) -> InlineKeyboardMarkup | None:
        """The keyboard under an answer: More (when more lines are ranked), Context, and 👍 / 👎
        when the question was recorded (feedback is linked to it). None for a non-answer."""
        if not answer.answered:
            return None
        rows = [self._lines(edition, answer.quotes[0].sentence.index, answer.rest)]
        if question_id is not None:
            rows.append(
                [self._button("👍", Feedback(question_id, True)), self._button("👎", Feedback(question_id, False))]
            )
        return InlineKeyboardMarkup(rows)

    def _lines(self, edition: str, top: int, rest: tuple[int, ...]) -> list[InlineKeyboardButton]:
        row = [self._button("More", More(edition, rest))] if rest else []
        return [*row, self._button("Context", Context(edition, top))]

    def more(self, edition: str, shown: tuple[int, ...], rest: tuple[int, ...]) -> InlineKeyboardMarkup:
        """The keyboard under lines posted by More: More for the ``rest``, Context for the first shown."""
        return InlineKeyboardMarkup([self._lines(edition, shown[0], rest)])


class Buttons:
    """The callback query handler: serves taps on the buttons :class:`Keyboards` makes."""

    def __init__(
        self, library: Library, recorder: Recorder, keyboards: Keyboards, reply: Reply, editions: Editions | None = None
    ) -> None:
        self.library = library
        # The articles of the answer's chat (its own, when it brought one), as for the question.
        self.editions: Editions = editions or (lambda message: library.current)
        self.recorder = recorder
        self.keyboards = keyboards
        self.reply = reply
        self.served: _Recent[tuple[int, int, str], bool] = _Recent()
        self.votes: _Recent[tuple[int, int], tuple[int, bool]] = _Recent()  # (user, question) -> (id, helpful)

    def register(self, app: Application) -> None:
        app.add_handler(CallbackQueryHandler(self.pressed))

    async def pressed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs when someone taps a button under one of the bot's messages, in any chat."""
        query = update.callback_query
        if query is None:
            return
        payload = self.keyboards.signer.decode(query.data)
        if isinstance(payload, Feedback):
            await self._feedback(query, payload)
            return
        message = query.message if isinstance(query.message, Message) else None  # None: too old, or inline
        edition = self.editions(message)
        if payload is None or message is None or not self._serves(edition, payload):
            log.info("Expired or unknown button in %s", f"chat {message.chat_id}" if message else "an inline message")
            await _toast(query, EXPIRED)
            return
        key = (message.chat_id, message.message_id, query.data or "")
        if self.served.get(key):
            await _toast(query, ALREADY_SHOWN)
            return
        # Acknowledge first: the reply may wait on the group's flood limit, and a tap unanswered
        # for long shows the reader an error.
        await _toast(query, None)
        if isinstance(payload, More):
            shown, rest = payload.sentences[:MAX_QUOTES], payload.sentences[MAX_QUOTES:]
            quotes = [edition.answerer.quote(i) for i in shown]
            parts = to_html(Answer("", Verdict.ANSWERED, quotes))
            await self.reply(message, parts, self.keyboards.more(edition.fingerprint, shown, rest))
        else:
            assert isinstance(payload, Context)
            answerer, i = edition.answerer, payload.sentence
            part = paragraph_html(answerer.corpus.paragraph(i), i, answerer.quote(i).title)
            await self.reply(message, [part], None)
        # Only once served: a tap whose reply failed may be tried again. Taps in one chat are
        # handled one after another, so a second tap on the same button waits for this mark.
        self.served.put(key, True)
        await self._take_off(message, query.data or "")

    @staticmethod
    def _serves(edition: Edition, payload: More | Context) -> bool:
        """Whether the button's sentence numbers mean the same sentences in ``edition``."""
        numbers = payload.sentences if isinstance(payload, More) else (payload.sentence,)
        size = len(edition.answerer.corpus)
        return payload.edition == edition.fingerprint and all(0 <= i < size for i in numbers)

    async def _feedback(self, query: CallbackQuery, payload: Feedback) -> None:
        """A 👍 or 👎: recorded, linked to its question, and thanked for in a toast."""
        if not self.recorder.enabled:  # a button from when recording was on
            await _toast(query, EXPIRED)
            return
        key = (query.from_user.id, payload.question)
        earlier = self.votes.get(key)
        if earlier is not None and earlier[1] == payload.helpful:
            await _toast(query, SAME)
            return
        try:
            recorded = self.recorder.feedback(payload.question, payload.helpful, earlier[0] if earlier else None)
        except UnknownQuestion:
            log.info("Feedback on question %d, which the database does not hold", payload.question)
            await _toast(query, EXPIRED)
            return
        if recorded is not None:
            self.votes.put(key, (recorded, payload.helpful))
        await _toast(query, (CHANGED if earlier else THANKS)[payload.helpful])

    async def _take_off(self, message: Message, data: str) -> None:
        """Remove the button carrying ``data`` from ``message``'s keyboard (best effort)."""
        if message.reply_markup is None:
            return
        rows = [[b for b in row if b.callback_data != data] for row in message.reply_markup.inline_keyboard]
        rows = [row for row in rows if row]
        try:
            await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except BadRequest as err:  # too old to edit, or deleted: the memory of served taps still holds
            log.info("Could not take a used button off: %s", err.message)
