"""The console's own article: ``/read URL`` reads a page as Telegram does, ``/reset`` goes back.

    session = ReadingSession(answerer, Reader(settings.fetch_allow))  # reader None: reading is off
    said = session.command(line)      # the reply to /read, /reset or /about, or None: not for us
    session.answerer                  # what the console's questions are answered from now

The console is synchronous (it waits on ``input()``), so each read runs its own event loop.
"""

from __future__ import annotations

import asyncio

from bot.answer import Answerer
from bot.reading.errors import ReadError
from bot.reading.reader import Reader, Reading, first_link
from bot.reading.texts import about_reading, back_to, got_it

__all__ = ["TURNED_OFF", "ReadingSession", "read_link"]

TURNED_OFF = "Reading articles you send is turned off (QUOTEBOT_READ_LINKS=false)."
HOW_TO_READ = "Type /read and a link, for example: /read https://example.org/news/1"


def read_link(reader: Reader, link: str) -> Reading:
    """The page at ``link`` read and indexed, from synchronous code; :class:`ReadError` when not."""
    return asyncio.run(reader.link(link))


class ReadingSession:
    """The operator's articles, or the one read last, for a console."""

    def __init__(self, answerer: Answerer, reader: Reader | None) -> None:
        self.library = answerer  # the articles the console started with
        self.reader = reader
        self.reading: Reading | None = None

    @property
    def answerer(self) -> Answerer:
        return self.reading.edition.answerer if self.reading is not None else self.library

    def command(self, line: str) -> str | None:
        """The reply to ``line`` when it is /read, /reset, or /about while an article is read; else None."""
        head, _, rest = line.strip().partition(" ")
        command = head.split("@")[0].lower()
        if command == "/read":
            return self._read(rest)
        if command == "/reset" and self.reader is not None:
            had, self.reading = self.reading is not None, None
            return back_to(self.library.corpus, had)
        if command == "/about" and self.reading is not None:
            return about_reading(self.reading)
        return None

    def _read(self, rest: str) -> str:
        if self.reader is None:
            return TURNED_OFF
        link = first_link(rest)
        if link is None:
            return HOW_TO_READ
        try:
            self.reading = read_link(self.reader, link)
        except ReadError as err:
            return str(err)
        return got_it(self.reading)
