"""The console harness: the bot's conversation in a terminal, without Telegram.

Interactive on a terminal (line editing and history through the standard ``readline``): one
line at the start says what is served and how to leave; ``/help`` lists the console's commands
with example questions made from the article; ``/quit``, ``exit``, ``quit`` or Ctrl-D leave.
Ctrl-C clears a half-typed line, like a shell, and leaves on an empty one.

With standard input not a terminal, it reads one question a line, prints each reply followed by
a blank line, and exits at end of input (or at a line ``/quit``). A line ``exit`` or ``quit``
there is data, not a person leaving: it gets the hint of any bare word.

Replies are the same as in Telegram, as text; ``/start``, ``/about``, "#2 question" (ask one
article) and follow-ups ("when was that?") work here too. An unknown ``/command`` and a bare
word that is no question (``ok``, ``hmm``, ``clear``) get a short hint instead of quotes.
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot import messages
from bot.answer import Answerer
from bot.articles.corpus import Corpus
from bot.articles.narrowing import NoSuchArticle
from bot.commands import CONSOLE, names
from bot.followups import Conversations
from bot.reading.reader import Reader
from bot.reading.session import ReadingSession
from bot.render import to_text
from bot.search.analysis import STOP_WORDS

__all__ = ["examples", "greeting", "help_text", "leaves", "reply", "run"]

PROMPT = "? "
CONVERSATION = "console"  # the console's one conversation, for follow-ups
QUIT = frozenset({"/quit", "/exit", "/q"})
LEAVING_WORDS = frozenset({"exit", "quit"})  # alone on a line at a terminal they leave, as in many shells
KNOWN = names(CONSOLE) | QUIT
# Alone on a line, words of conversation or of a terminal, never meant as a search of the article.
NOT_QUESTIONS = frozenset(
    "ok okay k fine hmm hm huh uh um er yes no yeah yep nope sure thanks thank thx ty cool great nice "
    "hi hello hey bye goodbye clear cls reset ls dir cd pwd help test ping".split()
)
_COMMAND = re.compile(r"/[A-Za-z]\S*")
_BARE_WORD = re.compile(r"\s*([^\W\d_]+)[\s.!?…]*", re.UNICODE)
# Runs of capitalised words: the names of people, places and things an example can ask about.
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")
_NOT_NAMES = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)
_NATIONALITY = re.compile(r"(?:an|ese|ish|ch)$")  # "Korean", "Chinese", "British", "French": not asked about
FIRST_SENTENCES = 8  # of each article, where the examples' names are looked for
FIRST_ARTICLES = 20  # of a folder, so that /help stays instant on an archive
FALLBACK_EXAMPLE = "What happened?"


def reply(answerer: Answerer, line: str, conversation: Conversations | None = None) -> str:
    """The reply to one line, as Telegram would give it in a private chat, in plain text.

    The console's own commands (``/help``, unknown commands, bare words) are answered here too;
    leaving (``/quit``) is the caller's business. With a ``conversation``, a follow-up ("when was
    that?") is read with the question before, as in a chat.
    """
    text = line.strip()
    head, _, rest = text.partition(" ")
    if _COMMAND.fullmatch(head):
        command = head.split("@")[0].lower()
        if command == "/start":
            return messages.start(answerer.corpus)
        if command == "/help":
            return help_text(answerer)
        if command == "/about":
            return messages.about(answerer.corpus)
        if command == "/ask":
            text = rest
        elif command not in KNOWN:
            return f"Unknown command: {head} (try /help)"
    bare = _BARE_WORD.fullmatch(text)
    if bare and _not_a_question(bare.group(1)):
        return _hint(answerer, bare.group(1))
    try:
        if conversation is not None:
            return to_text(conversation.ask(answerer, CONVERSATION, text))
        return to_text(answerer.ask(text))
    except NoSuchArticle as err:
        return str(err)


def leaves(line: str, bare_words: bool = True) -> bool:
    """Whether ``line`` asks to leave the console: ``/quit`` (``/exit``, ``/q``), or with
    ``bare_words`` (at a terminal) also ``exit`` or ``quit`` alone."""
    text = line.strip().lower()
    return text.split("@")[0] in QUIT or (bare_words and text.rstrip(".!") in LEAVING_WORDS)


def _not_a_question(word: str) -> bool:
    word = word.lower()
    return word in NOT_QUESTIONS or word in LEAVING_WORDS or word in STOP_WORDS


def _hint(answerer: Answerer, word: str) -> str:
    example = (examples(answerer, 1) or [FALLBACK_EXAMPLE])[0]
    return f"“{word}” is not a question about the article. Try, for example: {example} (/help lists the commands)"


def greeting(corpus: Corpus) -> str:
    """The one line the interactive console starts with: what it serves and how to leave."""
    if len(corpus.articles) == 1:
        served = f"“{corpus.articles[0].title}”, {messages.count(len(corpus), 'sentence')}"
    else:
        served = f"{len(corpus.articles)} articles, {messages.count(len(corpus), 'sentence')} (/about lists them)"
    return f"Quotebot console: {served}. Ask a question; /help for help, /quit or Ctrl-D to leave."


def help_text(answerer: Answerer) -> str:
    """The console's /help: how to ask, example questions from the article, the commands."""
    corpus = answerer.corpus
    lines = [
        "Ask a question about the article and I reply with its sentences that answer it, "
        "each with where it stands (¶ paragraph · sentence). For example:",
        *(f"  {example}" for example in examples(answerer) or [FALLBACK_EXAMPLE]),
        "",
    ]
    if len(corpus.articles) > 1:
        lines.append("#N question   ask article N only, e.g. “#2 What happened?” (/about numbers them)")
    lines += [
        "/about        the article: title, paragraphs, sentences",
        "/read URL     read a page and ask about it; /reset goes back to the articles served",
        "/help         this message",
        "/quit         leave (also Ctrl-D, or Ctrl-C on an empty line; Ctrl-C clears a half-typed line)",
    ]
    return "\n".join(lines)


