"""Shared fixtures: the bundled article, small articles in a temporary folder, and for the
Telegram tests the fake Bot API, settings pointing at it, and the running bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.answer import Answerer
from bot.articles.corpus import Corpus, load_corpus
from bot.config import Settings, default_seeds
from tests.helpers.articles import ARTICLES, long_article
from tests.helpers.fake_bot_api import FakeBotAPI
from tests.helpers.pages_server import PagesServer
from tests.helpers.running import TOKEN, make_settings, running


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


@pytest.fixture
def settings(fake: FakeBotAPI) -> Settings:
    return make_settings(fake)


@pytest.fixture
async def bot(fake: FakeBotAPI, settings: Settings, answerer: Answerer) -> AsyncIterator[Application]:
    """The bot, long polling the fake, answering about the bundled article."""
    async with running(settings, answerer) as app:
        yield app


# Several articles (tests.helpers.articles) --------------------------------------------------------------------------


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


# Pages readers link (tests.helpers.pages_server) ---------------------------------------------------------------------


@pytest.fixture
async def site() -> AsyncIterator[PagesServer]:
    """A news site on 127.0.0.1: the saved pages, and the ways a site can go wrong."""
    server = PagesServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
