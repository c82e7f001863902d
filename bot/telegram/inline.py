"""Inline mode: ``@bot question`` in any chat lists the best quotes, and picking one posts it.

Inline mode must be switched on in BotFather (``/setinline``; the placeholder set there is the
grey hint shown after the bot's name). Each result is one sentence of the articles: its title
is the sentence, shortened; its description the article and the place ("Title · ¶4 · sentence
2"). Picking one posts that sentence in a quote block with its citation, the article's title
always included, since the chat it lands in may not know which article the bot serves.

- An empty query, or one with no words worth searching ("who is"), lists how the articles
  begin: the first sentences of a single article, or the first sentence of each of several.
- ``#2 question`` narrows to the second article, as in chats.
- When the articles do not answer, there are no results, and a button above them offers a
  private chat with the bot.

Results are the same for everyone (``is_personal`` false) and Telegram may cache them for
:data:`CACHE_TIME` seconds; at most 50 a page, more through the offset. Queries are read up to
256 characters, Telegram's own limit.

With inline feedback on in BotFather (``/setinlinefeedback``), the line a reader posts arrives
as a chosen inline result, and its question is recorded with chat type "inline". The queries
themselves are not recorded: Telegram sends one for every few letters typed.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import InlineQueryLimit, ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, ChosenInlineResultHandler, ContextTypes, InlineQueryHandler

from bot.answer import Answer, Answerer, Verdict
from bot.articles.narrowing import NoSuchArticle
from bot.library import Edition, Library
from bot.render import citation, to_html
from bot.stats.recorder import Recorder
from bot.telegram.filters import well_formed
from bot.telegram.handlers import too_late

__all__ = ["CACHE_TIME", "Inline", "shorten"]

log = logging.getLogger("quotebot.telegram")

CACHE_TIME = 300  # seconds Telegram may serve the same results again (its default)
LEAD_SENTENCES = 5  # an article's opening sentences listed for an empty query
TITLE_LENGTH = 100  # characters of a sentence shown as a result's title
START_PARAMETER = "inline"  # /start payload of the button to a private chat
NOT_ANSWERED = "The articles don't say. Ask me in a chat"


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut between words with "…" to at most ``width`` characters."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut[width // 2 :]:  # a word boundary late enough not to lose much
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


class Inline:
    """Inline queries and chosen inline results."""

    def __init__(self, library: Library, recorder: Recorder) -> None:
        self.library = library
        self.recorder = recorder

    def register(self, app: Application) -> None:
        app.add_handler(InlineQueryHandler(self.query))
        app.add_handler(ChosenInlineResultHandler(self.chosen))

    async def query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs when someone types ``@bot …`` in any chat, as they type."""
        inline = update.inline_query
        if inline is None:
            return
        edition = self.library.current
        answerer = edition.answerer
        button = None
        try:
            answer = answerer.ask(well_formed(inline.query[: InlineQueryLimit.MAX_QUERY_LENGTH]))
        except NoSuchArticle as err:
            answer, button = None, InlineQueryResultsButton(text=shorten(str(err), 64), start_parameter=START_PARAMETER)
        if answer is None:
            sentences: list[int] = []
        elif answer.verdict is Verdict.EMPTY:
            sentences = self._leads(answerer, answer.article)
        elif answer.verdict in (Verdict.ANSWERED, Verdict.CLOSEST):  # lines to pick from, hedged or not
            sentences = [q.sentence.index for q in answer.quotes] + list(answer.rest)
        else:
            sentences, button = [], InlineQueryResultsButton(text=NOT_ANSWERED, start_parameter=START_PARAMETER)
        page = int(inline.offset) if inline.offset.isdigit() else 0
        size = InlineQueryLimit.RESULTS
        shown = sentences[page * size : (page + 1) * size]
        more = len(sentences) > (page + 1) * size
        try:
            await inline.answer(
                [self._result(edition, i) for i in shown],
                cache_time=CACHE_TIME,
                is_personal=False,  # the same question gets the same lines, whoever asks
                # None rather than "" for "no more": with Defaults set, PTB 22.8 sends an empty string
                # parameter as [] (ExtBot._insert_defaults takes it for an empty list of poll options).
                next_offset=str(page + 1) if more else None,
                button=button,
            )
        except BadRequest as err:
            if not too_late(err):
                raise
            log.info("An inline query was answered too late: %s", err.message)  # the reader typed on

    @staticmethod
    def _leads(answerer: Answerer, article: int | None) -> list[int]:
        """How the articles begin: an article's first sentences, or each article's first one."""
        articles = answerer.corpus.articles
        if article is not None or len(articles) == 1:
            start = articles[article or 0]
            return list(range(start.first, start.first + min(start.count, LEAD_SENTENCES)))
        return [a.first for a in articles]

    @staticmethod
    def _result(edition: Edition, i: int) -> InlineQueryResultArticle:
        """Sentence ``i`` as a result; picking it posts the sentence quoted, with its citation."""
        answerer = edition.answerer
        quote = answerer.quote(i)._replace(title=answerer.corpus.article_of(i).title)
        # One sentence; longer than a message only in a pathological article, then cut at the limit.
        text = to_html(Answer("", Verdict.ANSWERED, [quote]))[0]
        return InlineQueryResultArticle(
            id=f"{edition.fingerprint}:{i:x}",
            title=shorten(quote.sentence.text, TITLE_LENGTH),
            description=citation(quote),
            input_message_content=InputTextMessageContent(text, parse_mode=ParseMode.HTML),
        )

    async def chosen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs when a reader posted an inline result (with inline feedback on in BotFather):
        the question is recorded, the line posted as its top quote."""
        chosen = update.chosen_inline_result
        if chosen is None or not self.recorder.enabled:
            return
        edition = self.library.current
        try:
            answer = edition.answerer.ask(well_formed(chosen.query[: InlineQueryLimit.MAX_QUERY_LENGTH]))
        except NoSuchArticle:
            return
        if answer.verdict is Verdict.EMPTY:
            return  # an opening line picked from an empty query: no question was asked
        fingerprint, _, number = chosen.result_id.partition(":")
        try:
            picked = int(number, 16)
        except ValueError:
            picked = -1
        if fingerprint == edition.fingerprint and 0 <= picked < len(edition.answerer.corpus):
            answer = replace(answer, verdict=Verdict.ANSWERED, quotes=[edition.answerer.quote(picked)])
        article = edition.answerer.corpus.articles[answer.article].document if answer.article is not None else None
        self.recorder.question("inline", answer, article)
