"""An article's text, title and date from what a reader brought: a web page, a file or pasted text.

Web pages go through `trafilatura <https://trafilatura.readthedocs.io>`_, which keeps the article
and drops navigation, advertising, comments and footers; on the saved pages of
``tests/data/pages`` it kept every sentence and no boilerplate, where jusText and
readability-lxml did worse (``benchmarks/extraction.py``; the numbers are in
``benchmarks/README.md``). Plain text and Markdown are read as article files are
(:func:`bot.articles.corpus.parse_article`). Each paragraph found becomes a paragraph of the
article, its sentences split as for the operator's articles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.articles.corpus import CorpusError, ParsedArticle, decode_text, parse_article
from bot.reading.errors import ReadError, file_refused, page_refused
from bot.reading.fetch import Page

__all__ = ["FILE_SUFFIXES", "MIN_CHARS", "Extracted", "extract_file", "extract_html", "extract_page", "extract_plain"]

MIN_CHARS = 200  # less text than this is a caption or a menu, not an article
_TITLE_MAX = 200
FILE_SUFFIXES = {".txt": "plain", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
_FILE_TYPES = {"text/plain": "plain", "text/markdown": "markdown", "text/html": "html"}

# trafilatura reports at WARNING what it could not parse, quoting the page: not for our logs.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class Extracted:
    """An article ready to index, and its date when the page gave one (ISO, "2007-03-05")."""

    article: ParsedArticle
    date: str | None = None


def _title(text: str | None) -> str | None:
    flat = " ".join((text or "").split())
    return flat[:_TITLE_MAX] or None


def extract_html(data: bytes | str, fallback_title: str, source: str | None = None) -> Extracted:
    """The article in an HTML page, or :class:`ReadError` when it holds no article text."""
    # Imported here: it takes 0.2 s, which every `quotebot ask` would pay without reading a page.
    import trafilatura
    import trafilatura.settings

    found = trafilatura.bare_extraction(
        data,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        with_metadata=True,
    )
    if not isinstance(found, trafilatura.settings.Document):  # None: nothing found (a dict only on request)
        raise page_refused("I found no article text on it")
    text = found.text
    if not text or len(text.strip()) < MIN_CHARS:
        raise page_refused("I found no article text on it")
    title = _title(found.title)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if title and lines and " ".join(lines[0].split()) == title:
        lines = lines[1:]  # the headline, which trafilatura gives as the first paragraph too
    # One paragraph a line, each its own block: consecutive lines of similar length would be
    # taken for a hard-wrapped paragraph and joined.
    parsed = parse_article("\n\n".join(lines), fallback_title)
    return Extracted(ParsedArticle(title or parsed.title, source, parsed.paragraphs), _title(found.date))


def extract_plain(text: str, fallback_title: str, markdown: bool = False, source: str | None = None) -> Extracted:
    """The article in plain text or Markdown; a short first line is its title."""
    if len(text.strip()) < MIN_CHARS:
        raise ReadError("That's too short to be an article: send me at least a few paragraphs.")
    try:
        parsed = parse_article(text, fallback_title, markdown)
    except CorpusError:
        raise ReadError("I found no article text in that.") from None
    return Extracted(ParsedArticle(parsed.title, parsed.source or source, parsed.paragraphs))


def extract_page(page: Page, fallback_title: str) -> Extracted:
    """The article of a fetched page, HTML or plain text."""
    if page.media_type == "text/plain":
        try:
            text = page.body.decode(page.charset or "utf-8")
        except (LookupError, UnicodeDecodeError):
            raise page_refused("its text is in an encoding I can't read") from None
        return extract_plain(text, fallback_title, source=page.url)
    body: bytes | str = page.body
    if page.charset:  # the server's word on the encoding beats trafilatura's guess
        try:
            body = page.body.decode(page.charset)
        except (LookupError, UnicodeDecodeError):
            body = page.body
    return extract_html(body, fallback_title, page.url)


def extract_file(data: bytes, name: str, mime_type: str | None = None) -> Extracted:
    """The article in a file a reader sent: ``.txt``, ``.md`` or ``.html`` (by name, else by type)."""
    suffix = PurePosixPath(name).suffix.lower()
    kind = FILE_SUFFIXES.get(suffix) or _FILE_TYPES.get((mime_type or "").lower())
    if kind is None:
        raise file_refused("I read only .txt, .md and .html files")
    stem = PurePosixPath(name).stem or "Your file"
    if kind == "html":
        if b"\x00" in data[:8192]:
            raise file_refused("it isn't text")
        try:
            return extract_html(data, stem)
        except ReadError:
            raise file_refused("I found no article text in it") from None
    if not data.strip():
        raise file_refused("it is empty")
    try:
        text = decode_text(data, name)
    except CorpusError:
        raise file_refused("it isn't text I can read (I read UTF-8 text)") from None
    return extract_plain(text, stem, markdown=kind == "markdown")
