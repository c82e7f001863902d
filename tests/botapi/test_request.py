"""bot/aiohttp_request.py on its own, against small servers on 127.0.0.1: what it sends, what it
returns, and what each way of failing raises (and whether it says the request never got there),
never with the token in an error's text."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter  # how PTB builds a call's data

from bot.botapi.request import AiohttpRequest, NotSent, NotSentError, NotSentTimeout
from bot.botapi.retry import Failure, failure_of
from tests.helpers.running import TOKEN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    """An HTTP server on a free loopback port answering every path with ``handler``; yields its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def raw_server(answer: bytes) -> AsyncIterator[str]:
    """A TCP server that reads a request, writes ``answer`` as it is, and closes the connection."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )
        await reader.readexactly(length)
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def opened(request: AiohttpRequest) -> AsyncIterator[AiohttpRequest]:
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def form(**parameters: str | int) -> RequestData:
    """Request data as PTB builds it for a call with these parameters."""
    return RequestData([RequestParameter.from_input(name, value) for name, value in parameters.items()])


def assert_no_token(error: BaseException) -> None:
    """Neither the error's text nor its whole traceback, causes included, shows the token."""
    shown = "".join(traceback.format_exception(error))
    for form_ in (TOKEN, quote(TOKEN, safe=""), TOKEN.split(":", 1)[1]):
        assert form_ not in shown, shown


async def echo(request: web.Request) -> web.Response:
    """Answers with what it got: method, path, headers that matter, the parameters (JSON or form)."""
    posted = await request.json() if request.content_type == "application/json" else await request.post()
    body = {
        "method": request.method,
        "path": request.path,
        "content_type": request.content_type,
        "user_agent": request.headers.get("User-Agent"),
        "host": request.host,  # the server the request named: another than this one when proxied
        "authorization": request.headers.get("Authorization"),
        "proxy_authorization": request.headers.get("Proxy-Authorization"),
        "parameters": dict(posted.items()),
    }
    return web.json_response(body, status=int(str(posted.get("status", 200))))


async def test_status_and_body_come_back_and_parameters_go_as_json() -> None:
    async with serving(echo) as base, opened(AiohttpRequest()) as request:
        status, payload = await request.do_request(f"{base}{TOKEN}/sendMessage", "POST", form(chat_id=5, text="hé"))
        assert status == 200
        got = json.loads(payload)
        assert got["path"] == f"/bot{TOKEN}/sendMessage"
        assert got["content_type"] == "application/json"
        assert got["user_agent"] == BaseRequest.USER_AGENT
        assert got["parameters"] == {"chat_id": 5, "text": "hé"}

        status, payload = await request.do_request(f"{base}{TOKEN}/sendMessage", "POST", form(status=502))
        assert status == 502  # a refusal or failure is an answer: returned, not raised
        status, _ = await request.do_request(f"{base}{TOKEN}/getMe", "POST")
        assert status == 200


async def test_a_bot_posts_files_as_multipart() -> None:
    received: dict[str, str] = {}
    me = {"id": 1, "is_bot": True, "first_name": "Quotebot", "username": "quotebot"}
    message = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}}

    async def api(request: web.Request) -> web.Response:
        method = request.path.rsplit("/", 1)[-1]
        if method == "sendDocument":
            received["content_type"] = request.content_type
            async for part in await request.multipart():
                received[str(part.name)] = (await part.read()).decode()  # type: ignore[union-attr]
            return web.json_response({"ok": True, "result": message})
        return web.json_response({"ok": True, "result": me})

    requests = {"request": AiohttpRequest(), "get_updates_request": AiohttpRequest()}
    async with serving(api) as base, Bot(TOKEN, base_url=base, **requests) as bot:
        sent = await bot.send_document(5, document=b"the article", filename="a.txt", caption="here")
    assert sent.message_id == 7
    assert received["content_type"] == "multipart/form-data"
    assert received["document"] == "the article"
    assert received["chat_id"] == "5" and received["caption"] == "here"


async def test_timeouts_given_to_a_call_replace_the_defaults() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return web.json_response({"ok": True, "result": True})

    async with serving(slow) as base:
        async with opened(AiohttpRequest(read_timeout=0.05)) as request:
            assert request.read_timeout == 0.05
            status, _ = await request.do_request(f"{base}{TOKEN}/getMe", "POST", read_timeout=2)
            assert status == 200
        async with opened(AiohttpRequest(read_timeout=5)) as request:
            started = time.monotonic()
            with pytest.raises(TimedOut) as raised:
                await request.do_request(f"{base}{TOKEN}/getMe", "POST", read_timeout=0.05)
            assert time.monotonic() - started < 0.25
    # No answer in time: Telegram may have acted.
    assert not isinstance(raised.value, NotSent)
    assert failure_of(raised.value) is Failure.UNCERTAIN
    assert_no_token(raised.value)


