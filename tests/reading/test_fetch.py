"""Fetching a linked page: what is fetched, and each refusal, as the one sentence a reader sees.

Every test talks real HTTP to the small site of tests.helpers.pages_server on 127.0.0.1, which
the fetcher refuses like any loopback address unless it is allowed (as QUOTEBOT_FETCH_ALLOW does).
"""

from __future__ import annotations

import ipaddress

import pytest

from bot.reading.errors import ReadError
from bot.reading.fetch import MAX_BYTES, MAX_REDIRECTS, TIMEOUT, USER_AGENT, Fetcher, forbidden
from tests.helpers.pages_server import PagesServer

LOCAL = [ipaddress.ip_network("127.0.0.1")]


async def refusal(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(ReadError) as refused:
        await fetcher.fetch(url)
    return str(refused.value)


async def test_a_page_is_fetched_with_a_plain_user_agent_and_no_cookies(site: PagesServer) -> None:
    page = await Fetcher(LOCAL).fetch(site.url("/cookie"))
    assert page.media_type == "text/html" and page.url.endswith("/news/hackers.html")
    assert b"Hackers attack Church of Scientology website" in page.body
    headers = [headers for _, headers in site.requests]
    assert all(h["User-Agent"] == USER_AGENT and "Quotebot" in USER_AGENT for h in headers)
    assert not any("Cookie" in h or "Authorization" in h for h in headers)  # the cookie set is not sent back


async def test_a_host_name_is_fetched_at_the_addresses_vetted(site: PagesServer) -> None:
    allow = [ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("::1")]  # localhost may have both
    page = await Fetcher(allow).fetch(site.url("/news/lanterns.html", host="localhost"))
    assert b"Lantern Festival in Taipei" in page.body
    assert site.requests[0][1]["Host"] == f"localhost:{site.port}"


async def test_the_limits_are_those_promised() -> None:
    assert (TIMEOUT, MAX_BYTES, MAX_REDIRECTS) == (10.0, 5 * 1024 * 1024, 5)


async def test_five_redirects_are_followed_and_a_sixth_is_refused(site: PagesServer) -> None:
    page = await Fetcher(LOCAL).fetch(site.url(f"/hop/{MAX_REDIRECTS - 1}"))  # 4 hops, then the page: 5
    assert page.url.endswith("/news/lanterns.html")
    assert await refusal(Fetcher(LOCAL), site.url(f"/hop/{MAX_REDIRECTS}")) == (
        "I couldn't read that page: it redirected more than 5 times."
    )


async def test_a_loopback_address_is_refused_without_the_setting(site: PagesServer) -> None:
    expected = "I couldn't read that page: it points to a private or local address, which I don't visit."
    assert await refusal(Fetcher(), site.url("/news/lanterns.html")) == expected
    assert await refusal(Fetcher(), site.url("/news/lanterns.html", host="localhost")) == expected  # resolved first
    assert await refusal(Fetcher(), site.url("/news/lanterns.html", host="[::ffff:127.0.0.1]")) == expected
    assert site.requests == []  # nothing reached the site


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private"])
async def test_a_redirect_to_a_private_address_is_refused(site: PagesServer, path: str) -> None:
    message = await refusal(Fetcher(LOCAL), site.url(path))
    assert message == "I couldn't read that page: it points to a private or local address, which I don't visit."


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("ftp://example.org/article.txt", "I only open http and https links"),
        ("file:///etc/passwd", "I only open http and https links"),
        ("javascript:alert(1)", "I only open http and https links"),
        ("http://user:secret@127.0.0.1/", "I don't open links with a user name or password in them"),
    ],
)
async def test_links_that_are_not_plain_http_are_refused(link: str, why: str) -> None:
    assert await refusal(Fetcher(LOCAL), link) == f"I couldn't read that page: {why}."


async def test_a_redirect_to_another_scheme_is_refused(site: PagesServer) -> None:
    message = await refusal(Fetcher(LOCAL), site.url("/to-ftp"))
    assert message == "I couldn't read that page: the site sent me on to a link that isn't http or https."


@pytest.mark.parametrize("path", ["/big", "/big-unannounced"])
async def test_a_page_over_5_mb_is_refused(site: PagesServer, path: str) -> None:
    assert await refusal(Fetcher(LOCAL), site.url(path)) == "I couldn't read that page: it is over 5 MB."


async def test_a_slow_page_is_given_up(site: PagesServer) -> None:
    assert await refusal(Fetcher(LOCAL, timeout=0.3), site.url("/slow")) == (
        "I couldn't read that page: it took too long."
    )


async def test_what_is_not_a_page_or_text_is_refused(site: PagesServer) -> None:
    assert await refusal(Fetcher(LOCAL), site.url("/pdf")) == (
        "I couldn't read that page: it isn't a web page or text (the site says application/pdf)."
    )


async def test_an_error_status_is_told(site: PagesServer) -> None:
    assert await refusal(Fetcher(LOCAL), site.url("/missing")) == (
        "I couldn't read that page: the site answered with an error (404)."
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254", "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    ],
)  # fmt: skip
def test_addresses_the_bot_never_visits(address: str) -> None:
    assert forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::6810:84e5"])
def test_public_addresses_are_visited(address: str) -> None:
    assert not forbidden(ipaddress.ip_address(address))


def test_the_allow_list_lets_a_listed_address_through_and_no_other() -> None:
    allow = [ipaddress.ip_network("10.0.0.0/24")]
    assert not forbidden(ipaddress.ip_address("10.0.0.7"), allow)
    assert forbidden(ipaddress.ip_address("10.0.1.7"), allow)
    assert forbidden(ipaddress.ip_address("169.254.169.254"), allow)
