"""Log lines: one per event, plain or JSON, never the token, never the user's text at INFO; and
``quotebot run`` as a real process with JSON logs and its health endpoint probed as Docker does."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.logs import JsonFormatter, PlainFormatter
from bot.ops.redact import REDACTED, Redactor
from tests.helpers.fake_bot_api import PRIVATE, FakeBotAPI
from tests.helpers.quotebot_process import quotebot_running, stop
from tests.helpers.running import TOKEN, free_port
from tests.helpers.telegram_helpers import ANSWER, QUESTION, answer_to


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    """A logger of its own writing to a string, through a handler that redacts the test token."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor([TOKEN]))
    log = logging.getLogger("test.logs")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    try:
        yield log, stream, handler
    finally:
        log.removeHandler(handler)


def log_event_and_failure(log: logging.Logger) -> None:
    """An event with extra fields, one of them holding the token, then an error with a traceback."""
    log.info(
        "New question in %s chat: replied in %.3f s",
        "private",
        0.0123,
        extra={"event": "question", "chat_type": "private", "latency_s": 0.0123, "url": f"/bot{TOKEN}/x"},
    )
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected\nby the server.")
    except RuntimeError:
        log.exception("Request to bot%s failed", TOKEN)


def test_json_lines_parse_carry_the_extra_fields_and_never_the_token(logger) -> None:  # type: ignore[no-untyped-def]
    log, stream, handler = logger
    handler.setFormatter(JsonFormatter())
    log_event_and_failure(log)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # one line per event, the traceback included
    event, failure = (json.loads(line) for line in lines)
    assert event["message"] == "New question in private chat: replied in 0.012 s"
    assert (event["level"], event["logger"], event["event"]) == ("INFO", "test.logs", "question")
    assert (event["chat_type"], event["latency_s"]) == ("private", 0.0123)  # numbers stay numbers
    assert event["url"] == f"/bot{REDACTED}/x"
    assert event["time"].endswith("+00:00")
    assert failure["level"] == "ERROR"
    assert "Traceback" in failure["exc"]
    assert f"bot{REDACTED}" in failure["message"]
    assert TOKEN not in stream.getvalue()


def test_plain_lines_are_one_line_per_event_too(logger) -> None:  # type: ignore[no-untyped-def]
    log, stream, handler = logger
    handler.setFormatter(PlainFormatter())
    log_event_and_failure(log)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert " INFO test.logs: New question in private chat: replied in 0.012 s" in lines[0]
    assert "\\nTraceback (most recent call last):\\n" in lines[1]
    assert TOKEN not in stream.getvalue()


def test_log_format_setting() -> None:
    assert Settings(_env_file=None).log_format == "plain"
    assert Settings(_env_file=None, log_format=" JSON ").log_format == "json"
    with pytest.raises(ValidationError):
        Settings(_env_file=None, log_format="xml")


async def healthcheck(cwd: Path, *args: str, **settings: str) -> tuple[int, str]:
    """``python -m bot.healthcheck`` as the container's HEALTHCHECK runs it: exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.healthcheck",
        *args,
        cwd=cwd,  # no .env from the project is read
        env={**os.environ, **settings},
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, stdout.decode()


async def test_run_logs_json_with_chat_type_and_latency_and_answers_the_healthcheck(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    port = str(free_port())
    async with quotebot_running(fake, tmp_path, QUOTEBOT_LOG_FORMAT="json", QUOTEBOT_METRICS_PORT=port) as process:
        await fake.wait_called("getUpdates", timeout=30, finished=False)  # polling
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
        assert reply.text.startswith(ANSWER)
        code, said = await healthcheck(tmp_path, QUOTEBOT_METRICS_PORT=port)
        assert code == 0, said
        assert json.loads(said)["status"] == "ok"
        code, output = await stop(process)
    assert code == 0, output
    lines = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    [question] = [line for line in lines if line.get("event") == "question"]
    assert question["level"] == "INFO"
    assert (question["chat_type"], question["outcome"], question["verdict"]) == ("private", "answered", "answered")
    assert 0 < question["latency_s"] < 30
    assert any(line["message"].startswith("Health and metrics on http://127.0.0.1:") for line in lines)
    assert TOKEN not in output
    assert QUESTION not in output  # the user's text is for DEBUG only
    assert ANSWER not in output

    # The bot is gone: the probe says so and fails.
    code, said = await healthcheck(tmp_path, f"http://127.0.0.1:{port}/healthz")
    assert code == 1
    assert "no answer from" in said
