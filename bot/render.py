"""An :class:`~bot.answer.Answer` as Telegram HTML, as plain console text, and as JSON.

Both text forms share one layout, built from blocks: each quote is a block quote followed by
its citation ("¶4 · sentence 2"). Telegram messages are limited to 4096 characters of visible
text, so the blocks are packed into parts *before* any markup is added: no tag is ever cut,
and a sentence too long for one message is split between words. Lengths are counted in UTF-16
code units, which is safe whichever unit Telegram counts in.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, NamedTuple

from bot.answer import MAX_QUESTION, Answer, Quote, Verdict
from bot.articles.corpus import Sentence

__all__ = ["MESSAGE_LIMIT", "citation", "paragraph_html", "to_html", "to_json", "to_text", "utf16_len"]

MESSAGE_LIMIT = 4096

DECLINED = "The article doesn't answer that, as far as I can tell, so I won't guess."
CLOSEST = "The article doesn't say exactly. The closest it comes:"
EMPTY = "Send me a question about the article, like “Who…?”, “When…?” or “Why…?”."
TRUNCATED = f"(Your question was long; I read its first {MAX_QUESTION} characters.)"


class _Block(NamedTuple):
    """A piece of a reply: plain text, shown quoted or as a note (a named tuple: cheap to make,
    and a reply is made of several)."""

    text: str
    quoted: bool = False


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts; a lone surrogate counts one, as it would there."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def citation(quote: Quote) -> str:
    """Where a quote stands: "¶4 · sentence 2", or "¶8 · sentences 1–2" with its context line."""
    s = quote.sentence
    where = f"¶{s.paragraph} · sentence {s.position}"
    if quote.context is not None:
        where = f"¶{s.paragraph} · sentences {quote.context.position}–{s.position}"
    return f"{quote.title} · {where}" if quote.title else where


def _blocks(answer: Answer) -> list[_Block]:
    blocks: list[_Block] = []
    if answer.truncated:
        blocks.append(_Block(TRUNCATED))
    if answer.verdict is Verdict.EMPTY:
        blocks.append(_Block(EMPTY))
    elif answer.verdict is Verdict.DECLINED:
        blocks.append(_Block(DECLINED))
    elif answer.verdict is Verdict.CLOSEST:
        blocks.append(_Block(CLOSEST))
    for quote in answer.quotes:
        lines = [quote.sentence.text] if quote.context is None else [quote.context.text, quote.sentence.text]
        blocks.append(_Block("\n".join(lines), quoted=True))
        blocks.append(_Block(citation(quote)))
    return blocks


def _pieces(block: _Block, limit: int) -> list[_Block]:
    """A block cut between words into pieces of at most ``limit`` UTF-16 units."""
    if utf16_len(block.text) <= limit:
        return [block]
    pieces, current = [], ""
    for word in re.findall(r"\S+\s*", block.text):
        while utf16_len(word) > limit:  # a "word" longer than a message: cut it anyway
            head = word[: limit // 2]
            word = word[len(head) :]
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if utf16_len(current + word) > limit:
            pieces.append(current)
            current = ""
        current += word
    if current:
        pieces.append(current)
    return [_Block(p.strip(), block.quoted) for p in pieces if p.strip()]


def _parts(blocks: list[_Block], limit: int) -> list[list[_Block]]:
    """Blocks packed in order into parts of at most ``limit`` visible characters."""
    parts: list[list[_Block]] = [[]]
    size = 0
    for block in blocks:
        for piece in _pieces(block, limit):
            length = utf16_len(piece.text) + (1 if parts[-1] else 0)
            if parts[-1] and size + length > limit:
                parts.append([])
                size, length = 0, utf16_len(piece.text)
            parts[-1].append(piece)
            size += length
    return [p for p in parts if p]


def to_html(answer: Answer, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Telegram HTML messages, in order; every piece of text escaped, none over ``limit``."""
    messages = []
    for part in _parts(_blocks(answer), limit):
        chunks = []
        for block in part:
            text = html.escape(block.text, quote=False)
            chunks.append(f"<blockquote>{text}</blockquote>" if block.quoted else text)
        # A blockquote already ends its line in Telegram; one newline after it, none inside.
        messages.append("\n".join(chunks))
    return messages


def paragraph_html(sentences: list[Sentence], marked: int, title: str | None = None, limit: int = MESSAGE_LIMIT) -> str:
    """A paragraph as one Telegram HTML message: quoted, sentence ``marked`` (a corpus index) in
    bold, then where it stands ("¶4 · sentences 1–5"). A paragraph too long for one message is
    shown around the marked sentence, "…" where sentences were left out.
    """
    at = next(k for k, s in enumerate(sentences) if s.index == marked)
    lo, hi = at, at + 1

    def where(lo: int, hi: int) -> str:
        first, last = sentences[lo].position, sentences[hi - 1].position
        span = f"sentence {first}" if first == last else f"sentences {first}–{last}"
        place = f"¶{sentences[at].paragraph} · {span}"
        return f"{title} · {place}" if title else place

    def size(lo: int, hi: int) -> int:
        elided = (lo > 0) + (hi < len(sentences))
        text = " ".join(s.text for s in sentences[lo:hi])
        return utf16_len(text) + 2 * elided + 1 + utf16_len(where(lo, hi))

    grown = True
    while grown:  # widen the window a sentence at a time, nearest first, while it fits
        grown = False
        if lo > 0 and size(lo - 1, hi) <= limit:
            lo, grown = lo - 1, True
        if hi < len(sentences) and size(lo, hi + 1) <= limit:
            hi, grown = hi + 1, True
    pieces = []
    for k in range(lo, hi):
        text = sentences[k].text
        if k == at and size(lo, hi) > limit:  # the marked sentence alone is longer than a message
            text = _pieces(_Block(text), limit - size(at, at + 1) + utf16_len(text) - 1)[0].text + "…"
        text = html.escape(text, quote=False)
        pieces.append(f"<b>{text}</b>" if k == at else text)
    body = " ".join(["…"] * (lo > 0) + pieces + ["…"] * (hi < len(sentences)))
    return f"<blockquote>{body}</blockquote>\n{html.escape(where(lo, hi), quote=False)}"


def to_text(answer: Answer) -> str:
    """The same reply as plain text for a terminal: quotes as "│ " lines."""
    lines: list[str] = []
    for block in _blocks(answer):
        if block.quoted:
            lines.extend("│ " + line for line in block.text.split("\n"))
        else:
            lines.append(block.text if not lines or not lines[-1].startswith("│") else "  " + block.text)
    return "\n".join(lines)


def to_json(answer: Answer) -> dict[str, Any]:
    """The JSON object of the ``ask --json`` contract (one per question)."""
    quotes = []
    for quote in answer.quotes:
        item: dict[str, Any] = {
            "text": quote.sentence.text,
            "document": quote.sentence.document,
            "sentence": quote.sentence.sentence,
            "score": round(quote.score, 4),
        }
        if quote.context is not None:
            item["context"] = {"text": quote.context.text, "sentence": quote.context.sentence}
        quotes.append(item)
    return {
        "question": answer.question,
        "answered": answer.answered,
        "verdict": "declined" if answer.verdict is Verdict.EMPTY else answer.verdict.value,
        "quotes": quotes,
        "reply": to_text(answer),
    }


# Made once: json.dumps with options builds a new encoder at every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def json_line(answer: Answer) -> str:
    """The ``ask --json`` line of ``answer``: :func:`to_json` as one line of UTF-8 JSON."""
    return _ENCODER.encode(to_json(answer))
