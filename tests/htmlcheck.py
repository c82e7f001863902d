"""Telegram's HTML rules, as a checker for the HTML the bot sends (used by several tests).

Telegram accepts only its own tags, the entities &lt; &gt; &amp; &quot; and numeric ones, and
balanced tags; the visible text (tags removed, entities decoded) must fit in 4096 characters.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "tg-time", "code", "pre", "blockquote",
}  # fmt: skip
_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise ValueError(f"tag <{tag}> is not supported by Telegram")
        if tag == "blockquote" and "blockquote" in self.stack:
            raise ValueError("blockquotes cannot be nested")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ValueError(f"unbalanced </{tag}>")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(message: str) -> str:
    """The text a user sees, after checking ``message`` follows Telegram's HTML rules."""
    if _ENTITY.search(message):
        raise ValueError("unescaped & or an entity Telegram does not know")
    if re.search(r"<(?![a-zA-Z/])|(?<![a-zA-Z\"'/-])>", message):
        raise ValueError("unescaped < or >")
    checker = _Checker()
    checker.feed(message)
    checker.close()
    if checker.stack:
        raise ValueError(f"unclosed <{checker.stack[-1]}>")
    return "".join(checker.text)  # the parser has already decoded the entities


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
