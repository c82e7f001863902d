"""Shared fixtures: the bundled article, small articles in a temporary folder, and for the
Telegram tests the fake Bot API, settings pointing at it, and the running bot."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI
from telegram.ext import Application

from bot.answer import Answerer
from bot.config import Settings
from bot.corpus import Corpus, default_seeds, load_corpus
from bot.flood import TELEGRAM_LIMITS, FloodLimits
from bot.telegram_app import build_application, serve

# Shaped like a real token, and distinctive, so a leak anywhere is easy to find.
TOKEN = "5127836401:AAF-quotebot_TEST_token_x9Zq2Lw7"


@pytest.fixture(scope="session")
def seed_corpus() -> Corpus:
    """The bundled article."""
    return load_corpus(default_seeds())


@pytest.fixture(scope="session")
def answerer(seed_corpus: Corpus) -> Answerer:
    """The answerer on the bundled article."""
    return Answerer(seed_corpus)


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under a temporary folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def long_answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """An answerer on an article of very long sentences, whose answers take several messages."""
    path = tmp_path_factory.mktemp("long") / "long.txt"
    path.write_text(long_article(), encoding="utf-8")
    return Answerer(load_corpus(path))


def long_article() -> str:
    """Three sentences of about 3,000 characters each about a captured convoy, then filler."""
    clause = "the convoy was captured near the river crossing while the soldiers waited for orders"
    sentences = [
        f"Report {n}: " + ", and ".join(f"{clause} at dawn on day {n}-{i}" for i in range(30)) + "."
        for n in range(1, 4)
    ]
    filler = ["The weather was mild that spring.", "Markets opened late on Monday."]
    return "Title: The long report\n\n" + "\n\n".join([" ".join(sentences), " ".join(filler)]) + "\n"


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the settings they give: none from the environment or a .env file; and
    what readers asked goes to a database under the test's temporary folder, never the user's."""
    for name in list(os.environ):
        if name.startswith("QUOTEBOT_") or name == "TELEGRAM_BOT_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as `quotebot run` sets it
    monkeypatch.setenv("QUOTEBOT_DB", str(tmp_path / "quotebot.sqlite3"))
    monkeypatch.setenv("QUOTEBOT_CACHE", str(tmp_path / "cache"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API; the test fails if the bot made any call the real API would refuse as malformed."""
    api = FakeBotAPI(TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
    assert not api.violations, f"calls or objects against the Bot API spec: {api.violations}"


def make_settings(fake: FakeBotAPI | None = None, **overrides: Any) -> Settings:
    """Settings for the bot with the test token, talking to ``fake`` (if given), nothing from outside."""
    if fake is not None:
        overrides.setdefault("api_base_url", fake.base_url)
    return Settings(_env_file=None, telegram_bot_token=TOKEN, **overrides)


@pytest.fixture
def settings(fake: FakeBotAPI) -> Settings:
    return make_settings(fake)


@asynccontextmanager
async def running(
    settings: Settings, answerer: Answerer, limits: FloodLimits | None = TELEGRAM_LIMITS
) -> AsyncIterator[Application]:
    """The real application, served as ``quotebot run`` serves it, until the block ends."""
    app = build_application(settings, answerer, limits)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, settings, stop, ready))
    ready_wait = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, ready_wait}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    ready_wait.cancel()
    if task in done:
        task.result()  # raises what stopped it
        raise AssertionError("the bot stopped before it was ready")
    if not done:
        stop.set()
        await task
        raise AssertionError("the bot was not ready within 10 s")
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(fake: FakeBotAPI, settings: Settings, answerer: Answerer) -> AsyncIterator[Application]:
    """The bot, long polling the fake, answering about the bundled article."""
    async with running(settings, answerer) as app:
        yield app


# Several articles --------------------------------------------------------------------------

ARTICLES = {
    "01_bridge.md": """title: The Harbour Bridge
source: https://example.org/bridge

The Harbour Bridge opened in March 1932 after eight years of work.
It was built by Dorman Long, a company from Middlesbrough.
About 1,400 workers worked on the arch, and sixteen of them died.

The toll for a car was sixpence when the bridge opened.
Today the bridge carries eight lanes of traffic and two railway lines.
""",
    "02_festival.txt": """title: The Lantern Festival

The lantern festival opened on Friday evening in the old town.
Thousands of paper lanterns were hung along the river by volunteers.
The mayor said the festival would bring visitors back after a quiet winter.

Food stalls sold dumplings and sweet rice cakes until midnight.
The festival ends on Sunday with a parade of dragon lanterns.
""",
    "03_library.txt": """title: The City Library

The new city library has a reading room for two hundred people.
Its architect designed the roof to let in daylight from the north.
""",
}


@pytest.fixture
def articles_folder(tmp_path: Path) -> Path:
    """A folder of three short articles: a bridge, a festival and a library."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def several(articles_folder: Path) -> Answerer:
    """The answerer on the three articles."""
    return Answerer(load_corpus(articles_folder))
