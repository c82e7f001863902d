"""Commands for whoever runs the bot, end to end: /stats and /reload for admins only, and SIGHUP
on a real ``quotebot run``."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.articles.corpus import load_corpus
from bot.render import DECLINED
from bot.telegram.admin import RECORDING_OFF, REFUSED
from bot.telegram.buttons import EXPIRED
from tests.helpers.articles import ARTICLES
from tests.helpers.fake_bot_api import ADA, BOB, GROUP, PRIVATE, Chat, FakeBotAPI
from tests.helpers.quotebot_process import quotebot_running, stop
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ASK, QUESTION, answer_to, assert_silent

BOB_PRIVATE = Chat(BOB.id, "private", first_name=BOB.first_name)
LIBRARY_QUESTION = "Who designed the roof of the library?"
LIBRARY_ANSWER = "Its architect designed the roof to let in daylight from the north."


@pytest.fixture
def two_articles(tmp_path: Path) -> Path:
    """A folder with the bridge and the festival; the library comes later."""
    folder = tmp_path / "served"
    folder.mkdir()
    for name in ("01_bridge.md", "02_festival.txt"):
        (folder / name).write_text(ARTICLES[name], encoding="utf-8")
    return folder


def admin_settings(fake: FakeBotAPI, folder: Path, **more: Any) -> Any:
    return make_settings(fake, seeds=folder, admins=frozenset({ADA.id}), **more)


# /stats -----------------------------------------------------------------------------------


async def test_stats_shows_an_admin_what_readers_asked(fake: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with running(admin_settings(fake, tmp_path), answerer):
        await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {QUESTION}", sender=BOB))
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/stats"))
    assert reply.params["text"].startswith("<pre>") and reply.params["text"].endswith("</pre>")  # tables line up
    assert [e["type"] for e in reply.result["entities"]] == ["pre"]
    lines = reply.text.splitlines()
    assert "Most asked" in lines
    assert "1      1  yes       When were they captured?" in lines


async def test_stats_and_reload_are_refused_to_others_and_ignored_in_groups(
    fake: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    async with running(admin_settings(fake, tmp_path), answerer):
        for command in ("stats", "reload"):
            reply = await answer_to(fake, BOB_PRIVATE, fake.push_text(BOB_PRIVATE, f"/{command}", sender=BOB))
            assert reply.text == REFUSED.format(command=command)
        fake.push_text(GROUP, "/stats@Quote_Test_Bot")  # even from an admin: not for a group to read
        fake.push_text(GROUP, "/reload@Quote_Test_Bot")
        await assert_silent(fake, GROUP)


async def test_stats_with_recording_off_says_so(fake: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with running(admin_settings(fake, tmp_path, record=False), answerer):
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/stats"))
    assert reply.text == RECORDING_OFF


async def test_admins_get_their_own_command_menu(fake: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with running(admin_settings(fake, tmp_path), answerer):
        pass
    menus = {c.params["scope"]["type"]: c.params for c in fake.calls_to("setMyCommands")}
    assert menus["chat"]["scope"] == {"type": "chat", "chat_id": ADA.id}
    assert [c["command"] for c in menus["chat"]["commands"]] == [
        "start",
        "help",
        "about",
        "read",
        "reset",
        "stats",
        "reload",
    ]


# /reload ----------------------------------------------------------------------------------


async def test_reload_serves_new_articles_without_a_restart(fake: FakeBotAPI, two_articles: Path) -> None:
    async with running(admin_settings(fake, two_articles), Answerer(load_corpus(two_articles))):
        before = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, LIBRARY_QUESTION))
        assert before.text == DECLINED
        old = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "What did the food stalls sell?"))
        (two_articles / "03_library.txt").write_text(ARTICLES["03_library.txt"], encoding="utf-8")
        reloaded = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/reload"))
        assert reloaded.text == "Reloaded: 3 articles, 12 sentences (was 2 and 10)."
        after = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, LIBRARY_QUESTION))
        assert LIBRARY_ANSWER in after.text
        about = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/about"))
        assert "#3 The City Library" in about.text
        # A button from before the articles changed no longer points anywhere.
        tap = fake.press(old.result, "More")
        assert (await fake.wait_callback_answer(tap)).params["text"] == EXPIRED


async def test_reload_with_a_bad_article_keeps_the_old_ones_and_says_why(fake: FakeBotAPI, two_articles: Path) -> None:
    async with running(admin_settings(fake, two_articles), Answerer(load_corpus(two_articles))):
        (two_articles / "03_library.txt").write_bytes(b"\x00\x01binary\x00" * 10)
        refused = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/reload"))
        assert refused.text.startswith("Not reloaded: ")
        assert "03_library.txt is binary, not a text article" in refused.text
        assert refused.text.endswith("Still serving the articles as they were.")
        still = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "What did the food stalls sell?"))
        assert still.text.startswith("Food stalls sold dumplings")
        (two_articles / "03_library.txt").unlink()
        (two_articles / "02_festival.txt").unlink()
        (two_articles / "01_bridge.md").unlink()
        empty = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/reload"))
        assert empty.text.startswith(f"Not reloaded: no articles (.txt or .md files) in {two_articles}")
        still = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "What did the food stalls sell?"))
        assert still.text.startswith("Food stalls sold dumplings")


# SIGHUP -----------------------------------------------------------------------------------


async def wait_for_line(stream: asyncio.StreamReader, text: str, timeout: float = 20.0) -> str:
    """The first line of ``stream`` that holds ``text``, read as the process writes it."""
    async with asyncio.timeout(timeout):
        while line := (await stream.readline()).decode():
            if text in line:
                return line
    raise AssertionError(f"the process ended without logging {text!r}")


async def test_sighup_reloads_the_articles_of_a_running_bot(fake: FakeBotAPI, two_articles: Path) -> None:
    async with quotebot_running(fake, two_articles.parent, QUOTEBOT_SEEDS=str(two_articles)) as process:
        assert process.stderr is not None
        await fake.wait_called("getUpdates", timeout=30, finished=False)
        before = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, LIBRARY_QUESTION))
        assert before.text == DECLINED
        (two_articles / "03_library.txt").write_text(ARTICLES["03_library.txt"], encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        assert "Reloaded: 3 articles, 12 sentences" in await wait_for_line(process.stderr, "Reloaded")
        after = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, LIBRARY_QUESTION))
        assert LIBRARY_ANSWER in after.text

        (two_articles / "04_broken.txt").write_bytes(b"\xff\xfe\x00")  # not UTF-16 text
        process.send_signal(signal.SIGHUP)
        line = await wait_for_line(process.stderr, "Not reloaded")
        assert "04_broken.txt" in line and "ERROR" in line
        still = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, LIBRARY_QUESTION))
        assert LIBRARY_ANSWER in still.text
        code, output = await stop(process)
    assert code == 0, output
