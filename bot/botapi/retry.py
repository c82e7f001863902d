"""Sending a Bot API request again when it failed without taking effect: bounded retries with
growing pauses, and while the API is down, one request at a time trying it.

python-telegram-bot gives up on a request at its first failure (only a 429 is repeated, by the
flood limiter), so a reply lost to a 502 or a dropped connection would be a question never
answered. :class:`RetryingRequest` wraps the request object the bot's calls go through and
repeats an exchange when repeating it cannot do harm:

    what the bot saw                                   did Telegram act?   tried again
    no connection (refused, DNS, connect timeout)      no                  yes
    no free connection in time; a write failed (4)     no                  yes
    the connection closed before any answer (1)        no                  yes
    500, 502, 503                                      no                  yes
    no answer in time, a reset, a 504 (2)              perhaps             only if repeatable (3)
    a 2xx whose body is not JSON                       yes                 only if repeatable (3)
    any other answer (2xx, 4xx; 429: bot.botapi.flood)        yes, or refused     no

(1) Telegram answers whatever it carries out. A connection that ends before a single byte of
    answer broke on the way in: a keep-alive connection the server had closed, a proxy restarting.
(2) **At most once for posts.** A sendMessage whose answer did not come in time is not sent
    again: Telegram usually did deliver it (the answer was late, not the message), and a reply
    posted twice is seen by everyone in a group, where a reply never posted costs one reader,
    who can ask again.
(3) Repeatable: every method but those that post something new (``send*``, ``copy*``,
    ``forward*``). A repeated getUpdates, edit, delete or answerCallbackQuery changes nothing or
    is refused as a repeat, which the handlers take in their stride. A post Telegram did or may
    have carried out raises :class:`Unconfirmed`: the handlers count it as sent and go on.
(4) The transport (bot.botapi.request) tells the first three rows from the rest, as only it
    knows where in the exchange a failure came, and marks them :class:`NotSent`. A failed write
    is one to a connection already closing; a connection reset while the request is out counts
    as a reset, since Telegram may have read the request first.

A repeat waits ``first`` seconds after the first failure, twice as long after each next one, at
most ``cap``; a request gives up ``retry_for`` seconds after its first try, raising (or
returning) what its last try got. While requests fail, the API counts as down (:class:`Outage`)
and the requests in flight take turns: one goes out per pause, the others wait, so an outage
costs a handful of calls rather than one per reply every pause. Once the bot is stopping
(:meth:`RetryingRequest.stop_by`) no pause outlasts the time it has left.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError
from telegram.request import BaseRequest, RequestData

from bot.botapi.request import NotSent

__all__ = ["Backoff", "Failure", "Outage", "RetryingRequest", "Unconfirmed", "failure_of", "repeatable"]

log = logging.getLogger("quotebot.retry")

_POSTS = re.compile(r"(send|copy|forward)[A-Z]")  # methods that make a new message each time
_NOT_ACTED_STATUSES = frozenset({500, 502, 503})


class Failure(str, Enum):
    """How a failed request stands: whether Telegram can have acted on it."""

    NOT_SENT = "not_sent"  # it did not
    UNCERTAIN = "uncertain"  # it may have
    UNREADABLE = "unreadable"  # it did, but its answer cannot be read


class Unconfirmed(TelegramError):
    """A post Telegram did, or may have, carried out, but whose answer the bot never read; it is
    not sent again (the message says why)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pauses between tries: ``first`` seconds, growing by ``factor``, at most ``cap``."""

    first: float = 0.5
    factor: float = 2.0
    cap: float = 5.0

    def pause(self, failures: int) -> float:
        """The pause after the ``failures``-th failure in a row (counted from 1)."""
        return min(self.cap, self.first * self.factor ** max(failures - 1, 0))


def repeatable(method: str) -> bool:
    """Whether doing ``method`` twice does no more than doing it once (posts are not)."""
    return not _POSTS.match(method)


def failure_of(outcome: Exception | tuple[int, bytes], download: bool = False) -> Failure | None:
    """How a request failed, from what its exchange raised or its (status, body); None if it did not.

    A ``download`` (a file's content, not a Bot API answer) is no JSON, and need not be.
    """
    if isinstance(outcome, tuple):
        status, payload = outcome
        if status in _NOT_ACTED_STATUSES:
            return Failure.NOT_SENT
        if status >= 500:  # 504 above all: a gateway gave up waiting for a server that may still act
            return Failure.UNCERTAIN
        if 200 <= status <= 299 and not download and not _readable(payload):
            return Failure.UNREADABLE
        return None
    return Failure.NOT_SENT if isinstance(outcome, NotSent) else Failure.UNCERTAIN


def _readable(payload: bytes) -> bool:
    try:
        json.loads(payload.decode("utf-8", "replace"))
    except ValueError:
        return False
    return True


def _describe(method: str, outcome: Exception | tuple[int, bytes]) -> str:
    """A failure in a few words for the log, e.g. "HTTP 502 on sendMessage" (never a URL)."""
    if isinstance(outcome, tuple):
        status = outcome[0]
        what = f"HTTP {status}" + (", an unreadable answer" if 200 <= status <= 299 else "")
    else:
        what = type(outcome.__cause__ or outcome).__name__  # ClientConnectorError, SocketTimeoutError...
    return f"{what} on {method}"


class Outage:
    """Whether the Bot API is down, as the requests of one :class:`RetryingRequest` find it.

    Down from a failure until the next success. While it is down, one request at a time may go
    out, each a pause after the previous one (the pause growing with each failed turn; requests
    that were already out together when the API went down fail as one); the
    others wait for their turn, or for :attr:`up` (the API is back: no more turns to wait for).
    ``clock`` is for tests.
    """

    def __init__(self, label: str, backoff: Backoff, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.backoff = backoff
        self._clock = clock
        self._failures = 0  # failed turns in a row, across requests
        self._since: float | None = None
        self._failed_at = float("-inf")  # when the last failure was seen
        self._next_turn = 0.0
        self.up = asyncio.Event()  # set while the API works
        self.up.set()
        self.went_down = asyncio.Event()  # set while it does not (for those who wait for that)
        self.failure = ""  # how the last request failed, e.g. "ClientConnectorError on getMe"

    @property
    def down(self) -> bool:
        return self._failures > 0

    def next_turn(self) -> float:
        """When the next request may go out (minus infinity while the API works: any time)."""
        return self._next_turn if self.down else float("-inf")

    def take_turn(self) -> None:
        """A request goes out now: while the API is down, the next one waits a pause."""
        if self.down:
            self._next_turn = self._clock() + self.backoff.pause(self._failures)

    def failed(self, what: str, sent: float) -> None:
        """A request sent at ``sent`` failed as a down API fails (``what`` says how, for the log)."""
        now = self._clock()
        if not self.down:
            self._since = now
            log.warning("The Bot API is failing (%s); trying %s again with growing pauses", what, self.label)
        if not self.down or sent >= self._failed_at:  # not one of a batch out together when a failure came
            self._failures += 1
        self._failed_at = now
        self._next_turn = max(self._next_turn, now + self.backoff.pause(self._failures))
        self.failure = what
        self.up.clear()
        self.went_down.set()

    def worked(self) -> None:
        """A request got an answer: the API is up."""
        if self.down and self._since is not None:
            log.warning("The Bot API works again, after %.1f s", self._clock() - self._since)
        self._failures = 0
        self._since = None
        self.up.set()
        self.went_down.clear()


class RetryingRequest(BaseRequest):
    """A request object that tries each Bot API call again as the module docstring says.

    Wraps ``inner`` (the request that does the HTTP), to which everything else is left.
    """

    __slots__ = ("_clock", "_inner", "_stop_at", "_stopping", "backoff", "outage", "retry_for")

    def __init__(
        self,
        inner: BaseRequest,
        retry_for: float,
        label: str,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self.retry_for = retry_for
        self.backoff = backoff or Backoff()
        self.outage = Outage(label, self.backoff, clock)
        self._clock = clock
        self._stop_at = float("inf")
        self._stopping = asyncio.Event()

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    def stop_by(self, deadline: float) -> None:
        """The bot is stopping: no try starts, and no pause lasts, past ``deadline`` (on ``clock``)."""
        self._stop_at = min(self._stop_at, deadline)
        self._stopping.set()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]  # never the rest of the URL: it holds the token
        timeouts: dict[str, Any] = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }
        give_up = self._clock() + self.retry_for
        failures = 0
        not_before = self._clock()
        outcome: Exception | tuple[int, bytes] = NetworkError(f"The Bot API is down; {api_method} was not tried")
        while True:
            if not await self._wait_turn(not_before, give_up):
                return self._last(outcome)
            self.outage.take_turn()
            sent = self._clock()
            try:
                outcome = await self._inner.do_request(url, method, request_data, **timeouts)
            except NetworkError as err:  # TimedOut included
                outcome = err
            failure = failure_of(outcome, download=method == "GET")  # PTB GETs files only; API calls POST
            if failure is None:
                self.outage.worked()
                return self._last(outcome)
            if failure is Failure.UNREADABLE:
                self.outage.worked()  # Telegram answered, only not legibly
            else:
                self.outage.failed(_describe(api_method, outcome), sent)
            if failure is not Failure.NOT_SENT and not repeatable(api_method):
                if failure is Failure.UNREADABLE:
                    raise Unconfirmed(f"{_describe(api_method, outcome)}: Telegram did send it; not sent again")
                raise Unconfirmed(
                    f"{_describe(api_method, outcome)}: Telegram may have sent it, so it is not sent again"
                ) from (outcome if isinstance(outcome, Exception) else None)
            failures += 1
            not_before = self._clock() + self.backoff.pause(failures)
            log.debug("%s; trying again (%d failure(s) so far)", _describe(api_method, outcome), failures)

    async def _wait_turn(self, not_before: float, give_up: float) -> bool:
        """Wait until ``not_before`` and this request's turn; False if that is past giving up."""
        while True:
            now = self._clock()
            at = max(not_before, self.outage.next_turn())
            if at <= now:
                return True
            if at > min(give_up, self._stop_at):
                return False
            # Awake early when the bot begins to stop (its deadline may come sooner) or the API
            # comes back (no more turns to wait for, only this request's own pause).
            await _nap(at - now, [self._stopping, self.outage.up])

    @staticmethod
    def _last(outcome: Exception | tuple[int, bytes]) -> tuple[int, bytes]:
        """What the last try got, handed on: an answer returned, an error raised."""
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def _nap(seconds: float, wake: list[asyncio.Event]) -> None:
    """Sleep ``seconds``, or until one of the events in ``wake`` not yet set is set."""
    waits = [asyncio.ensure_future(event.wait()) for event in wake if not event.is_set()]
    if not waits:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
