"""Health and metrics, read over HTTP while the real bot runs against the fake Bot API.

``/healthz`` answers 200 while the bot can talk to the Bot API and 503 once every request has
failed for ``QUOTEBOT_UNHEALTHY_AFTER`` seconds (set short here); ``/metrics`` counts questions,
answers, reply latency and Bot API errors. Faults come from the fake, switched on and off by a
flag its fault rules read, so each test decides when the API "fails" and when it "recovers".
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.answer import Answerer
from bot.botapi.watch import ObservedRequest, Outcome, kind_of_status
from bot.errors import UsageError
from bot.ops.health import Health, State
from bot.ops.monitor import monitor_of
from bot.ops.status_server import DEFAULT_PORT, address_of
from bot.telegram.app import build_application
from bot.telegram.serving import serve
from tests.helpers.fake_bot_api import GROUP, PRIVATE, FakeBotAPI, Fault
from tests.helpers.running import PUBLIC_URL, SECRET, free_port, make_settings, running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to

UNHEALTHY_AFTER = 0.5  # seconds of failing requests before /healthz says 503
DECLINED = "What is the price of bitcoin?"  # the article does not say


# Reading the endpoints --------------------------------------------------------------------


async def get(url: str) -> tuple[int, str, str]:
    """GET ``url``: status, content type and body."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def health(base: str) -> tuple[int, dict[str, Any]]:
    status, content_type, body = await get(f"{base}/healthz")
    assert content_type == "application/json"
    return status, json.loads(body)


class Samples(dict[str, float]):
    """The samples of one ``/metrics`` read, by name and labels."""

    def __call__(self, name: str, **labels: str) -> float:
        key = name + json.dumps(labels, sort_keys=True)
        return self.get(key, 0.0)


