"""``quotebot run`` as a real process against the fake Bot API, for the tests that need one.

Such a test runs its steps inside :func:`quotebot_running`, which kills the process if a failing
assertion left it running, and ends it with :func:`stop` (a signal, then the exit code and all
the process printed).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.helpers.fake_bot_api import FakeBotAPI
from tests.helpers.running import TOKEN

Process = asyncio.subprocess.Process


def quotebot_command() -> list[str]:
    """The installed ``quotebot`` script of this environment, else ``python -m bot``."""
    script = Path(sys.executable).with_name("quotebot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


async def start_quotebot(fake: FakeBotAPI, cwd: Path, token: str = TOKEN, **settings: str) -> Process:
    """``quotebot run`` in ``cwd`` (so no .env of the project is read), talking to ``fake``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUOTEBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    env.update(TELEGRAM_BOT_TOKEN=token, QUOTEBOT_API_BASE_URL=fake.base_url, PYTHONUNBUFFERED="1", **settings)
    env.setdefault("QUOTEBOT_DB", str(cwd / "quotebot.sqlite3"))  # what readers asked: never outside tmp
    env.setdefault("QUOTEBOT_CACHE", str(cwd / "cache"))
    return await asyncio.create_subprocess_exec(
        *quotebot_command(),
        "run",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@asynccontextmanager
async def quotebot_running(fake: FakeBotAPI, cwd: Path, token: str = TOKEN, **settings: str) -> AsyncIterator[Process]:
    """:func:`start_quotebot` for the block; the process is killed at its end if still running."""
    process = await start_quotebot(fake, cwd, token, **settings)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def printed(process: Process, text: str, timeout: float = 30) -> str:
    """Read the process's standard error until a line holds ``text``: the lines read, up to that one."""
    assert process.stderr is not None
    lines: list[str] = []

    async def read() -> str:
        while True:
            line = (await process.stderr.readline()).decode()  # type: ignore[union-attr]
            if not line:
                raise AssertionError(f"the process ended before printing {text!r}: {''.join(lines)}")
            lines.append(line)
            if text in line:
                return "".join(lines)

    try:
        return await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        raise AssertionError(f"{text!r} not printed within {timeout} s: {''.join(lines)}") from None


async def finish(process: Process, timeout: float = 20) -> tuple[int, str]:
    """Wait for the process to exit: its exit code and everything it printed."""
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, stdout.decode() + stderr.decode()


async def stop(process: Process, sig: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
    """Send ``sig`` and wait for the exit: the exit code and everything the process printed."""
    process.send_signal(sig)
    return await finish(process)