async def test_a_refused_connection_is_a_network_error_that_was_not_sent() -> None:
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/bot{TOKEN}/sendMessage"
        async with opened(AiohttpRequest()) as request:
            with pytest.raises(NetworkError) as raised:
                await request.do_request(url, "POST", form(chat_id=5, text="hi"))
    assert isinstance(raised.value, NotSentError) and not isinstance(raised.value, TimedOut)
    assert "ClientConnectorError" in str(raised.value)
    assert failure_of(raised.value) is Failure.NOT_SENT
    assert_no_token(raised.value)


async def test_a_connection_closed_before_any_answer_was_not_sent() -> None:
    async with raw_server(b"") as base, opened(AiohttpRequest()) as request:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"{base}{TOKEN}/sendMessage", "POST", form(chat_id=5, text="hi"))
    assert isinstance(raised.value, NotSentError)
    assert failure_of(raised.value) is Failure.NOT_SENT
    assert_no_token(raised.value)


async def test_a_kept_alive_connection_the_server_dropped_was_not_sent() -> None:
    calls = 0

    async def drops_the_second(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls == 2:
            assert request.transport is not None
            request.transport.close()
        return web.json_response({"ok": True, "result": True})

    async with serving(drops_the_second) as base, opened(AiohttpRequest(connection_pool_size=1)) as request:
        await request.do_request(f"{base}{TOKEN}/getMe", "POST")
        with pytest.raises(NotSentError) as raised:
            await request.do_request(f"{base}{TOKEN}/sendMessage", "POST", form(chat_id=5, text="hi"))
        status, _ = await request.do_request(f"{base}{TOKEN}/getMe", "POST")  # a new connection
    assert status == 200
    assert_no_token(raised.value)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"ok": true, ',  # the body cut short
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n",  # the head
    ],
)
async def test_a_connection_closed_in_the_middle_of_an_answer_may_have_been_carried_out(answer: bytes) -> None:
    async with raw_server(answer) as base, opened(AiohttpRequest()) as request:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"{base}{TOKEN}/sendMessage", "POST", form(chat_id=5, text="hi"))
    assert not isinstance(raised.value, NotSent)
    assert failure_of(raised.value) is Failure.UNCERTAIN
    assert_no_token(raised.value)


async def test_waiting_for_a_free_connection_times_out_only_when_told_and_was_not_sent() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.4)
        return web.json_response({"ok": True, "result": True})

    async with serving(slow) as base, opened(AiohttpRequest(connection_pool_size=1)) as request:
        url = f"{base}{TOKEN}/getMe"
        first = asyncio.create_task(request.do_request(url, "POST"))
        await asyncio.sleep(0.05)  # the only connection is taken
        with pytest.raises(TimedOut) as raised:  # aiohttp bounds the wait and connecting together
            await request.do_request(url, "POST", pool_timeout=0.05, connect_timeout=0.05)
        # By default a request waits for its turn (as long as it takes).
        second = await request.do_request(url, "POST")
        assert (await first)[0] == second[0] == 200
    assert isinstance(raised.value, NotSentTimeout)
    assert failure_of(raised.value) is Failure.NOT_SENT
    assert "[path hidden]" in str(raised.value)  # aiohttp's text quotes the URL: its path is hidden
    assert_no_token(raised.value)


async def test_it_works_only_while_initialized_and_can_be_initialized_again() -> None:
    request = AiohttpRequest()
    async with serving(echo) as base:
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(f"{base}{TOKEN}/getMe", "POST")
        for _ in range(2):
            await request.initialize()
            await request.initialize()  # twice is once
            assert (await request.do_request(f"{base}{TOKEN}/getMe", "POST"))[0] == 200
            await request.shutdown()
            await request.shutdown()
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(f"{base}{TOKEN}/getMe", "POST")


async def test_a_proxy_from_the_environment_carries_the_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # The echo server plays the proxy: a request for a server that does not exist reaches it,
    # naming that server, as HTTP_PROXY says; with NO_PROXY naming that server, it goes direct.
    async with serving(echo) as base:
        monkeypatch.setenv("HTTP_PROXY", base.replace("http://", "http://quote:bot@").removesuffix("/bot"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with opened(AiohttpRequest()) as request:
            for _ in range(2):  # the route is looked up once and kept: the second goes the same way
                status, payload = await request.do_request(f"http://telegram.invalid/bot{TOKEN}/getMe", "POST")
                assert status == 200
                got = json.loads(payload)
                assert got["host"] == "telegram.invalid"
                assert got["proxy_authorization"] == "Basic " + base64.b64encode(b"quote:bot").decode()
        monkeypatch.setenv("NO_PROXY", "telegram.invalid")
        async with opened(AiohttpRequest()) as request:
            with pytest.raises(NotSentError):  # straight to a server that does not exist
                await request.do_request(f"http://telegram.invalid/bot{TOKEN}/getMe", "POST")


async def test_credentials_in_netrc_are_sent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login quote password bot\n", encoding="ascii")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    async with serving(echo) as base, opened(AiohttpRequest()) as request:
        _, payload = await request.do_request(f"{base}{TOKEN}/getMe", "POST")
    assert json.loads(payload)["authorization"] == "Basic " + base64.b64encode(b"quote:bot").decode()


def test_a_pool_needs_a_connection() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AiohttpRequest(connection_pool_size=0)