async def metrics(base: str) -> Samples:
    """``/metrics`` read and parsed by prometheus_client's own parser."""
    status, content_type, body = await get(f"{base}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = Samples()
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[sample.name + json.dumps(sample.labels, sort_keys=True)] = sample.value
    return samples


async def eventually(probe: Callable[[], Awaitable[Any]], accept: Callable[[Any], bool], timeout: float = 15) -> Any:
    """``await probe()`` again and again until ``accept`` takes its result; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if accept(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not as expected after {timeout} s: {result}")
        await asyncio.sleep(0.05)


class Switch:
    """A fault rule's ``when``: faults while on, none while off."""

    def __init__(self) -> None:
        self.on = False

    def __call__(self, params: dict[str, Any]) -> bool:
        return self.on


FOREVER = 1_000_000  # a fault rule's ``times``: as long as its switch is on


@pytest.fixture
async def ops(fake: FakeBotAPI, answerer: Answerer) -> AsyncIterator[str]:
    """The bot long polling the fake with health and metrics on; their base URL."""
    port = free_port()
    settings = make_settings(fake, metrics_port=port, unhealthy_after=UNHEALTHY_AFTER)
    async with running(settings, answerer):
        yield f"http://127.0.0.1:{port}"


# Where the endpoints are -------------------------------------------------------------------


def test_endpoints_are_off_by_default_in_polling_and_on_in_webhook_mode() -> None:
    assert address_of(make_settings()) is None
    webhook = {"webhook_url": PUBLIC_URL, "webhook_secret": SECRET}
    assert address_of(make_settings(**webhook)) == ("127.0.0.1", DEFAULT_PORT)
    assert address_of(make_settings(metrics_port=0, **webhook)) is None  # 0: off
    assert address_of(make_settings(metrics_port=9100, metrics_listen="0.0.0.0")) == ("0.0.0.0", 9100)


async def test_a_polling_bot_opens_no_port_by_default(fake: FakeBotAPI, answerer: Answerer) -> None:
    settings = make_settings(fake)
    async with running(settings, answerer) as app:
        assert monitor_of(app, settings).server.port == 0


async def test_a_taken_port_is_reported_before_anything_starts(fake: FakeBotAPI, answerer: Answerer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = make_settings(fake, metrics_port=taken.getsockname()[1])
        with pytest.raises(UsageError, match="QUOTEBOT_METRICS_PORT"):
            await serve(build_application(settings, answerer), settings, asyncio.Event())
    assert not fake.calls  # Telegram was never contacted


# /healthz ----------------------------------------------------------------------------------


async def test_healthz_is_ok_while_polling_works(fake: FakeBotAPI, ops: str) -> None:
    status, body = await health(ops)
    assert status == 200
    assert body["status"] == "ok"
    assert body["last_api_success_seconds_ago"] is not None
    async with aiohttp.ClientSession() as session, session.head(f"{ops}/healthz") as response:
        assert response.status == 200
    assert (await get(f"{ops}/nothing-here"))[0] == 404


@pytest.mark.parametrize("fault", [Fault.bad_gateway(), Fault.server_error(500)], ids=["502-proxy", "500"])
async def test_healthz_is_503_while_the_bot_api_fails_and_200_after_it_recovers(
    fake: FakeBotAPI, ops: str, fault: Fault
) -> None:
    failing = Switch()
    fake.inject("getUpdates", fault, times=FOREVER, when=failing)
    failing.on = True
    fake.push_text(GROUP, "Nice weather today")  # ends the long poll under way; the next one fails
    _, body = await eventually(lambda: health(ops), lambda r: r[0] == 503)
    assert body["status"] == "unhealthy"
    assert "server_error on getUpdates" in body["reason"]

    failing.on = False
    _, body = await eventually(lambda: health(ops), lambda r: r[0] == 200)
    assert (body["status"], body["reason"]) == ("ok", "")
    samples = await metrics(ops)
    assert samples("quotebot_bot_api_errors_total", kind="server_error", method="getUpdates") >= 1
    # And the bot answers again.
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    assert reply.text.startswith(ANSWER)


async def test_healthz_is_503_while_starting_against_an_unreachable_bot_api(answerer: Answerer) -> None:
    with socket.socket() as closed:  # a port nobody listens on: connections are refused
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/bot"
    port = free_port()
    settings = make_settings(api_base_url=nowhere, metrics_port=port, unhealthy_after=UNHEALTHY_AFTER)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(build_application(settings, answerer), settings, stop))
    try:
        base = f"http://127.0.0.1:{port}"

        async def probe() -> tuple[int, dict[str, Any]] | None:
            try:
                return await health(base)
            except aiohttp.ClientConnectionError:  # not listening yet
                return None

        status, body = await eventually(probe, lambda r: r is not None and "network on getMe" in r[1]["reason"])
        assert status == 503
        assert body["status"] == "starting"
        assert body["last_api_success_seconds_ago"] is None
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_refusals_of_single_requests_leave_the_bot_healthy(fake: FakeBotAPI, ops: str) -> None:
    fake.inject("sendMessage", Fault.error(403, "Forbidden: bot was blocked by the user"))
    fake.push_text(PRIVATE, QUESTION)
    await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 403)
    samples = await eventually(
        lambda: metrics(ops), lambda s: s("quotebot_bot_api_errors_total", kind="forbidden", method="sendMessage")
    )
    assert samples("quotebot_bot_api_errors_total", kind="forbidden", method="sendMessage") == 1
    assert (await health(ops))[0] == 200  # Telegram answered: the API works, that user does not want us


# /metrics ----------------------------------------------------------------------------------

ON_TOPIC_NOT_ANSWERED = "hey whos the documentary maker who talked to them"  # the closest lines, hedged


async def test_metrics_count_questions_answers_and_reply_latency(fake: FakeBotAPI, ops: str) -> None:
    before = await metrics(ops)
    assert before("quotebot_questions_total", chat_type="private") == 0  # every series there from the start
    assert before("quotebot_answers_total", outcome="declined") == 0
    assert before("quotebot_answers_total", outcome="closest") == 0
    assert before("quotebot_build_info", version="0.1.0") == 1

    await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, DECLINED))
    await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {QUESTION}"))
    await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {ON_TOPIC_NOT_ANSWERED}"))
    await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/help"))  # a command is not a question

    after = await eventually(lambda: metrics(ops), lambda s: s("quotebot_reply_latency_seconds_count") == 4)
    assert after("quotebot_questions_total", chat_type="private") == 2
    assert after("quotebot_questions_total", chat_type="group") == 2
    assert after("quotebot_answers_total", outcome="answered") == 2
    assert after("quotebot_answers_total", outcome="closest") == 1
    assert after("quotebot_answers_total", outcome="declined") == 1
    assert 0 < after("quotebot_reply_latency_seconds_sum") < 30
    assert after("quotebot_reply_latency_seconds_bucket", le="+Inf") == 4
    assert after("quotebot_bot_api_last_success_timestamp_seconds") > time.time() - 60


