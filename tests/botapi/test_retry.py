"""bot/retry.py on its own: which failures are tried again, the pauses, the turns taken while the
API is down, and giving up in time (against the fake Bot API, over real HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from aiohttp.http import HttpVersion11, RawResponseMessage
from multidict import CIMultiDict, CIMultiDictProxy
from telegram import Bot
from telegram.error import NetworkError

from bot.botapi.request import ptb_error
from bot.botapi.retry import Backoff, Failure, Outage, RetryingRequest, Unconfirmed, failure_of, repeatable
from bot.botapi.watch import ObservedRequest
from tests.helpers.fake_bot_api import PRIVATE, FakeBotAPI, Fault
from tests.helpers.running import TOKEN

URL = f"https://api.telegram.org/bot{TOKEN}/sendMessage"


def waiting(error: BaseException) -> Exception:
    """What the transport raises for aiohttp's ``error`` while waiting for the answer."""
    return ptb_error(error, URL, before_answer=True)


def reading(error: BaseException) -> Exception:
    """What the transport raises for aiohttp's ``error`` while reading an answer that has begun."""
    return ptb_error(error, URL, before_answer=False)


KEY = ConnectionKey("api.telegram.org", 443, True, True, None, None, None)  # what a connection is made for


def written_to_a_closed_connection() -> aiohttp.ClientOSError:
    """What aiohttp's body writer raises when the connection was closing (the write's error its cause)."""
    error = aiohttp.ClientOSError(None, f"Can not write request body for {URL}")
    error.__cause__ = aiohttp.ClientConnectionResetError("Cannot write to closing transport")
    return error


def head_begun() -> aiohttp.http.RawResponseMessage:
    """The head of an answer, as aiohttp read it before the connection closed."""
    headers = CIMultiDictProxy(CIMultiDict({"Content-Length": "100"}))
    return RawResponseMessage(HttpVersion11, 200, "OK", headers, (), False, None, False, False)


@pytest.mark.parametrize(
    ("outcome", "failure"),
    [
        ((200, b'{"ok": true, "result": true}'), None),
        ((400, b'{"ok": false, "error_code": 400}'), None),  # a refusal: nothing to try again
        ((429, b'{"ok": false, "parameters": {"retry_after": 3}}'), None),  # bot.botapi.flood's to wait out
        ((500, b"{}"), Failure.NOT_SENT),
        ((502, b"<html>Bad Gateway</html>"), Failure.NOT_SENT),
        ((503, b""), Failure.NOT_SENT),
        ((504, b"<html>Gateway Timeout</html>"), Failure.UNCERTAIN),
        ((200, b'{"ok": true, "result": {"message_id": '), Failure.UNREADABLE),
        (waiting(aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "Connection refused"))),
         Failure.NOT_SENT),
        (waiting(aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "Name or service not known"))),
         Failure.NOT_SENT),
        (waiting(aiohttp.ConnectionTimeoutError(f"Connection timeout to host {URL}")),  # connect or pool
         Failure.NOT_SENT),
        (waiting(aiohttp.ServerDisconnectedError()), Failure.NOT_SENT),
        (waiting(aiohttp.ClientConnectionResetError("Cannot write to closing transport")), Failure.NOT_SENT),
        (waiting(written_to_a_closed_connection()), Failure.NOT_SENT),
        (waiting(aiohttp.ServerDisconnectedError(head_begun())), Failure.UNCERTAIN),
        (reading(aiohttp.ServerDisconnectedError()), Failure.UNCERTAIN),
        (reading(aiohttp.ClientPayloadError("Response payload is not completed")), Failure.UNCERTAIN),
        (waiting(aiohttp.SocketTimeoutError("Timeout on reading data from socket")), Failure.UNCERTAIN),
        (reading(aiohttp.SocketTimeoutError("Timeout on reading data from socket")), Failure.UNCERTAIN),
        (waiting(aiohttp.ClientOSError(104, "Connection reset by peer")), Failure.UNCERTAIN),
        (waiting(aiohttp.ClientConnectionError("Connection closed")), Failure.UNCERTAIN),
    ],
)  # fmt: skip
def test_failures_are_sorted_by_whether_telegram_can_have_acted(
    outcome: Exception | tuple[int, bytes], failure: Failure | None
) -> None:
    assert failure_of(outcome) is failure


