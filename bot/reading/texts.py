"""What the bot says about an article a reader brought, in every front (Telegram HTML, console text)."""

from __future__ import annotations

import html

from bot import messages
from bot.articles.corpus import Corpus
from bot.reading.reader import Reading

__all__ = ["RESET_HINT", "about_reading", "back_to", "got_it"]

RESET_HINT = "Send another link or file to switch; /reset goes back to the articles I came with."


def got_it(reading: Reading, as_html: bool = False) -> str:
    """ "Got it: *title* (N paragraphs, M sentences). Ask me about it.", the title in italics in HTML."""
    title = f"<i>{html.escape(reading.title, quote=False)}</i>" if as_html else reading.title
    return f"Got it: {title} ({messages.size(reading.paragraphs, reading.sentences)}). Ask me about it."


def about_reading(reading: Reading) -> str:
    """/about where the reader brought the article: which one, and how to go back."""
    lines = [
        f"You're asking about the article you sent: {reading.title}",
        messages.size(reading.paragraphs, reading.sentences),
    ]
    if reading.date:
        lines.append(f"Published: {reading.date}")
    if reading.source:
        lines.append(f"Source: {reading.source}")
    return "\n".join([*lines, "", RESET_HINT])


def back_to(corpus: Corpus, had: bool) -> str:
    """/reset: back to the operator's articles (``had``: the chat had one of its own)."""
    where = messages.articles_line(corpus)
    return f"{'Back to' if had else 'I am on'} {where}. Ask me about it, or send me a link to read."
