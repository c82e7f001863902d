"""A link, a file or pasted text to an indexed article a chat can ask about.

    reader = Reader(allow)                    # QUOTEBOT_FETCH_ALLOW's networks
    reading = await reader.link(url)          # fetched, extracted, indexed; or ReadError
    reading = await reader.file(data, name)   # .txt, .md, .html
    reading = await reader.text(pasted)

A :class:`Reading` is whole or nothing: it exists only once the article is extracted and its
index built (in a worker thread, so the bot answers other chats meanwhile), so a failure at any
step leaves the chat with the articles it had.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bot.answer import Answerer
from bot.articles.corpus import Corpus
from bot.library import Edition
from bot.reading.errors import ReadError, file_refused
from bot.reading.extract import Extracted, extract_file, extract_page, extract_plain
from bot.reading.fetch import Fetcher, IPNetwork, host_of

__all__ = [
    "MAX_FILE_BYTES",
    "PASTED_CHARS",
    "PASTED_PARAGRAPHS",
    "Reader",
    "Reading",
    "file_too_big",
    "first_link",
    "looks_pasted",
]

log = logging.getLogger("quotebot.reading")

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_SENTENCES = 20_000  # an article longer than this is a book: refused, it would crowd out other chats
PASTED_PARAGRAPHS = 3  # a message of at least this many paragraphs...
PASTED_CHARS = 600  # ...and this many characters is an article pasted, not a question
# Memory beyond the corpus' own arrays: the index and its term tables, per sentence and per
# article (tracemalloc on the test pages and articles: 4-8 KB a sentence, some 50 KB an article;
# rounded up, as an estimate that errs high keeps the shelf within its budget).
_BYTES_A_SENTENCE = 8 * 1024
_BYTES_AN_ARTICLE = 64 * 1024
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reading:
    """An article a chat brought, indexed: the edition to answer from, and what to say about it."""

    edition: Edition
    date: str | None
    size: int  # bytes it takes in memory, estimated

    @property
    def title(self) -> str:
        return self.edition.answerer.corpus.articles[0].title

    @property
    def source(self) -> str | None:
        return self.edition.answerer.corpus.articles[0].source

    @property
    def paragraphs(self) -> int:
        return self.edition.answerer.corpus.articles[0].paragraphs

    @property
    def sentences(self) -> int:
        return len(self.edition.answerer.corpus)


def file_too_big() -> ReadError:
    """The refusal of a file over :data:`MAX_FILE_BYTES`."""
    return file_refused(f"it is over {MAX_FILE_BYTES // (1024 * 1024)} MB")


def first_link(text: str) -> str | None:
    """The first http(s) link in ``text``, without the punctuation that closes a sentence after it."""
    match = _LINK.search(text)
    return match.group().rstrip(".,;:!?)]}»”’") if match else None


def looks_pasted(text: str) -> bool:
    """Whether a message is an article pasted whole rather than a question."""
    paragraphs = [p for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    return len(paragraphs) >= PASTED_PARAGRAPHS and len(text.strip()) >= PASTED_CHARS


def _size(corpus: Corpus) -> int:
    arrays = sum(int(np.asarray(column).nbytes) for column in corpus.arrays().values())
    return arrays + _BYTES_AN_ARTICLE + _BYTES_A_SENTENCE * len(corpus)


def index(extracted: Extracted, document: str) -> Reading:
    """The article indexed, ready to answer; CPU-bound, for a worker thread."""
    corpus = Corpus.from_articles([(document, extracted.article)])
    if len(corpus) > MAX_SENTENCES:
        raise ReadError(f"That article is too long for me: I read up to {MAX_SENTENCES:,} sentences.")
    return Reading(Edition.of(Answerer(corpus)), extracted.date, _size(corpus))


class Reader:
    """Reads what readers bring into :class:`Reading`\\ s."""

    def __init__(self, allow: Iterable[IPNetwork] = (), fetcher: Fetcher | None = None) -> None:
        self.fetcher = fetcher or Fetcher(allow)

    async def link(self, url: str) -> Reading:
        page = await self.fetcher.fetch(url)
        host = host_of(page.url)

        def read() -> Reading:
            return index(extract_page(page, host), host)

        reading = await asyncio.to_thread(read)
        log.info("Read a page from %s: %d sentences", host, reading.sentences)
        return reading

    async def file(self, data: bytes, name: str, mime_type: str | None = None) -> Reading:
        if len(data) > MAX_FILE_BYTES:
            raise file_too_big()
        document = name or "file"
        reading = await asyncio.to_thread(lambda: index(extract_file(data, document, mime_type), document))
        log.info("Read a file: %d sentences", reading.sentences)
        return reading

    async def text(self, text: str) -> Reading:
        reading = await asyncio.to_thread(lambda: index(extract_plain(text, "Your text"), "pasted text"))
        log.info("Read a pasted text: %d sentences", reading.sentences)
        return reading
