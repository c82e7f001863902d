"""Articles on disk, split into paragraphs and sentences.

A corpus is one article file or a folder of them (``.txt`` and ``.md``, searched recursively).
Paragraphs come from blank lines or line breaks; hard-wrapped blocks (every line but the last of
a similar, column-like length) are joined back into one paragraph. Sentences come from
`sentencex <https://github.com/santhoshtr/sentencex>`_, a rule-based segmenter that keeps
abbreviations ("Rep.", "U.S.", "p.m."), initials and quotations in one sentence.

Sentences are stored column-wise (one UTF-8 blob and a few integer arrays) rather than as one
object each, so a million-sentence archive costs little memory and loads from a cache quickly.
Each sentence knows its article, its paragraph and its place in the paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import sentencex

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "Corpus",
    "CorpusError",
    "Sentence",
    "article_files",
    "decode_text",
    "load_corpus",
    "parse_article",
]

ARTICLE_SUFFIXES = (".txt", ".md")
_META = re.compile(r"^(title|source|url|date|author|published|licence|license)\s*:\s*(.+?)\s*$", re.IGNORECASE)
_MD_BLOCK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)")
_TITLE_MAX = 120
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’)\]]*$")  # a headline ends without these


class CorpusError(Exception):
    """An article or folder that cannot be served; the message is meant for the user."""


class Sentence(NamedTuple):
    """One sentence, exactly as written in its article, and where it stands there (a named tuple:
    several are made for every answer)."""

    text: str
    document: str  # the article's file name, relative to the corpus root
    sentence: int  # 0-based number of the sentence in its article
    paragraph: int  # 1-based paragraph number in the article
    position: int  # 1-based number of the sentence in its paragraph
    index: int  # type: ignore[assignment]  # 0-based number in the whole corpus (hides tuple.index)


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its name, title, where it came from and its range of sentences."""

    document: str
    title: str
    source: str | None
    paragraphs: int
    first: int  # corpus index of the article's first sentence
    count: int  # number of sentences


@dataclass(slots=True)
class ParsedArticle:
    """An article before it joins a corpus: title, source and sentences per paragraph."""

    title: str
    source: str | None
    paragraphs: list[list[str]] = field(default_factory=list)


