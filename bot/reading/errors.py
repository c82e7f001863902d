"""Why an article a reader brought could not be read: one plain sentence for them.

Kept apart so that the fetcher, the extractor and the fronts share it without importing each other.
"""

from __future__ import annotations

__all__ = ["ReadError", "file_refused", "page_refused"]


class ReadError(Exception):
    """A link, file or text the bot will not read; the message is one sentence for the reader."""


def page_refused(why: str) -> ReadError:
    """ "I couldn't read that page: ``why``." """
    return ReadError(f"I couldn't read that page: {why}.")


def file_refused(why: str) -> ReadError:
    """ "I couldn't read that file: ``why``." """
    return ReadError(f"I couldn't read that file: {why}.")
