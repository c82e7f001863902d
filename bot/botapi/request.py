"""python-telegram-bot's Bot API requests over aiohttp, saying which failed requests surely never
reached the server.

PTB's own ``HTTPXRequest`` (httpx over httpcore) costs about 1.9 ms of CPU a request, an aiohttp
``ClientSession`` about 0.15 ms; at a request or two an answered update, the HTTP client was the
largest cost of a reply. :class:`AiohttpRequest` is a ``telegram.request.BaseRequest`` over one
session, which it opens in :meth:`~AiohttpRequest.initialize` (inside the running loop, as aiohttp
requires) and closes in :meth:`~AiohttpRequest.shutdown`. It posts the parameters as a JSON object,
which the Bot API takes as it takes a form, or, like ``HTTPXRequest``, as multipart with the files
when there are any. Not form-encoded as ``HTTPXRequest`` posts them: urllib percent-encodes byte
by byte in Python, about 0.15 ms for an answer of a few quotes, against 0.015 ms for the JSON.

What a failed request raises (PTB's errors, each with aiohttp's exception as its ``__cause__``):

    what happened                                          raises            reached the server?
    no free connection in time; connecting timed out       NotSentTimeout    no
    no connection (refused, DNS, TLS handshake)            NotSentError      no
    the connection closed before any answer (1)            NotSentError      no
    writing to a connection that was already closing (2)   NotSentError      no
    no answer in time                                      TimedOut          perhaps
    a reset, an answer cut short, anything else            NetworkError      perhaps

(1) aiohttp's ``ServerDisconnectedError`` while waiting for the answer, with not even a status
    line read: a keep-alive connection the server had closed, a proxy restarting. Once an answer
    has begun, the server has acted, so a connection closing in its middle is "perhaps".
(2) ``ClientConnectionResetError``, which aiohttp raises only when writing. A connection reset
    while the request is out shows as a reset, not as a failed write: "perhaps".

:class:`NotSent` marks the errors of the first four rows: bot.botapi.retry sends those again, whatever
the method. Timeouts: ``connect_timeout`` bounds connecting, ``read_timeout`` each wait for data
of the answer. ``pool_timeout`` is None by default: a request waits its turn for a free connection
however long (it is a reply in a burst, not a failure); aiohttp bounds that wait only together
with connecting, so when it is set, the two together get ``pool_timeout + connect_timeout``.
aiohttp has no write timeout: a request is a few hundred bytes that the socket takes at once, and
a stalled connection shows up as no answer in time.

Proxies and credentials from the environment apply as with ``trust_env`` (``HTTP(S)_PROXY``,
``NO_PROXY``, ``~/.netrc`` or ``NETRC``), looked up once per server, at its first request, with
aiohttp's own helpers: aiohttp's ``trust_env`` looks them up again for every request, reading the
environment and the netrc file in two trips to a worker thread, which cost a reply more CPU
than the rest of its HTTP exchange (the environment of a running bot does not change).

The bot token is part of every URL (``…/bot<token>/sendMessage``), and some aiohttp errors quote
the URL: the path before the method name is hidden in every error's text, aiohttp's included.
Each answered request is logged at INFO on ``quotebot.http``, URL and status, as httpx logged
them (``QUOTEBOT_HTTP_LOG_LEVEL``, WARNING by default, hides them); like every log line, these
pass the redacting filter of bot.ops.redact, which takes the token out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp.helpers import basicauth_from_netrc, get_env_proxy_for_url, netrc_from_env, strip_auth_from_url
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

__all__ = ["AiohttpRequest", "NotSent", "NotSentError", "NotSentTimeout", "ptb_error"]

log = logging.getLogger("quotebot.http")

_HIDDEN = "/[path hidden]"  # what stands for a URL's path (with the token) in error texts
_JSON = "application/json"
# aiohttp rounds timeouts above this up to a whole second of the loop's clock (fewer timer
# wake-ups); the bot's deadlines (retries, stopping) count on timeouts being what they say.
_NO_ROUNDING = float("inf")


@dataclass(frozen=True, slots=True)
class _Route:
    """How requests to one server go, as the environment says: through which proxy, if any, and
    with which headers (the proxy's credentials; the server's from netrc, as ``Authorization``)."""

    headers: dict[str, str]
    proxy: URL | None = None
    proxy_headers: dict[str, str] | None = None


def _route_from_env(url: str, headers: dict[str, str]) -> _Route:
    """What aiohttp's ``trust_env`` finds for ``url``, with the same helpers in the same order
    (netrc credentials only for a URL without its own), as headers added to ``headers``.
    Reads files: run it off the event loop."""
    bare, auth_in_url = strip_auth_from_url(URL(url))
    if auth_in_url is None and bare.host is not None:
        with contextlib.suppress(LookupError):
            headers = {**headers, "Authorization": basicauth_from_netrc(netrc_from_env(), bare.host).encode()}
    try:
        proxy, proxy_auth = get_env_proxy_for_url(bare)
    except LookupError:
        return _Route(headers)
    if proxy_auth is None:
        return _Route(headers, proxy)
    # Where aiohttp puts the proxy's credentials: on the request itself when it goes to the proxy
    # as it is (http), on the CONNECT that opens the tunnel when it goes through one (https).
    credentials = {"Proxy-Authorization": proxy_auth.encode()}
    if bare.scheme == "https":
        return _Route(headers, proxy, credentials)
    return _Route({**headers, **credentials}, proxy)


def _origin(url: str) -> str:
    """``scheme://[user@]host[:port]`` of ``url``, cheaply: the key of its :class:`_Route`."""
    slash = url.find("/", url.find("//") + 2)
    return url if slash < 0 else url[:slash]