class Corpus:
    """Sentences of one or more articles, addressable by a 0-based corpus index."""

    def __init__(
        self,
        articles: list[Article],
        blob: bytes | np.ndarray,  # the sentences' UTF-8, back to back (an array when from the cache)
        starts: np.ndarray,
        paragraph_of: np.ndarray,
        position_of: np.ndarray,
        warnings: list[str] | None = None,
    ) -> None:
        self.articles = articles
        self.warnings = warnings or []
        self._blob = blob
        self._starts = starts  # byte offset of each sentence in blob, plus the end
        self._paragraph_of = paragraph_of
        self._position_of = position_of
        self._article_of = np.repeat(np.arange(len(articles), dtype=np.int32), [a.count for a in articles])

    def __len__(self) -> int:
        return len(self._starts) - 1

    def text(self, i: int) -> str:
        """The text of sentence ``i``, exactly as in its article."""
        # .item() reads a Python int straight from the array (int(array[i]) makes a numpy
        # scalar first); a reply reads a handful of sentences, an evaluation millions.
        starts = self._starts
        return bytes(self._blob[starts.item(i) : starts.item(i + 1)]).decode("utf-8")

    def texts(self) -> Iterator[str]:
        """Every sentence's text, in corpus order."""
        blob, starts = bytes(self._blob), self._starts.tolist()
        for i in range(len(starts) - 1):
            yield blob[starts[i] : starts[i + 1]].decode("utf-8")

    def article_of(self, i: int) -> Article:
        return self.articles[self._article_of.item(i)]

    def sentence(self, i: int) -> Sentence:
        article = self.article_of(i)
        text, paragraph, position = self.text(i), self._paragraph_of.item(i), self._position_of.item(i)
        return Sentence(text, article.document, i - article.first, paragraph, position, i)

    def paragraph(self, i: int) -> list[Sentence]:
        """The sentences of the paragraph that holds sentence ``i``, in order."""
        article = self.article_of(i)
        number = self._paragraph_of[i]
        lo, hi = i, i
        while lo > article.first and self._paragraph_of[lo - 1] == number:
            lo -= 1
        while hi + 1 < article.first + article.count and self._paragraph_of[hi + 1] == number:
            hi += 1
        return [self.sentence(j) for j in range(lo, hi + 1)]

    def same_paragraph(self, i: int, j: int) -> bool:
        article, paragraph = self._article_of.item, self._paragraph_of.item
        return article(i) == article(j) and paragraph(i) == paragraph(j)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns, for the on-disk cache (see :meth:`from_arrays`)."""
        return {
            "blob": np.frombuffer(self._blob, dtype=np.uint8) if isinstance(self._blob, bytes) else self._blob,
            "starts": self._starts,
            "paragraph_of": self._paragraph_of,
            "position_of": self._position_of,
        }

    @classmethod
    def from_arrays(cls, articles: list[Article], arrays: dict[str, np.ndarray], warnings: list[str]) -> Corpus:
        """A corpus again from :meth:`arrays` and its articles."""
        return cls(articles, arrays["blob"], arrays["starts"], arrays["paragraph_of"], arrays["position_of"], warnings)

    @classmethod
    def from_articles(cls, parsed: Iterable[tuple[str, ParsedArticle]], warnings: list[str] | None = None) -> Corpus:
        """Assemble a corpus from parsed articles, keyed by document name."""
        articles: list[Article] = []
        chunks: list[bytes] = []
        lengths: list[int] = []
        paragraph_of: list[int] = []
        position_of: list[int] = []
        for document, art in parsed:
            first = len(lengths)
            for p, sentences in enumerate(art.paragraphs, start=1):
                for k, text in enumerate(sentences, start=1):
                    data = text.encode("utf-8")
                    chunks.append(data)
                    lengths.append(len(data))
                    paragraph_of.append(p)
                    position_of.append(k)
            articles.append(
                Article(
                    document=document,
                    title=art.title,
                    source=art.source,
                    paragraphs=len(art.paragraphs),
                    first=first,
                    count=len(lengths) - first,
                )
            )
        starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return cls(
            articles,
            b"".join(chunks),
            starts,
            np.asarray(paragraph_of, dtype=np.int32),
            np.asarray(position_of, dtype=np.int32),
            warnings,
        )


def article_files(path: str | Path) -> list[tuple[str, Path]]:
    """``(document name, file)`` for one article file, or each article in a folder, in order.

    Raises :class:`CorpusError` for a missing path or a folder without articles.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise CorpusError(f"no such file or folder: {root}")
    if not root.is_dir():
        return [(root.name, root)]
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())
    if not files:
        raise CorpusError(f"no articles (.txt or .md files) in {root}")
    return [(file.relative_to(root).as_posix(), file) for file in files]


def load_corpus(path: str | Path, progress: Callable[[int], None] | None = None) -> Corpus:
    """Read one article file or every article in a folder.

    Raises :class:`CorpusError` when nothing can be served. In a folder, files that cannot be
    read are skipped and named in ``Corpus.warnings`` so the good ones are still served.
    ``progress`` is told the number of characters read so far, now and then.
    """
    parsed: list[tuple[str, ParsedArticle]] = []
    problems: list[str] = []
    done = 0
    for document, file in article_files(path):
        try:
            text = read_text(file)
            markdown = file.suffix.lower() == ".md"
            parsed.append((document, parse_article(text, file.stem, markdown, _offset(progress, done))))
            done += len(text)
        except CorpusError as err:
            problems.append(str(err))
    if not parsed:
        raise CorpusError("; ".join(problems))
    warnings = [f"skipped {p}" for p in problems]
    return Corpus.from_articles(parsed, warnings)


def _offset(progress: Callable[[int], None] | None, done: int) -> Callable[[int], None] | None:
    """``progress``, told counts within one file as counts within all files so far."""
    return None if progress is None else (lambda n: progress(done + n))


