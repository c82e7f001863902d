"""Telegram's HTML parse mode, as the fake Bot API applies it to what the bot sends.

https://core.telegram.org/bots/api#html-style: only Telegram's tags, properly nested and closed;
every ``<``, ``>`` and ``&`` that is not part of a tag or entity escaped; only the named entities
``&lt; &gt; &amp; &quot;`` (numeric ones all allowed); block quotes not nested. :func:`parse`
returns the visible text and its entities (offsets in UTF-16 code units) or raises
:class:`HtmlError` with a message in the style of Telegram's "can't parse entities" errors.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["HtmlError", "Parsed", "parse", "utf16_len"]

# Tag -> entity type; attributes each tag may carry.
_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}  # fmt: skip
_ATTRIBUTES = {
    "span": {"class"}, "a": {"href"}, "code": {"class"}, "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"}, "tg-time": {"unix", "format"},
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>")
_ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]*);")


class HtmlError(ValueError):
    """Text Telegram would refuse: "can't parse entities: <why> at byte offset N"."""


@dataclass
class Parsed:
    """Visible text and its formatting entities, as Telegram would store the message."""

    text: str
    entities: list[dict[str, object]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts; a lone surrogate counts one, as it would there."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse(source: str) -> Parsed:
    """Parse ``source`` under Telegram's HTML rules; :class:`HtmlError` if Telegram would refuse it."""
    out: list[str] = []
    length = 0  # UTF-16 units of visible text so far
    open_tags: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, object]] = []
    i = 0
    while i < len(source):
        char = source[i]
        offset = _ByteOffset(source, i)
        if char == "<":
            tag = _TAG.match(source, i)
            if tag is None:
                raise HtmlError(f"Unsupported start tag at byte offset {offset}")
            closing, name, attributes = tag.groups()
            name = name.lower()
            if name not in _TAGS:
                raise HtmlError(f'Unsupported start tag "{name}" at byte offset {offset}')
            if closing:
                if not open_tags or open_tags[-1][0] != name:
                    expected = f'expected "</{open_tags[-1][0]}>"' if open_tags else "no tag is open"
                    raise HtmlError(f'Unmatched end tag at byte offset {offset}, {expected}, found "</{name}>"')
                opened, start, attrs = open_tags.pop()
                if length > start:
                    entities.append(_entity(opened, start, length - start, attrs))
            else:
                attrs = _attributes(name, attributes, offset)
                if name == "blockquote" and any(t[0] == "blockquote" for t in open_tags):
                    raise HtmlError(f"Blockquote entities can't be nested at byte offset {offset}")
                if any(t[0] in ("pre", "code") for t in open_tags) and not (
                    name == "code" and open_tags[-1][0] == "pre"
                ):
                    raise HtmlError(f"Entities can't be nested in pre or code at byte offset {offset}")
                open_tags.append((name, length, attrs))
            i = tag.end()
            continue
        if char == "&":
            entity = _ENTITY.match(source, i)
            if entity is None:
                raise HtmlError(f'Unescaped "&" at byte offset {offset}')
            body = entity.group(1)
            if body.startswith("#"):
                char = html.unescape(entity.group(0))
            elif body in _NAMED:
                char = _NAMED[body]
            else:
                raise HtmlError(f'Unsupported HTML entity "&{body};" at byte offset {offset}')
            i = entity.end()
        else:
            if char == ">":
                raise HtmlError(f'Unescaped ">" at byte offset {offset}')
            i += 1
        out.append(char)
        length += utf16_len(char)
    if open_tags:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -int(e["length"])))  # type: ignore[call-overload]
    return Parsed("".join(out), entities)


class _ByteOffset:
    """Where an error is, in UTF-8 bytes as Telegram says it; computed only when shown."""

    def __init__(self, source: str, index: int) -> None:
        self.source, self.index = source, index

    def __str__(self) -> str:
        return str(len(self.source[: self.index].encode("utf-8")))


def _attributes(name: str, source: str, offset: _ByteOffset) -> dict[str, str]:
    attrs = {}
    for match in _ATTRIBUTE.finditer(source):
        key, value = match.group(1).lower(), match.group(2) or ""
        if key not in _ATTRIBUTES.get(name, set()):
            raise HtmlError(f'Unsupported attribute "{key}" of tag "{name}" at byte offset {offset}')
        attrs[key] = html.unescape(value.strip("\"'"))
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a" and not attrs.get("href"):
        raise HtmlError(f'Tag "a" needs an href at byte offset {offset}')
    return attrs


def _entity(tag: str, offset: int, length: int, attrs: dict[str, str]) -> dict[str, object]:
    kind = _TAGS[tag]
    if tag == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    entity: dict[str, object] = {"type": kind, "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = attrs["href"]
    if tag == "code" and attrs.get("class", "").startswith("language-"):
        entity = {"type": "pre", "offset": offset, "length": length, "language": attrs["class"][9:]}
    if tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    if tag == "tg-time":
        entity["unix_time"] = int(attrs.get("unix", "0") or 0)
    return entity