class NotSent:
    """Mixed into the errors of a request that surely never reached the server: repeating it is safe."""

    __slots__ = ()


class NotSentError(NotSent, NetworkError):
    """No connection, or it closed before any answer: the request was not carried out."""

    __slots__ = ()


class NotSentTimeout(NotSent, TimedOut):
    """No connection in time (none free in the pool, or connecting was slow): the request was not sent."""

    __slots__ = ()


class AiohttpRequest(BaseRequest):
    """A PTB request object over one aiohttp session of at most ``connection_pool_size`` connections.

    Timeouts are in seconds, None for none; each applies unless ``do_request`` is given another.
    """

    __slots__ = (
        "_connect_timeout",
        "_headers",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_routes",
        "_session",
    )

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,  # accepted for PTB's sake; aiohttp has none (module docstring)
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._headers = {"User-Agent": self.USER_AGENT}
        self._session: aiohttp.ClientSession | None = None
        self._routes: dict[str, _Route] = {}  # by origin, from the environment (module docstring)

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, timeout_ceil_threshold=_NO_ROUNDING)
            # No trust_env: HTTP(S)_PROXY, NO_PROXY and netrc still apply, as they did with httpx,
            # but looked up once per server (_route) rather than by aiohttp for every request.
            self._session = aiohttp.ClientSession(connector=connector)
            self._routes.clear()  # looked up again: a new session may run in another environment

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's "connect" is the wait for a free connection plus making a new one.
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
            ceil_threshold=_NO_ROUNDING,
        )
        route = self._routes.get(_origin(url)) or await self._route(url)
        headers, data = self._body(route.headers, request_data)
        try:
            response = await self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxy=route.proxy,
                proxy_headers=route.proxy_headers,
            )
        except (TimeoutError, aiohttp.ClientError) as err:
            raise ptb_error(err, url, before_answer=True) from _hidden_in(err, url)
        try:
            payload = await response.read()
        except (TimeoutError, aiohttp.ClientError) as err:
            raise ptb_error(err, url, before_answer=False) from _hidden_in(err, url)
        finally:
            response.release()
        if log.isEnabledFor(logging.INFO):  # checked first: this runs for every request
            log.info('HTTP Request: %s %s "%d %s"', method, url, response.status, response.reason or "")
        return response.status, payload

    async def _route(self, url: str) -> _Route:
        """The route to ``url``'s server, looked up in the environment (in a thread: it reads
        files) at its first request, then kept."""
        route = await asyncio.to_thread(_route_from_env, url, self._headers)
        self._routes[_origin(url)] = route
        return route

    @staticmethod
    def _body(headers: dict[str, str], request_data: RequestData | None) -> tuple[dict[str, str], Any]:
        """The headers (``headers`` and the body's) and body of a request: its parameters
        as JSON, or multipart with files."""
        if request_data is None:
            return headers, None
        files = request_data.multipart_data
        if not files:
            # Encoded here, once, rather than through aiohttp's json= (which encodes to text first).
            body = json.dumps(request_data.parameters).encode()
            return {**headers, "Content-Type": _JSON}, body
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime_type) in files.items():
            form.add_field(name, content, filename=filename, content_type=mime_type)
        return headers, form


def ptb_error(err: BaseException, url: str, before_answer: bool) -> NetworkError:
    """PTB's error for aiohttp's ``err``; ``before_answer``: raised before any answer was read."""
    text = f"aiohttp.{type(err).__name__}: {_hide(str(err), url)}"
    if isinstance(err, aiohttp.ConnectionTimeoutError):
        return NotSentTimeout(f"No connection in time ({text})")
    if isinstance(err, TimeoutError):
        return TimedOut(f"Timed out waiting for the answer ({text})")
    if isinstance(err, aiohttp.ClientConnectorError):  # refused, DNS, TLS, proxy: before any request
        return NotSentError(text)
    if before_answer and _never_answered(err):
        return NotSentError(text)
    return NetworkError(text)


def _never_answered(err: BaseException) -> bool:
    """Whether ``err``, raised before an answer was read, says the request never got to the server."""
    if isinstance(err, aiohttp.ServerDisconnectedError):
        # Its message is text, unless the head of an answer had begun when the connection closed.
        return isinstance(err.message, str)
    # A failed write: raised as it is, or behind the error aiohttp raises for the body's writer.
    return isinstance(err, aiohttp.ClientConnectionResetError) or isinstance(
        err.__cause__, aiohttp.ClientConnectionResetError
    )


def _secret_forms(url: str) -> list[str]:
    """The forms in which the part of ``url`` before the method name (the token's part) can show."""
    path = urlsplit(url).path.rsplit("/", 1)[0]
    if path.strip("/") == "":
        return []
    forms = {path, quote(path), quote(path, safe="/:@"), quote(path, safe="")}
    return sorted(forms, key=len, reverse=True)


def _hide(text: str, url: str) -> str:
    """``text`` with the token's part of ``url`` hidden."""
    for form in _secret_forms(url):
        text = text.replace(form, _HIDDEN)
    return text


def _hidden_in(err: BaseException, url: str) -> BaseException | None:
    """``err``, with the token's part of ``url`` hidden in its text and that of its causes; None
    (nothing to chain) if some text in the chain could not be changed."""
    forms = _secret_forms(url)
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.args = tuple(_hide(a, url) if isinstance(a, str) else a for a in link.args)
        if isinstance(link, OSError) and isinstance(link.strerror, str):
            link.strerror = _hide(link.strerror, url)
        with contextlib.suppress(Exception):  # a __str__ that fails is no text that leaks
            shown = f"{link!s} {link!r}"
            if any(form in shown for form in forms):
                return None
        link = link.__cause__ or link.__context__
    return err
