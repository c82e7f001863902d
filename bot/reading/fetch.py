"""Fetching a page a reader linked, safely: the bot's server must not become the reader's proxy.

    page = await Fetcher(allow).fetch("https://example.org/news/1")   # or ReadError, one sentence

A link in a chat is untrusted input that makes the bot's host open a connection, so:

- only ``http`` and ``https``, without a user name or password in the link;
- the host is resolved first and every address is vetted: loopback, private, link-local (the
  cloud metadata service at 169.254.169.254 among them), multicast, reserved and unspecified
  addresses are refused, IPv4 inside IPv6 (mapped, 6to4, Teredo) included, unless listed in
  ``QUOTEBOT_FETCH_ALLOW``. The connection then goes to the vetted addresses and no others (the
  session's resolver only knows those), so a name that resolves differently a moment later
  (DNS rebinding) gains nothing;
- redirects are followed by hand, at most five, each target vetted the same way;
- ten seconds for everything (resolving, redirects, the body), at most 5 MB of body (after
  decompression), and only ``text/html``, ``text/plain`` or ``application/xhtml+xml``;
- no cookies, no proxy or netrc from the environment, no credentials; a plain User-Agent that
  names the bot.

Only the host is ever logged, never the full link (it may carry a reader's tokens).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot import __version__
from bot.reading.errors import page_refused

__all__ = [
    "MAX_BYTES",
    "MAX_REDIRECTS",
    "PAGE_TYPES",
    "TIMEOUT",
    "USER_AGENT",
    "Fetcher",
    "IPNetwork",
    "Page",
    "forbidden",
    "host_of",
]

log = logging.getLogger("quotebot.reading")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

TIMEOUT = 10.0  # seconds for the whole fetch, redirects included
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
PAGE_TYPES = frozenset({"text/html", "text/plain", "application/xhtml+xml"})
USER_AGENT = f"Quotebot/{__version__} (a Telegram bot reading a page one of its readers sent it)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Page:
    """What a link gave: its body (at most MAX_BYTES), media type and charset, and the final URL."""

    url: str
    body: bytes
    media_type: str
    charset: str | None


def host_of(url: str) -> str:
    """The host of ``url``, for logs (never the whole link); "?" when there is none."""
    try:
        return URL(url).host or "?"
    except ValueError:
        return "?"


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo's client), which is where it goes."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo is not None else None


def forbidden(ip: IPAddress, allow: Iterable[IPNetwork] = ()) -> bool:
    """Whether the bot must not connect to ``ip``: anything but a public unicast address, unless allowed."""
    if any(ip.version == net.version and ip in net for net in allow):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            return forbidden(inner, allow)
    # is_global is False for loopback, private, link-local (169.254.169.254 too), shared (100.64/10),
    # reserved and unspecified ranges; multicast is refused on its own, some of it being "global".
    return not ip.is_global or ip.is_multicast


class _Pinned(AbstractResolver):
    """A resolver that answers only for hosts vetted beforehand, with the addresses vetted."""

    def __init__(self) -> None:
        self.hosts: dict[str, list[ResolveResult]] = {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = self.hosts.get(host)
        if not found:
            raise OSError(f"{host} was not vetted")
        return [{**result, "port": port} for result in found]

    async def close(self) -> None:
        return None


class Fetcher:
    """Fetches pages under the rules above; ``allow`` lists networks let through despite them."""

    def __init__(
        self,
        allow: Iterable[IPNetwork] = (),
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.allow = tuple(allow)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects

    async def fetch(self, link: str) -> Page:
        """The page at ``link``, or :class:`ReadError` saying in one sentence why not."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(self._checked(link))
        except TimeoutError:
            raise page_refused("it took too long") from None
        except aiohttp.ClientError as err:
            log.info("Could not fetch a page from %s: %s", host_of(link), type(err).__name__)
            raise page_refused("the site could not be reached") from None

    def _checked(self, link: str) -> URL:
        try:
            url = URL(link.strip())
        except ValueError:
            raise page_refused("that isn't a link I understand") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise page_refused("I only open http and https links")
        if url.user is not None or url.password is not None:
            raise page_refused("I don't open links with a user name or password in them")
        return url.with_fragment(None)

    async def _fetch(self, url: URL) -> Page:
        pinned = _Pinned()
        connector = aiohttp.TCPConnector(resolver=pinned, use_dns_cache=False, limit=2)
        async with aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # no proxy and no ~/.netrc credentials from the environment
            headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/xhtml+xml, text/plain;q=0.9"},
        ) as session:
            for _ in range(self.max_redirects + 1):
                await self._vet(url, pinned)
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in _REDIRECTS:
                        url = self._next(url, response)
                        continue
                    return await self._page(url, response)
        raise page_refused(f"it redirected more than {self.max_redirects} times")

    async def _vet(self, url: URL, pinned: _Pinned) -> None:
        """Resolve ``url``'s host and pin it, or refuse it when any of its addresses is forbidden."""
        host = url.raw_host or ""
        try:
            literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            if forbidden(literal, self.allow):
                raise page_refused("it points to a private or local address, which I don't visit")
            return  # aiohttp connects to an address given as such without asking the resolver
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, url.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise page_refused("its site could not be found") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses or any(forbidden(ip, self.allow) for ip in addresses):
            raise page_refused("it points to a private or local address, which I don't visit")
        pinned.hosts[host] = [
            {"hostname": host, "host": str(info[4][0]), "port": 0, "family": info[0], "proto": info[2], "flags": 0}
            for info in infos
        ]

    def _next(self, url: URL, response: aiohttp.ClientResponse) -> URL:
        location = response.headers.get("Location")
        if not location:
            raise page_refused("the site sent me on without saying where")
        try:
            target = url.join(URL(location)).with_fragment(None)
        except ValueError:
            raise page_refused("the site sent me on to a link I don't understand") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise page_refused("the site sent me on to a link that isn't http or https")
        return target

    async def _page(self, url: URL, response: aiohttp.ClientResponse) -> Page:
        if response.status != 200:
            raise page_refused(f"the site answered with an error ({response.status})")
        if response.content_type not in PAGE_TYPES:
            raise page_refused(f"it isn't a web page or text (the site says {response.content_type})")
        too_big = page_refused(f"it is over {self.max_bytes // (1024 * 1024)} MB")
        if response.content_length is not None and response.content_length > self.max_bytes:
            raise too_big
        body = bytearray()
        while chunk := await response.content.read(_CHUNK):
            body += chunk
            if len(body) > self.max_bytes:
                raise too_big
        log.info("Fetched a page from %s (%d bytes)", url.host, len(body))
        return Page(str(url), bytes(body), response.content_type, response.charset)
