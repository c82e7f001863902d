"""Is the bot healthy? What ``/healthz`` answers, judged from the Bot API requests it sees.

The bot works while it can talk to the Bot API: long polling is a getUpdates request at least
every 30 seconds, and in webhook mode the monitor asks getWebhookInfo every few seconds, so a
working bot always has a recent request that worked. It is unhealthy when

- every Bot API request has failed for ``unhealthy_after`` seconds or more (network down, DNS,
  Telegram's 5xx, a rejected token, another instance polling with the same token); a refusal of
  one request (400, 403, 429) still shows a working API and does not count as a failure;
- in webhook mode, Telegram's webhook points at another URL (updates go elsewhere);
- it is still starting (not yet receiving updates), or stopping.

A failure shorter than ``unhealthy_after`` is reported in the body but still answers 200, so a
blip does not get a healthy bot restarted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bot.botapi.watch import Outcome

__all__ = ["Health", "Report", "State"]


class State(str, Enum):
    STARTING = "starting"  # reaching Telegram, not yet receiving updates
    SERVING = "serving"
    STOPPING = "stopping"  # finishing the replies in flight


@dataclass(frozen=True, slots=True)
class Report:
    """What ``/healthz`` says: ``healthy`` decides 200 or 503; the rest is for the reader."""

    healthy: bool
    status: str  # ok, starting, unhealthy, stopping
    reason: str = ""
    last_success_ago: float | None = None  # seconds since a Bot API request last worked

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        ago = None if self.last_success_ago is None else round(self.last_success_ago, 1)
        return {"status": self.status, "reason": self.reason, "last_api_success_seconds_ago": ago}


class Health:
    """The bot's health, from its state and the outcomes of its Bot API requests."""

    def __init__(self, unhealthy_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.unhealthy_after = unhealthy_after
        self._clock = clock
        self.state = State.STARTING
        self._last_success: float | None = None
        self._failing_since: float | None = None  # first failure since the last success
        self._last_failure: Outcome | None = None
        self._webhook_elsewhere: str | None = None  # where Telegram's webhook points, if not here

    def record(self, outcome: Outcome) -> None:
        """A Bot API request ended with ``outcome``."""
        now = self._clock()
        if outcome.api_works:
            self._last_success, self._failing_since, self._last_failure = now, None, None
            return
        if self._failing_since is None:
            self._failing_since = now
        self._last_failure = outcome

    def webhook_target(self, elsewhere: str | None) -> None:
        """What getWebhookInfo said: None when the webhook is this bot's, else where it points (a host)."""
        self._webhook_elsewhere = elsewhere

    def report(self) -> Report:
        """The health now."""
        now = self._clock()
        ago = None if self._last_success is None else now - self._last_success
        trouble = self._trouble(now)
        if self.state is State.STOPPING:
            return Report(False, "stopping", "finishing the replies in flight", ago)
        if self.state is State.STARTING:
            return Report(False, "starting", trouble or "not yet receiving updates", ago)
        failing = self._failing_since is not None and now - self._failing_since >= self.unhealthy_after
        if failing:
            return Report(False, "unhealthy", trouble, ago)
        if self._webhook_elsewhere is not None:
            reason = f"Telegram sends the updates to another webhook ({self._webhook_elsewhere})"
            return Report(False, "unhealthy", reason, ago)
        return Report(True, "ok", trouble, ago)

    def _trouble(self, now: float) -> str:
        """The failure under way, in words; empty if none."""
        if self._failing_since is None or self._last_failure is None:
            return ""
        last = self._last_failure
        return (
            f"the Bot API has been failing for {now - self._failing_since:.0f} s (last: {last.kind} on {last.method})"
        )
