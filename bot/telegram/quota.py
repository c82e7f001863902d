"""How many questions one person may ask in a minute: a sliding window per asker.

    quota = Quota(10)                 # ten questions in any 60 seconds
    admission = quota.ask(user_id)    # ANSWER, NOTICE (the first refusal) or SILENT, and the wait

The first question over the limit gets a NOTICE (the bot says so once); the next ones are
SILENT until the oldest question of the window is a window old, when the asker may ask again
(and would get a notice again). Refused questions do not count: a person who keeps typing is
answered again as soon as their answered ones age out. Askers quiet for a whole window are
forgotten, so memory stays flat however many people write.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Admission", "Decision", "Quota"]

WINDOW = 60.0  # seconds
PRUNE_ABOVE = 1024  # askers kept before the quiet ones are looked for and forgotten


class Decision(str, Enum):
    ANSWER = "answer"
    NOTICE = "notice"  # over the limit: say so, this once
    SILENT = "silent"  # over the limit, and told already


@dataclass(frozen=True, slots=True)
class Admission:
    """What to do with a question, and (when refused) the seconds until the asker may ask again."""

    decision: Decision
    wait: float = 0.0


@dataclass(slots=True)
class _Asker:
    times: deque[float]  # when their last answered questions came, oldest first
    noticed: bool = field(default=False)


class Quota:
    """At most ``limit`` answered questions per asker in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a quota needs a limit of at least one question")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._askers: dict[Hashable, _Asker] = {}
        self._prune_above = PRUNE_ABOVE

    def ask(self, who: Hashable) -> Admission:
        """``who`` asks a question now: whether to answer it, or how to refuse it."""
        now = self._clock()
        asker = self._askers.get(who)
        if asker is None:
            if len(self._askers) >= self._prune_above:
                self._prune(now)
            asker = self._askers[who] = _Asker(deque(maxlen=self.limit))
        if len(asker.times) == self.limit and now - asker.times[0] < self.window:
            wait = asker.times[0] + self.window - now
            if asker.noticed:
                return Admission(Decision.SILENT, wait)
            asker.noticed = True
            return Admission(Decision.NOTICE, wait)
        asker.times.append(now)
        asker.noticed = False
        return Admission(Decision.ANSWER)

    def _prune(self, now: float) -> None:
        """Forget askers whose last question is a window old; look again once twice as many."""
        for who in [w for w, a in self._askers.items() if now - a.times[-1] >= self.window]:
            del self._askers[who]
        self._prune_above = max(PRUNE_ABOVE, 2 * len(self._askers))

    def __len__(self) -> int:
        return len(self._askers)
