"""Questions read from a pipe, one a line, as ``quotebot ask`` takes them from a script.

A script that feeds ``ask`` writes a question, reads the answer, then writes the next. Between
the two, a process blocked on its input lets its core sleep, and the next question then runs on
cold caches: about a third slower (issue 16). So after each answer this reader polls its input
for a moment (:data:`SPIN_S`) before it blocks: a question that comes back within it is read at
once and answered on a warm core. The cost is at most that moment of one core a question, and
nothing while questions come faster than that or when none come at all.
"""

from __future__ import annotations

import codecs
import os
import select
import time
from collections.abc import Iterator
from typing import TextIO

__all__ = ["SPIN_S", "lines"]

SPIN_S = 0.002  # how long to poll for the next line before blocking
CHUNK = 1 << 16


def lines(stream: TextIO) -> Iterator[str]:
    """Each line of ``stream`` without its line ending ("\\n" or "\\r\\n").

    Read from the file descriptor underneath, decoded as ``stream`` decodes (undecodable bytes
    as replacement characters); a stream that has no descriptor, or an encoding in which a
    newline byte may sit inside a character (UTF-16), is read line by line as it is.
    """
    try:
        fd = stream.fileno()
        encoding = codecs.lookup(stream.encoding).name
    except (AttributeError, OSError, LookupError, ValueError):
        fd, encoding = -1, ""
    if fd < 0 or encoding.startswith(("utf-16", "utf-32")) or not hasattr(select, "poll"):
        yield from (line.rstrip("\r\n") for line in stream)
        return
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    pending = b""
    while True:
        while b"\n" not in pending:
            _wait(poller)
            chunk = os.read(fd, CHUNK)
            if not chunk:  # end of input
                if pending:
                    yield pending.decode(encoding, "replace").rstrip("\r")
                return
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        yield line.decode(encoding, "replace").rstrip("\r")


def _wait(poller: select.poll) -> None:
    """Return when input is ready, or after :data:`SPIN_S` of asking (the read then blocks)."""
    deadline = time.perf_counter() + SPIN_S
    while not poller.poll(0) and time.perf_counter() < deadline:
        pass
