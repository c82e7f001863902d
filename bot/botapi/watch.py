"""Watching every Bot API request: did it work, and if not, how did it fail.

python-telegram-bot sends every request through a ``BaseRequest``; :class:`ObservedRequest` is the
bot's aiohttp one (bot.botapi.request), reporting each exchange's :class:`Outcome` to a listener
(the monitor, which counts failures and judges health from them). Outcomes are read off the HTTP exchange itself,
the status code or the transport error, rather than off PTB's exceptions, which fold a 500, a 502
and a refused connection into the same ``NetworkError``.

Kinds of failure:

    network        no HTTP answer: connection refused or reset, DNS, TLS
    timeout        no answer in time (or no free connection in the pool)
    retry_after    429: a flood wait
    bad_request    400: Telegram refused this request (a bad parameter, a message gone...)
    forbidden      403: blocked by the user, not in the chat
    unauthorized   401 or 404: the token was rejected
    conflict       409: another instance polls with this token, or a webhook is set
    server_error   5xx: Telegram (or a proxy in front of it) is failing
    other          any other status

The first four refusals say the API is up and answering, just not yes; the rest say the bot
cannot work with it right now (see :attr:`Outcome.api_works`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from telegram.error import TimedOut

from bot.botapi.request import AiohttpRequest

__all__ = ["KINDS", "ObservedRequest", "Outcome", "kind_of_status"]

log = logging.getLogger("quotebot.api_watch")

KINDS = (
    "network",
    "timeout",
    "retry_after",
    "bad_request",
    "forbidden",
    "unauthorized",
    "conflict",
    "server_error",
    "other",
)
# Refusals of one request by an API that is otherwise up: the bot is talking to Telegram fine.
_REFUSALS = frozenset({"retry_after", "bad_request", "forbidden"})
_METHOD = re.compile(r"[A-Za-z]{1,64}")  # what a Bot API method name looks like
_STATUS_KINDS: dict[int, str] = {
    HTTPStatus.TOO_MANY_REQUESTS: "retry_after",
    HTTPStatus.BAD_REQUEST: "bad_request",
    HTTPStatus.FORBIDDEN: "forbidden",
    HTTPStatus.UNAUTHORIZED: "unauthorized",
    HTTPStatus.NOT_FOUND: "unauthorized",  # what Telegram answers to a malformed token
    HTTPStatus.CONFLICT: "conflict",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one Bot API request ended: ``kind`` None if it worked, else the kind of failure."""

    method: str
    kind: str | None = None

    @property
    def api_works(self) -> bool:
        """True when the API answered as a working API does (a success, or a refusal of this request)."""
        return self.kind is None or self.kind in _REFUSALS


def kind_of_status(status: int) -> str | None:
    """The kind of failure an HTTP status means; None for a success (2xx)."""
    if 200 <= status <= 299:
        return None
    if status >= 500:
        return "server_error"
    return _STATUS_KINDS.get(status, "other")


class ObservedRequest(AiohttpRequest):
    """The bot's aiohttp request, telling ``listener`` how each request went.

    Takes the same arguments as ``AiohttpRequest``. The listener runs in the event loop, right after
    the exchange; whatever it raises is logged and swallowed, as a monitoring bug must never cost
    a reply.
    """

    __slots__ = ("_listener",)

    def __init__(self, listener: Callable[[Outcome], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._listener = listener

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        # Only the method name (the rest of the URL holds the token); a file download's URL ends
        # in a file name instead, which must not become a metric label.
        last = url.rsplit("/", 1)[-1]
        api_method = last if _METHOD.fullmatch(last) else "file"
        try:
            status, payload = await super().do_request(url, method, *args, **kwargs)
        except TimedOut:
            self._tell(Outcome(api_method, "timeout"))
            raise
        except Exception:
            self._tell(Outcome(api_method, "network"))
            raise
        self._tell(Outcome(api_method, kind_of_status(status)))
        return status, payload

    def _tell(self, outcome: Outcome) -> None:
        try:
            self._listener(outcome)
        except Exception:
            log.exception("Could not record the outcome of a Bot API request")
