"""The articles chats brought, by chat: least recently used forgotten first, bounded twice.

    shelf = Shelf(max_chats=1000, max_bytes=256 * 2**20)
    shelf.put((chat_id, topic), reading)    # this chat now asks about that article
    shelf.get((chat_id, topic))              # its reading, or None: the operator's articles
    shelf.drop((chat_id, topic))             # /reset

Each chat (each forum topic, in a forum) has at most one article of its own. The shelf holds at
most ``max_chats`` of them and at most ``max_bytes`` of them in memory, by each reading's estimate;
over either bound the chats that asked least recently lose theirs first, and go back to the
operator's articles. A reading larger than the whole budget is refused by :meth:`Shelf.fits`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from bot.reading.reader import Reading

__all__ = ["MAX_BYTES", "MAX_CHATS", "Shelf"]

MAX_CHATS = 1000
MAX_BYTES = 256 * 1024 * 1024


class Shelf:
    """Per-chat readings, LRU, bounded in count and in memory."""

    def __init__(self, max_chats: int = MAX_CHATS, max_bytes: int = MAX_BYTES) -> None:
        self.max_chats = max_chats
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Reading] = OrderedDict()
        self._bytes = 0

    def fits(self, reading: Reading) -> bool:
        """Whether ``reading`` could be kept at all (alone on the shelf)."""
        return reading.size <= self.max_bytes

    def get(self, key: Hashable) -> Reading | None:
        """The chat's reading, now its most recently used; None when it has none."""
        reading = self._items.get(key)
        if reading is not None:
            self._items.move_to_end(key)
        return reading

    def put(self, key: Hashable, reading: Reading) -> None:
        """The chat's reading from now on, replacing its earlier one; others forgotten to make room."""
        self.drop(key)
        self._items[key] = reading
        self._bytes += reading.size
        while len(self._items) > 1 and (len(self._items) > self.max_chats or self._bytes > self.max_bytes):
            _, oldest = self._items.popitem(last=False)
            self._bytes -= oldest.size

    def drop(self, key: Hashable) -> bool:
        """Forget the chat's reading; whether it had one."""
        reading = self._items.pop(key, None)
        if reading is None:
            return False
        self._bytes -= reading.size
        return True

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
