"""A progress bar on the terminal, for building an archive's index (which takes a while).

Shown only when standard error is a terminal and the job is big enough to be worth watching;
otherwise calls cost nothing but a comparison.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]

WIDTH = 30  # characters of the bar


class Progress:
    """``progress(done)`` redraws "label [=====>     ] 42%" now and then; ``close()`` ends the line."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, minimum: int = 1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.total = max(total, 1)
        self.shown = total >= minimum and self.stream.isatty()
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int) -> None:
        if not self.shown:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < self.total:  # ten redraws a second are plenty
            return
        self._last = now
        share = min(done / self.total, 1.0)
        filled = int(share * WIDTH)
        bar = "=" * filled + (">" if filled < WIDTH else "") + " " * (WIDTH - filled - 1)
        self.stream.write(f"\r{self.label} [{bar}] {share:4.0%}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self(self.total)
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
