"""Reading a page from the command line: ``quotebot ask --url URL`` and the console's ``/read``."""

from __future__ import annotations

from bot.answer import Answerer
from bot.config import Settings
from bot.errors import UsageError
from bot.reading.errors import ReadError
from bot.reading.reader import Reader
from bot.reading.session import read_link

__all__ = ["answerer_for_link", "reader_for"]


def reader_for(settings: Settings) -> Reader | None:
    """The reader the settings allow; None when QUOTEBOT_READ_LINKS is false."""
    return Reader(settings.fetch_allow) if settings.read_links else None


def answerer_for_link(link: str, settings: Settings) -> Answerer:
    """The answerer over the page at ``link``; :class:`UsageError` (one line, exit 2) when it can't be read."""
    reader = reader_for(settings)
    if reader is None:
        raise UsageError("--url: reading links is turned off (QUOTEBOT_READ_LINKS=false)")
    try:
        return read_link(reader, link).edition.answerer
    except ReadError as err:
        raise UsageError(str(err)) from None
