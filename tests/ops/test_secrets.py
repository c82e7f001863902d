"""Secrets: the token never shows, whatever fails and at any log level (real processes at DEBUG,
against answers that quote the request's URL); ``.env`` is git-ignored; webhook mode will not
start without its secret."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.ops.redact import REDACTED
from tests.helpers.fake_bot_api import PRIVATE, FakeBotAPI, Fault
from tests.helpers.quotebot_process import quotebot_command, quotebot_running, stop
from tests.helpers.running import TOKEN
from tests.helpers.telegram_helpers import ANSWER, QUESTION, answer_to, polling

ROOT = Path(__file__).resolve().parents[2]
VERBOSE = {"QUOTEBOT_LOG_LEVEL": "DEBUG", "QUOTEBOT_HTTP_LOG_LEVEL": "DEBUG"}  # the most a user can ask for


def leaks(output: str) -> list[str]:
    """The forms of the token found in ``output``: as is, URL-encoded, or its secret half alone."""
    forms = [TOKEN, quote(TOKEN, safe=""), TOKEN.split(":", 1)[1]]
    return [form for form in forms if form in output]


def quoting_the_url(status: int, method: str) -> Fault:
    """An error page from a proxy that quotes the path it was asked for, token and all."""
    page = f"<html><p>The requested URL /bot{TOKEN}/{method} failed ({status}).</p></html>"
    return Fault(status, page.encode(), content_type="text/html")


@pytest.mark.parametrize("log_format", ["plain", "json"])
async def test_failing_requests_that_quote_their_url_never_show_the_token(
    fake: FakeBotAPI, tmp_path: Path, log_format: str
) -> None:
    fake.inject("getMe", quoting_the_url(502, "getMe"))
    fake.inject("setMyCommands", Fault.dropped())
    fake.inject("deleteWebhook", Fault.error(500, f"Internal error at /bot{TOKEN}/deleteWebhook"))
    fake.inject("getUpdates", Fault.malformed())
    fake.inject("sendMessage", quoting_the_url(503, "sendMessage"))
    async with quotebot_running(fake, tmp_path, QUOTEBOT_LOG_FORMAT=log_format, **VERBOSE) as process:
        await polling(fake)
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION), timeout=20)
        assert reply.text.startswith(ANSWER)
        code, output = await stop(process)
    assert code == 0, output
    assert not leaks(output)
    assert f"/bot{REDACTED}/getMe" in output  # the failures were logged, URL and all, redacted
    assert "failed (502)" in output or "HTTP 502" in output


async def test_an_unreachable_bot_api_at_debug_never_shows_the_token(tmp_path: Path) -> None:
    with socket.socket() as closed:  # nobody listens there: every connection is refused
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/bot"
    stand_in = _Nowhere(nowhere)
    async with quotebot_running(stand_in, tmp_path, **VERBOSE) as process:  # type: ignore[arg-type]
        await _wait_for_line(process, b"The Bot API is failing")
        code, output = await stop(process)
    assert code == 0, output
    assert not leaks(output)
    assert "ClientConnectorError" in output


class _Nowhere:
    """What start_quotebot needs of a fake: a base URL (here, of a port nobody listens on)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url


async def _wait_for_line(process: asyncio.subprocess.Process, text: bytes, timeout: float = 20) -> None:
    """Read the process's standard error until a line holds ``text`` (the rest stays for finish())."""
    assert process.stderr is not None
    seen = b""
    async with asyncio.timeout(timeout):
        while text not in seen:
            line = await process.stderr.readline()
            assert line, f"the process ended before saying {text!r}"
            seen += line


# .env and the webhook secret ---------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git work tree")
@pytest.mark.parametrize("path", [".env", "deploy/.env", "some/folder/.env"])
def test_env_files_are_git_ignored(path: str) -> None:
    result = subprocess.run(["git", "check-ignore", "--quiet", "--no-index", path], cwd=ROOT)
    assert result.returncode == 0, f"{path} would be committed"


def test_webhook_mode_without_a_secret_does_not_start(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_WEBHOOK_URL": "https://bot.example.invalid/hook", "PATH": ""}
    result = subprocess.run([*quotebot_command(), "run"], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        "quotebot: error: webhook mode needs QUOTEBOT_WEBHOOK_SECRET, so that only Telegram can post updates"
    ]
    assert not leaks(result.stdout.decode() + result.stderr.decode())
