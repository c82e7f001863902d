"""``quotebot run`` as a real process against the fake Bot API: it answers, stops cleanly, and
keeps the token out of everything it prints."""

from __future__ import annotations

import io
import logging
import signal
import socket
from pathlib import Path

import pytest

from bot.ops.redact import REDACTED, Redactor
from tests.helpers.articles import long_article
from tests.helpers.fake_bot_api import PRIVATE, FakeBotAPI, Fault
from tests.helpers.quotebot_process import finish, printed, quotebot_running, start_quotebot, stop
from tests.helpers.running import PUBLIC_URL, SECRET, TOKEN
from tests.helpers.telegram_helpers import ANSWER, QUESTION, answer_to

LONG_QUESTION = "When was the convoy captured near the river crossing?"


async def test_run_answers_finishes_replies_in_flight_on_sigterm_and_never_shows_the_token(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    article = tmp_path / "long.txt"
    article.write_text(long_article(), encoding="utf-8")
    fake.inject("getMe", Fault.bad_gateway())  # a failing request, retried
    fake.inject("sendMessage", Fault.slow(1.0))  # the answer's first part is still in flight...
    async with quotebot_running(
        fake,
        tmp_path,
        QUOTEBOT_SEEDS=str(article),
        QUOTEBOT_LOG_LEVEL="DEBUG",  # the most verbose a user can ask for
        QUOTEBOT_HTTP_LOG_LEVEL="DEBUG",
    ) as process:
        await fake.wait_called("getUpdates", timeout=30, finished=False)  # polling
        question = fake.push_text(PRIVATE, LONG_QUESTION)
        await fake.wait_for(lambda c: c.method == "sendMessage", finished=False)
        code, output = await stop(process)  # ...when the bot is told to stop
    assert code == 0, output
    parts = fake.sent(PRIVATE)
    assert len(parts) == 3  # all of the answer went out
    assert parts[0].params["reply_parameters"]["message_id"] == question["message_id"]
    assert not fake.pending_updates  # and the question was confirmed, so not asked again on restart
    assert TOKEN not in output
    assert f"/bot{REDACTED}/getMe" in output  # the request lines were logged, redacted
    assert "Bad Gateway" in output  # so was the failure


async def test_run_stops_on_ctrl_c_with_exit_code_0(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with quotebot_running(fake, tmp_path) as process:
        await fake.wait_called("getUpdates", timeout=30, finished=False)  # polling
        question = fake.push_text(PRIVATE, QUESTION)
        reply = await answer_to(fake, PRIVATE, question)
        assert reply.text.startswith(ANSWER)
        code, output = await stop(process, signal.SIGINT)
    assert code == 0, output
    assert "Traceback" not in output
    assert TOKEN not in output


async def test_run_says_at_once_when_the_api_cannot_be_reached_and_stops_cleanly(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    fake.outage(Fault.dropped())  # every call: the connection closes without an answer
    async with quotebot_running(fake, tmp_path) as process:
        first = await printed(process, "Cannot reach the Bot API")
        code, rest = await stop(process)
    assert f"Cannot reach the Bot API at http://127.0.0.1:{fake.port} (" in first
    assert "trying again until it answers" in first
    assert code == 0, first + rest
    assert "Unclosed" not in rest and "Traceback" not in rest and TOKEN not in first + rest


@pytest.mark.slow
async def test_run_says_every_10_s_that_the_api_is_unreachable_then_starts_when_it_answers(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    outage = fake.outage(Fault.dropped())
    async with quotebot_running(fake, tmp_path) as process:
        first = await printed(process, "Cannot reach the Bot API")
        later = await printed(process, "Still cannot reach the Bot API", timeout=20)
        outage.end()
        await fake.wait_called("getUpdates", timeout=60, finished=False)  # polling
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
        code, rest = await stop(process)
    assert reply.text.startswith(ANSWER)
    assert f"Still cannot reach the Bot API at http://127.0.0.1:{fake.port} after 10 s" in later
    assert "Quotebot is running" in rest
    assert code == 0 and "Unclosed" not in first + later + rest


async def test_run_with_the_webhook_port_taken_says_so_in_one_line(fake: FakeBotAPI, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = await start_quotebot(
            fake,
            tmp_path,
            QUOTEBOT_WEBHOOK_URL=PUBLIC_URL,
            QUOTEBOT_WEBHOOK_SECRET=SECRET,
            QUOTEBOT_LISTEN="127.0.0.1",
            QUOTEBOT_PORT=str(port),
            QUOTEBOT_METRICS_PORT="0",
            QUOTEBOT_LOG_LEVEL="WARNING",
        )
        code, output = await finish(process, timeout=30)
    assert code == 2, output
    assert output.startswith(f"quotebot: error: cannot listen on 127.0.0.1:{port} for the webhook (")
    assert "set QUOTEBOT_LISTEN and QUOTEBOT_PORT to a free address and port" in output
    assert len(output.splitlines()) == 1 and "Traceback" not in output and "Unclosed" not in output


async def test_rejected_token_is_reported_without_showing_it(fake: FakeBotAPI, tmp_path: Path) -> None:
    wrong = "6000000000:AAE-revoked_token_Lk3Jh2Gf1Qw8Er5Ty"  # well shaped, but refused
    process = await start_quotebot(fake, tmp_path, token=wrong, QUOTEBOT_LOG_LEVEL="DEBUG")
    code, output = await finish(process, timeout=30)
    assert code == 2
    assert "rejected TELEGRAM_BOT_TOKEN" in output
    assert wrong not in output
    assert "Unclosed" not in output  # the HTTP sessions opened before the refusal are closed


@pytest.mark.parametrize(
    "secret", [TOKEN, "5127836401%3AAAF-quotebot_TEST_token_x9Zq2Lw7Kp3"], ids=["plain", "url-encoded"]
)
def test_redactor_hides_secrets_in_messages_arguments_and_tracebacks(secret: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor([TOKEN]))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("GET https://api.telegram.org/bot%s/getMe", secret)
        try:
            raise RuntimeError(f"The token `{secret}` was rejected by the server.")
        except RuntimeError:
            logger.exception("failed at bot%s", secret, stack_info=True)
    finally:
        logger.removeHandler(handler)
    assert secret not in stream.getvalue()
    assert stream.getvalue().count(REDACTED) == 3
