"""The table of commands (bot/commands.py) and what the bot does with it: every command it lists
has a handler, every command handled is listed, and the menus Telegram shows come from it."""

from __future__ import annotations

from typing import Any

from telegram.ext import CommandHandler

from bot.answer import Answerer
from bot.commands import COMMANDS, CONSOLE, names
from bot.telegram.app import build_application
from bot.telegram.filters import ASK
from tests.helpers.fake_bot_api import FakeBotAPI
from tests.helpers.running import make_settings, running


def handled(answerer: Answerer, **settings: Any) -> set[str]:
    app = build_application(make_settings(**settings), answerer)
    found = {c for group in app.handlers.values() for h in group if isinstance(h, CommandHandler) for c in h.commands}
    return found | {ASK}  # /ask is a question, answered by the question handler (bot.telegram.filters)


def test_every_listed_command_has_a_handler_and_every_handled_one_is_listed(answerer: Answerer) -> None:
    listed = {c.name for c in COMMANDS}
    assert handled(answerer) == listed
    assert handled(answerer, read_links=False) >= listed - {c.name for c in COMMANDS if c.reading}


def test_the_console_knows_the_commands_offered_there() -> None:
    assert names(CONSOLE) == {"/ask", "/start", "/help", "/about", "/read", "/reset"}


async def test_the_menus_telegram_shows_come_from_the_table(fake: FakeBotAPI, answerer: Answerer) -> None:
    async with running(make_settings(fake, admins=frozenset({42})), answerer):
        calls = await fake.wait_called("setMyCommands", count=3)
    menus = {call.params["scope"]["type"]: [c["command"] for c in call.params["commands"]] for call in calls}
    assert menus["all_private_chats"] == ["start", "help", "about", "read", "reset"]
    assert menus["all_group_chats"] == ["ask", "help", "about", "read", "reset"]
    assert menus["chat"] == ["start", "help", "about", "read", "reset", "stats", "reload"]