def examples(answerer: Answerer, count: int = 3) -> list[str]:
    """Up to ``count`` questions about names in the articles' first sentences that the bot answers,
    each with a different best quote: made from the article served, never written in advance."""
    chosen: list[str] = []
    names: list[str] = []
    tops: set[int] = set()
    for name in _names(answerer.corpus):
        if len(chosen) == count:
            break
        if any(name.lower() in seen.lower() or seen.lower() in name.lower() for seen in names):
            continue
        names.append(name)
        question = f"What about {name}?"
        answer = answerer.answer(question)
        if not answer.answered or not answer.quotes or answer.quotes[0].sentence.index in tops:
            continue
        tops.add(answer.quotes[0].sentence.index)
        chosen.append(question)
    return chosen


def _names(corpus: Corpus) -> Iterator[str]:
    """Names in the first sentences of each article, taking turns between articles; names of
    two words or more first, as they ask about one thing, then the single words."""
    found: list[str] = []
    for position in range(FIRST_SENTENCES):
        for article in corpus.articles[:FIRST_ARTICLES]:
            if position < article.count:
                found += _names_in(corpus.text(article.first + position))
    yield from (name for name in found if " " in name or "-" in name)
    yield from (name for name in found if " " not in name and "-" not in name)


def _names_in(sentence: str) -> list[str]:
    names = []
    for match in _NAME.finditer(sentence):
        words = match.group().split(" ")
        if match.start() == 0:  # the sentence's first word is capitalised anyway: "Two", "On"
            words = words[1:]
        words = [w for w in words if w not in _NOT_NAMES]
        if words and not _NATIONALITY.search(words[-1]):
            names.append(" ".join(words))
    return names


def run(
    answerer: Answerer,
    history: Path | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    reader: Reader | None = None,
) -> int:
    """Run the harness until end of input; ``history`` keeps interactive lines between runs.

    With a ``reader``, ``/read URL`` reads a page to ask about and ``/reset`` goes back
    (:mod:`bot.reading.session`).
    """
    session = ReadingSession(answerer, reader)
    if stdin.isatty():
        return _interactive(session, history, stdout)
    _piped(session, stdin, stdout)
    return 0


def _reply(session: ReadingSession, line: str, conversation: Conversations) -> str:
    """The reply to ``line``: /read and /reset are the session's, the rest :func:`reply`'s."""
    said = session.command(line)
    return said if said is not None else reply(session.answerer, line, conversation)


def _piped(session: ReadingSession, lines: Iterable[str], stdout: TextIO) -> None:
    conversation = Conversations()
    for line in lines:
        if not line.strip():
            continue
        if leaves(line, bare_words=False):
            break
        stdout.write(_reply(session, line, conversation) + "\n\n")
        stdout.flush()


class _Typed:
    """What was typed at the prompt when Ctrl-C came: readline forgets it before ``input`` returns."""

    def __init__(self, readline: object | None) -> None:
        self.readline = readline
        self.text = ""

    def on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        get = getattr(self.readline, "get_line_buffer", None)
        self.text = get() if get is not None else ""
        raise KeyboardInterrupt


def _interactive(session: ReadingSession, history: Path | None, stdout: TextIO) -> int:
    try:
        import readline

        readline.set_history_length(1000)
        if history is not None and history.exists():
            readline.read_history_file(history)
    except (ImportError, OSError):
        readline = None  # type: ignore[assignment]
    typed = _Typed(readline)
    conversation = Conversations()
    previous = signal.signal(signal.SIGINT, typed.on_interrupt)
    stdout.write(greeting(session.answerer.corpus) + "\n")
    try:
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                stdout.write("\n")
                break
            except KeyboardInterrupt:
                stdout.write("\n")
                if typed.text.strip():
                    continue  # the half-typed line is dropped: a fresh prompt, as in a shell
                break
            if leaves(line):
                break
            if line.strip():
                try:
                    stdout.write(_reply(session, line, conversation) + "\n\n")
                except KeyboardInterrupt:
                    stdout.write("\n")  # a slow answer interrupted: back to the prompt
    finally:
        signal.signal(signal.SIGINT, previous)
        if readline is not None and history is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)
            except OSError:
                pass  # history is a convenience; never fail the session over it
    return 0