async def test_metrics_count_bot_api_errors_by_kind(fake: FakeBotAPI, ops: str) -> None:
    fake.inject("sendMessage", Fault.retry_after(1))  # a flood wait, then the retry goes through
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    assert reply.text.startswith(ANSWER)
    fake.inject("sendMessage", Fault.server_error(502))  # a failed try, sent again after a pause
    await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {QUESTION}"))
    fake.inject("sendMessage", Fault.error(403, "Forbidden: bot was kicked from the group chat"))
    fake.push_text(GROUP, f"{ASK} {QUESTION}")  # a refusal: this reply is lost, the bot carries on
    await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 403)

    def counted(samples: Samples) -> bool:
        return samples("quotebot_bot_api_errors_total", kind="forbidden", method="sendMessage") == 1

    samples = await eventually(lambda: metrics(ops), counted)
    assert samples("quotebot_bot_api_errors_total", kind="retry_after", method="sendMessage") == 1
    assert samples("quotebot_bot_api_errors_total", kind="server_error", method="sendMessage") == 1
    assert samples("quotebot_questions_total", chat_type="group") == 2
    assert samples("quotebot_answers_total", outcome="answered") == 2  # only the replies that went out


async def test_metrics_in_the_openmetrics_format_when_asked(ops: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{ops}/metrics", headers={"Accept": "application/openmetrics-text"}) as response,
    ):
        assert response.headers["Content-Type"].startswith("application/openmetrics-text")
        assert (await response.text()).endswith("# EOF\n")


# Webhook mode ------------------------------------------------------------------------------


@pytest.fixture
async def webhook_ops(fake: FakeBotAPI, answerer: Answerer) -> AsyncIterator[str]:
    """The bot in webhook mode, health and metrics on a port of their own; their base URL."""
    port = free_port()
    settings = make_settings(
        fake,
        webhook_url=PUBLIC_URL,
        webhook_secret=SECRET,
        listen="127.0.0.1",
        port=free_port(),
        metrics_port=port,
        unhealthy_after=UNHEALTHY_AFTER,
    )
    async with running(settings, answerer):
        yield f"http://127.0.0.1:{port}"


async def test_webhook_mode_health_follows_the_bot_api(fake: FakeBotAPI, webhook_ops: str) -> None:
    await fake.wait_called("getWebhookInfo")  # nobody writes, yet the monitor keeps asking
    assert (await health(webhook_ops))[0] == 200
    failing = Switch()
    fake.inject("getWebhookInfo", Fault.server_error(503), times=FOREVER, when=failing)
    failing.on = True
    _, body = await eventually(lambda: health(webhook_ops), lambda r: r[0] == 503)
    assert "server_error on getWebhookInfo" in body["reason"]
    failing.on = False
    await eventually(lambda: health(webhook_ops), lambda r: r[0] == 200)


async def test_webhook_mode_reports_a_webhook_pointed_elsewhere_and_delivery_errors(
    fake: FakeBotAPI, webhook_ops: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "quotebot.monitor")
    moved = Switch()
    info = {
        "url": "https://elsewhere.example/hook/secret-path",
        "has_custom_certificate": False,
        "pending_update_count": 7,
        "last_error_date": int(time.time()) + 1,
        "last_error_message": "Connection refused",
    }
    fake.inject("getWebhookInfo", Fault(body={"ok": True, "result": info}), times=FOREVER, when=moved)
    moved.on = True
    _, body = await eventually(lambda: health(webhook_ops), lambda r: r[0] == 503)
    assert body["reason"] == "Telegram sends the updates to another webhook (elsewhere.example)"
    assert "secret-path" not in body["reason"]
    assert (await metrics(webhook_ops))("quotebot_webhook_pending_updates") == 7
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("could not deliver updates to the webhook: Connection refused (7 waiting)" in w for w in warnings)

    moved.on = False  # someone set it back
    await eventually(lambda: health(webhook_ops), lambda r: r[0] == 200)