def read_text(file: Path) -> str:
    """The text of an article file, or a :class:`CorpusError` saying why it has none."""
    try:
        data = file.read_bytes()
    except OSError as err:
        raise CorpusError(f"cannot read {file}: {err.strerror or err}") from None
    return decode_text(data, str(file))


def decode_text(data: bytes, name: str) -> str:
    """The text of an article's bytes (UTF-8, or UTF-16 with its mark), or a :class:`CorpusError`
    naming ``name`` and saying why it has none: binary, not UTF-8, empty."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise CorpusError(f"{name} is not valid UTF-16 text") from None
    else:
        if b"\x00" in data[:8192]:
            raise CorpusError(f"{name} is binary, not a text article")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise CorpusError(
                f"{name} is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})"
            ) from None
    if not text.strip():
        raise CorpusError(f"{name} is empty")
    if not _looks_like_text(text):
        raise CorpusError(f"{name} is binary, not a text article")
    return text


def _looks_like_text(text: str) -> bool:
    """False when control or unassigned characters are more than a trace (1 in 100)."""
    sample = text[:65536]
    odd = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f") or unicodedata.category(c) in ("Cn", "Co", "Cs"))
    return odd * 100 <= len(sample)


def parse_article(
    text: str, fallback_title: str, markdown: bool = False, progress: Callable[[int], None] | None = None
) -> ParsedArticle:
    """Split an article's text into a title, an optional source and sentences per paragraph.

    ``progress`` is told how many characters of the text were split, every few thousand lines.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, lines = _front_matter(lines)
    paragraphs = []
    done = 0
    for number, paragraph in enumerate(_paragraphs(lines, markdown), start=1):
        sentences = _segment(paragraph)
        if sentences:
            paragraphs.append(sentences)
        done += len(paragraph) + 1
        if progress is not None and number % 4096 == 0:
            progress(done)
    if not paragraphs:
        raise CorpusError(f"{fallback_title} has no text besides its front matter")
    title = meta.get("title")
    if not title:
        first = paragraphs[0]
        title = first[0] if len(first) == 1 and len(first[0]) <= _TITLE_MAX else fallback_title
        if title is first[0] and len(paragraphs) > 1 and not _ENDS_SENTENCE.search(title):
            # A headline ("River bridge closes for repairs"): the article's title, not a line of it.
            del paragraphs[0]
    return ParsedArticle(title=title, source=meta.get("source") or meta.get("url"), paragraphs=paragraphs)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """``key: value`` lines at the top (inside ``---`` fences or not), and the lines after them."""
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    fenced = i < len(lines) and lines[i].strip() == "---"
    j = i + 1 if fenced else i
    while j < len(lines):
        line = lines[j].strip()
        if fenced and line == "---":
            return meta, lines[j + 1 :]
        match = _META.match(line)
        if match:
            meta.setdefault(match.group(1).lower(), match.group(2))
        elif fenced and (not line or ":" in line):
            pass  # other front-matter keys we do not use
        else:
            break
        j += 1
    if fenced:  # an opening fence never closed: not front matter after all
        return {}, lines
    return meta, lines[j:]


def _paragraphs(lines: list[str], markdown: bool) -> Iterator[str]:
    """Blocks between blank lines; inside a block, each line is a paragraph unless hard-wrapped."""
    block: list[str] = []
    for line in [*lines, ""]:
        if markdown:
            line = _MD_BLOCK.sub("", line)
        if line.strip():
            block.append(line.strip())
            continue
        if block:
            yield from ([" ".join(block)] if _hard_wrapped(block) else block)
            block = []


def _hard_wrapped(block: list[str]) -> bool:
    """True when a block's lines look like one paragraph folded at a fixed column."""
    if len(block) < 2:
        return False
    widths = [len(line) for line in block[:-1]]
    return min(widths) >= 40 and max(widths) <= 100 and max(widths) - min(widths) <= 30


def _segment(paragraph: str) -> list[str]:
    """The sentences of one paragraph, each stripped of surrounding space, none empty."""
    return [s.strip() for s in sentencex.segment("en", paragraph) if s.strip()]
