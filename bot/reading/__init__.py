"""Articles readers bring: a link, a file or pasted text, fetched safely, extracted and indexed."""

from bot.reading.errors import ReadError
from bot.reading.fetch import Fetcher
from bot.reading.reader import Reader, Reading
from bot.reading.shelf import Shelf

__all__ = ["Fetcher", "ReadError", "Reader", "Reading", "Shelf"]
