"""The console harness: the bot's conversation in a terminal, without Telegram.

Interactive on a terminal (line editing and history through the standard ``readline``);
with standard input not a terminal, it reads one question a line, prints each reply followed
by a blank line, and exits at end of input. Replies are the same as in Telegram, as text;
``/start``, ``/help`` and ``/about`` work here too, and so does "#2 question" to ask one article.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot import messages
from bot.answer import Answerer
from bot.articles.narrowing import NoSuchArticle
from bot.reading.reader import Reader
from bot.reading.session import ReadingSession
from bot.render import to_text

__all__ = ["reply", "run"]

PROMPT = "? "
QUIT = {"/quit", "/exit", "/q"}


def reply(answerer: Answerer, line: str) -> str:
    """The reply to one line, as Telegram would give it in a private chat, in plain text."""
    head, _, rest = line.strip().partition(" ")
    command = head.split("@")[0].lower()
    if command == "/start":
        return messages.start(answerer.corpus)
    if command == "/help":
        return messages.help_text(answerer.corpus)
    if command == "/about":
        return messages.about(answerer.corpus)
    if command == "/ask":
        line = rest
    try:
        return to_text(answerer.ask(line))
    except NoSuchArticle as err:
        return str(err)


def run(
    answerer: Answerer,
    history: Path | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    reader: Reader | None = None,
) -> int:
    """Run the harness until end of input; ``history`` keeps interactive lines between runs.

    With a ``reader``, ``/read URL`` reads a page to ask about and ``/reset`` goes back (bot.reading.session).
    """
    session = ReadingSession(answerer, reader)
    if stdin.isatty():
        return _interactive(session, history, stdout)
    _piped(session, stdin, stdout)
    return 0


def _reply(session: ReadingSession, line: str) -> str:
    """The reply to ``line``: /read and /reset are the session's, the rest :func:`reply`'s."""
    said = session.command(line)
    return said if said is not None else reply(session.answerer, line)


def _piped(session: ReadingSession, lines: Iterable[str], stdout: TextIO) -> None:
    for line in lines:
        if not line.strip():
            continue
        stdout.write(_reply(session, line) + "\n\n")
        stdout.flush()


def _interactive(session: ReadingSession, history: Path | None, stdout: TextIO) -> int:
    try:
        import readline

        readline.set_history_length(1000)
        if history is not None and history.exists():
            readline.read_history_file(history)
    except (ImportError, OSError):
        readline = None  # type: ignore[assignment]
    corpus = session.answerer.corpus
    stdout.write(
        f"Quotebot console: {messages.about(corpus).splitlines()[0]}\n"
        "Ask a question about the article; /help for help, Ctrl-D to quit.\n"
    )
    try:
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                stdout.write("\n")
                break
            if line.strip().lower() in QUIT:
                break
            if line.strip():
                stdout.write(_reply(session, line) + "\n\n")
    except KeyboardInterrupt:
        stdout.write("\n")
    finally:
        if readline is not None and history is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)
            except OSError:
                pass  # history is a convenience; never fail the session over it
    return 0
