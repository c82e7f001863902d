"""Every command the bot knows, as data: where each is offered and what its menu entry says.

The Telegram command menus (private chats, groups, each admin's chat), the console's list of
known commands and a test that every command has a handler all read this one table, so a new
command is one entry here and one handler function (``tests/telegram/test_commands.py`` fails
until both exist).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ADMIN", "COMMANDS", "CONSOLE", "GROUP", "PRIVATE", "Command", "menu", "names"]

PRIVATE, GROUP, ADMIN, CONSOLE = "private", "group", "admin", "console"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    menu: str  # what Telegram's menu says of it
    scopes: frozenset[str]  # where it is offered: private, group, admin (private chats of admins), console
    group_menu: str | None = None  # the group menu's wording, where it differs
    reading: bool = False  # offered only while readers may bring their own articles (QUOTEBOT_READ_LINKS)


def _command(name: str, menu: str, *scopes: str, group_menu: str | None = None, reading: bool = False) -> Command:
    return Command(name, menu, frozenset(scopes), group_menu, reading)


# In menu order.
COMMANDS: tuple[Command, ...] = (
    _command("ask", "Ask about the article: /ask your question", GROUP, CONSOLE),
    _command("start", "What I do, with an example", PRIVATE, CONSOLE),
    _command("help", "How to ask me", PRIVATE, GROUP, CONSOLE, group_menu="How to ask me in a group"),
    _command("about", "The article I know", PRIVATE, GROUP, CONSOLE),
    _command("read", "Read an article: /read and a link", PRIVATE, GROUP, CONSOLE, reading=True),
    _command("reset", "Back to the articles I came with", PRIVATE, GROUP, CONSOLE, reading=True),
    _command("stats", "What readers asked", ADMIN),
    _command("reload", "Read the articles again", ADMIN),
)


def menu(scope: str, reading: bool = False) -> list[tuple[str, str]]:
    """(name, description) of the commands offered in ``scope``, in menu order."""
    return [
        (c.name, (c.group_menu or c.menu) if scope == GROUP else c.menu)
        for c in COMMANDS
        if scope in c.scopes and (reading or not c.reading)
    ]


def names(scope: str) -> frozenset[str]:
    """Every command offered in ``scope``, as typed: "/about"."""
    return frozenset(f"/{c.name}" for c in COMMANDS if scope in c.scopes)