def test_only_posts_are_not_repeatable() -> None:
    assert not any(repeatable(m) for m in ["sendMessage", "sendChatAction", "copyMessage", "forwardMessages"])
    assert all(repeatable(m) for m in ["getUpdates", "editMessageText", "answerCallbackQuery", "deleteMessage"])


def test_pauses_double_up_to_the_cap() -> None:
    assert [Backoff().pause(n) for n in range(1, 7)] == [0.5, 1, 2, 4, 5, 5]


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_while_down_one_request_goes_per_pause_and_a_batch_fails_as_one() -> None:
    clock = Clock()
    outage = Outage("replies", Backoff(), clock)
    assert not outage.down and outage.next_turn() == float("-inf")
    for _ in range(3):  # three requests out together when the API went down
        outage.failed("HTTP 502 on sendMessage", sent=clock.now - 0.1)
    assert outage.down and outage.next_turn() == 50.5  # one failed turn, not three
    clock.now = 50.5
    outage.take_turn()  # a probe goes; the next one waits a pause more
    assert outage.next_turn() == 51.0
    outage.failed("HTTP 502 on sendMessage", sent=50.5)
    assert outage.next_turn() == 51.5  # the second failed turn: a pause of 1 s
    outage.worked()
    assert not outage.down and outage.up.is_set()
    outage.failed("ReadTimeout on getMe", sent=50.0)  # sent long ago, failing now: down all the same
    assert outage.down and not outage.up.is_set()


@contextlib.asynccontextmanager
async def bot_with_retries(fake: FakeBotAPI, retry_for: float = 30) -> AsyncIterator[tuple[Bot, RetryingRequest]]:
    """A plain Bot whose calls go through a RetryingRequest, with a short read timeout."""
    retrying = RetryingRequest(ObservedRequest(lambda outcome: None, read_timeout=0.3), retry_for, "test")
    async with Bot(TOKEN, base_url=fake.base_url, request=retrying) as bot:
        yield bot, retrying


async def test_a_post_is_sent_again_after_a_failure_telegram_did_not_act_on(fake: FakeBotAPI) -> None:
    fake.message(PRIVATE, "hello")
    fake.inject("sendMessage", Fault.bad_gateway())
    async with bot_with_retries(fake) as (bot, _):
        sent = await bot.send_message(PRIVATE.id, "hi")
    assert sent.text == "hi"
    assert [c.status for c in fake.calls_to("sendMessage")] == [502, 200]


async def test_a_post_telegram_may_have_sent_is_not_sent_again(fake: FakeBotAPI) -> None:
    fake.message(PRIVATE, "hello")
    fake.inject("sendMessage", Fault.slow(1.0))
    async with bot_with_retries(fake) as (bot, _):
        with pytest.raises(Unconfirmed, match="may have sent it"):
            await bot.send_message(PRIVATE.id, "hi")
        await fake.wait_called("sendMessage")
    assert len(fake.calls_to("sendMessage")) == 1


async def test_a_stopping_bot_gives_up_by_its_deadline(fake: FakeBotAPI) -> None:
    async with bot_with_retries(fake) as (bot, retrying):
        outage = fake.outage(Fault.server_error(503))
        started = time.monotonic()
        trying = asyncio.create_task(bot.get_webhook_info())
        await fake.wait_called("getWebhookInfo")
        retrying.stop_by(time.monotonic() + 0.2)
        with pytest.raises(NetworkError):
            await asyncio.wait_for(trying, 5)
        outage.end()
    assert time.monotonic() - started < 1.5  # not the 30 s it would keep trying otherwise