# The request watch on its own --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [(200, None), (400, "bad_request"), (401, "unauthorized"), (403, "forbidden"), (404, "unauthorized"),
     (409, "conflict"), (429, "retry_after"), (413, "other"), (500, "server_error"), (502, "server_error")],
)  # fmt: skip
def test_http_statuses_are_sorted_into_kinds(status: int, kind: str | None) -> None:
    assert kind_of_status(status) == kind
    assert Outcome("sendMessage", kind).api_works == (kind in (None, "bad_request", "forbidden", "retry_after"))


async def test_timeouts_and_refused_connections_are_their_own_kinds(fake: FakeBotAPI) -> None:
    seen: list[Outcome] = []
    request = ObservedRequest(seen.append, read_timeout=0.1)
    await request.initialize()
    try:
        fake.inject("getMe", Fault.slow(0.5))
        with pytest.raises(Exception, match="Timed out"):
            await request.post(f"{fake.base_url}{fake.token}/getMe")
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/bot{fake.token}/getMe"
        with pytest.raises(Exception, match="ClientConnectorError"):
            await request.post(nowhere)
    finally:
        await request.shutdown()
    assert seen == [Outcome("getMe", "timeout"), Outcome("getMe", "network")]


# The health rules on their own ------------------------------------------------------------


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_health_rules() -> None:
    clock = Clock()
    health = Health(unhealthy_after=60, clock=clock)
    assert health.report().status == "starting"
    health.state = State.SERVING
    health.record(Outcome("getUpdates"))
    assert health.report().healthy

    clock.now += 10
    health.record(Outcome("getUpdates", "network"))
    clock.now += 59  # failing for 59 s: a blip, still healthy, but said
    report = health.report()
    assert report.healthy
    assert report.reason == "the Bot API has been failing for 59 s (last: network on getUpdates)"
    health.record(Outcome("sendMessage", "retry_after"))  # a refusal: the API is up after all
    clock.now += 60
    assert health.report().healthy

    health.record(Outcome("getUpdates", "timeout"))
    clock.now += 30
    health.record(Outcome("getUpdates", "server_error"))
    clock.now += 30  # 60 s since the first of these failures
    report = health.report()
    assert (report.healthy, report.status) == (False, "unhealthy")
    assert report.reason == "the Bot API has been failing for 60 s (last: server_error on getUpdates)"
    assert report.body()["last_api_success_seconds_ago"] == 120.0

    health.record(Outcome("getUpdates"))
    assert health.report().healthy
    health.webhook_target("elsewhere.example")
    assert not health.report().healthy
    health.webhook_target(None)
    health.state = State.STOPPING
    assert health.report().status == "stopping"


# The question log line -----------------------------------------------------------------------


async def test_each_question_is_logged_once_at_info_and_not_below_it(
    fake: FakeBotAPI, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(make_settings(fake), answerer):
        caplog.set_level(logging.INFO, logger="quotebot.questions")
        await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {QUESTION}"))
        await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, DECLINED))

        async def lines() -> list[logging.LogRecord]:
            return [r for r in caplog.records if r.name == "quotebot.questions"]

        await eventually(lines, lambda found: len(found) == 2)  # logged once its reply went out
        caplog.set_level(logging.WARNING, logger="quotebot.questions")
        await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
        await asyncio.sleep(0.2)  # time to log it, were INFO on
    logged = await lines()
    assert [(r.chat_type, r.outcome, r.edited, r.parts) for r in logged] == [  # type: ignore[attr-defined]
        ("group", "answered", False, 1),
        ("private", "declined", False, 1),
    ]
    assert logged[0].getMessage().startswith(f"New question in group chat {GROUP.id}: answered, ")
    assert all(QUESTION not in r.getMessage() and DECLINED not in r.getMessage() for r in logged)  # never the text
