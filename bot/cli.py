"""The ``quotebot`` command line (also ``python -m bot``).

    quotebot                      Telegram bot if TELEGRAM_BOT_TOKEN is set, else the console
    quotebot run                  the Telegram bot (long polling, or webhook mode)
    quotebot console [--corpus]   interactive harness; one question a line when piped
    quotebot ask [--json] [--each] [--corpus PATH] [--article N] [WORD ...]
    quotebot eval FILE [--rankings OUT]
    quotebot stats [--db PATH] [--limit N]   what readers asked the Telegram bot

Errors the user can fix (a missing article, a bad setting) are one line on standard error and
exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import lzma
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot import __version__, logs, piped
from bot.answer import Answerer, load_answerer
from bot.articles.corpus import Corpus, CorpusError, load_corpus
from bot.config import Settings
from bot.errors import UsageError
from bot.render import json_line, to_text

__all__ = ["main"]

log = logging.getLogger("quotebot")


class _Parser(argparse.ArgumentParser):
    """argparse, its mistakes told in one line like every other error (subcommands included)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"quotebot: error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="quotebot",
        description="Answers questions about news articles by quoting their own sentences.",
    )
    parser.add_argument("--version", action="version", version=f"quotebot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def corpus_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--corpus", type=Path, metavar="PATH",
            help="an article file or folder of articles (default: QUOTEBOT_SEEDS, else the bundled one)",
        )  # fmt: skip

    commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    corpus_option(commands.add_parser("console", help="ask questions in the terminal"))
    ask = commands.add_parser(
        "ask",
        help="answer a question (its words, quoted or not), or one a line from standard input",
        description="Answer a question about the articles: `quotebot ask when were they captured`. "
        "With no words, reads one question a line from standard input.",
    )
    ask.add_argument("--json", action="store_true", help="one JSON object a line per question")
    ask.add_argument("--each", action="store_true", help="each argument is a question of its own")
    corpus_option(ask)
    ask.add_argument(
        "--article", type=int, metavar="N",
        help="answer from article N only (numbered as /about lists them)",
    )  # fmt: skip
    ask.add_argument(
        "--url", metavar="URL",
        help="read the page at URL (as a link sent to the bot) and answer from it instead of the corpus",
    )  # fmt: skip
    ask.add_argument("words", nargs="*", metavar="WORD", help="the question (with --each: the questions)")
    ask.set_defaults(usage=ask.format_usage())
    evaluate = commands.add_parser("eval", help="score the retriever on a labelled question file")
    evaluate.add_argument("file", type=Path, metavar="FILE", help=".jsonl or .jsonl.xz, as in shared/eval")
    evaluate.add_argument("--rankings", type=Path, metavar="OUT", help="write each question's ranking here")
    corpus_option(evaluate)
    stats = commands.add_parser("stats", help="what readers asked the Telegram bot, as tables")
    stats.add_argument("--db", type=Path, metavar="PATH", help="the database (default: QUOTEBOT_DB)")
    stats.add_argument("--limit", type=int, default=10, metavar="N", help="rows in each table (default: 10)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _safe_streams()
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as err:
        return _fail(_setting_problem(err))
    logs.configure(settings)
    try:
        return _dispatch(args, settings)
    except (UsageError, CorpusError) as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`quotebot ask ... | head`); nothing left to say to it.
        sys.stdout = io.TextIOWrapper(io.BytesIO())
        return 0


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "eval":
        return _eval(args.file, args.rankings, load_corpus(args.corpus or settings.seeds))
    if args.command == "stats":
        return _stats(args.db or settings.db, args.limit)
    if args.command == "run" or (args.command is None and settings.token):
        return _run(settings)
    if args.command == "ask" and not args.words and sys.stdin.isatty():
        sys.stderr.write(args.usage)
        print(
            "quotebot ask: give a question (quotebot ask when were they captured), or pipe questions one a line",
            file=sys.stderr,
        )
        return 2
    if args.command == "ask" and args.url:
        from bot.reading.cli import answerer_for_link

        answerer = answerer_for_link(args.url, settings)
    else:
        answerer = _answerer(getattr(args, "corpus", None) or settings.seeds, settings)
    if args.command == "ask":
        questions, several = _questions(args.words, args.each)
        _ask(answerer, questions, args.json, _article(answerer, args.article), headed=several)
        return 0
    if args.command is None and sys.stdin.isatty():
        print("Console mode. Set TELEGRAM_BOT_TOKEN to run the Telegram bot (see README).", file=sys.stderr)
    # Imported here: the console brings the reader of links (aiohttp and more), which `ask` and
    # `run` never need, and each start would pay for it (about 0.15 s and 20 MB).
    from bot import console
    from bot.reading.cli import reader_for

    return console.run(answerer, settings.history, reader=reader_for(settings))


def _answerer(path: Path, settings: Settings) -> Answerer:
    answerer = load_answerer(path, settings.cache, progress=True)
    if answerer.corpus.warnings:
        print(f"quotebot: warning: {'; '.join(answerer.corpus.warnings)}", file=sys.stderr)
    return answerer


def _article(answerer: Answerer, number: int | None) -> int | None:
    """``--article N`` as a 0-based article, checked against the corpus."""
    if number is None:
        return None
    count = len(answerer.corpus.articles)
    if not 1 <= number <= count:
        raise UsageError(f"--article {number}: the corpus has {count} article(s); give a number from 1 to {count}")
    return number - 1


def _questions(words: list[str], each: bool) -> tuple[Iterable[str], bool]:
    """The questions ``ask`` was given, and whether there may be several (each reply then goes under
    its question): the words as one question; with ``--each``, each a question; none: standard input."""
    if not words:
        return (line for line in piped.lines(sys.stdin) if line.strip()), True
    if each:
        return words, len(words) > 1
    return [" ".join(words)], False


def _ask(
    answerer: Answerer, questions: Iterable[str], as_json: bool, article: int | None = None, headed: bool = False
) -> None:
    first = True
    for question in questions:
        answer = answerer.answer(question, article)
        if as_json:
            print(json_line(answer), flush=True)
            continue
        head = f"> {_one_line(question)}\n" if headed else ""
        print(("" if first else "\n") + head + to_text(answer), flush=True)
        first = False


def _one_line(question: str) -> str:
    return " ".join(question.split())


def _setting_problem(err: ValidationError) -> str:
    """The first bad setting, by the name it is set under, and what to do (never its value)."""
    first = err.errors()[0]
    field = "_".join(str(p) for p in first["loc"])
    name = field.upper() if field.upper() == "TELEGRAM_BOT_TOKEN" else f"QUOTEBOT_{field.upper()}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"setting {name}: {message}; fix it in the environment or the .env file"


# What `quotebot eval` reads, told in every complaint about a file it cannot use.
EVAL_EXPECTED = (
    'expected one question object a line, like {"qid": "1", "question": "When did it open?", '
    '"sentences": ["It opened in 1932.", "..."], "gold": [0]}'
)
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false"}


def _eval(path: Path, rankings: Path | None, corpus: Corpus) -> int:
    from bot.evaluate import EvalError, evaluate

    _check_rankings(rankings)
    problem = _eval_file_problem(path, whole=False)  # unreadable or empty: said before any work
    if problem:
        raise UsageError(problem)
    try:
        print(evaluate(path, rankings, corpus))
    except EvalError as err:
        # Said again from the file itself: the evaluator's own message ends in a Python repr.
        raise UsageError(_eval_file_problem(path) or _without_repr(str(err))) from None
    except OSError as err:  # reading failures are EvalErrors: this is writing the rankings
        raise UsageError(
            f"cannot write the rankings to {rankings} ({err.strerror or err}); give --rankings a file you can write"
        ) from None
    return 0


def _check_rankings(rankings: Path | None) -> None:
    if rankings is None:
        return
    if rankings.is_dir():
        raise UsageError(f"--rankings {rankings} is a folder; give a file name to write the rankings to")
    folder = rankings.parent
    if not folder.is_dir():
        raise UsageError(
            f"--rankings {rankings}: there is no folder {folder}; create it or write the rankings elsewhere"
        )
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--rankings {rankings}: cannot write in {folder}; write the rankings elsewhere")


def _eval_file_problem(path: Path, whole: bool = True) -> str | None:
    """What makes ``path`` no question file for ``eval``, as one sentence; None if nothing does.

    With ``whole`` false, only whether it can be read and has a question (its first is checked).
    """
    opener: Callable[..., TextIO] = lzma.open if path.suffix == ".xz" else open
    fix = "give a question file in JSON Lines (.jsonl, or .jsonl.xz)"
    found = False
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                found = True
                problem = _eval_line_problem(line)
                if problem:
                    return f"{path}, line {number} {problem}; {EVAL_EXPECTED}"
                if not whole:
                    break
    except FileNotFoundError:
        return f"cannot read {path}: there is no such file; {fix}"
    except IsADirectoryError:
        return f"cannot read {path}: it is a folder; {fix}"
    except PermissionError:
        return f"cannot read {path}: permission denied; give a question file you may read"
    except OSError as err:
        return f"cannot read {path} ({err.strerror or 'input/output error'}); {fix}"
    except lzma.LZMAError:
        return f"{path} is not an xz archive; {fix}"
    except UnicodeDecodeError:
        return f"{path} is not UTF-8 text; {fix}"
    if not found:
        return f"{path} has no questions; {EVAL_EXPECTED}"
    return None


def _eval_line_problem(line: str) -> str | None:
    """What is wrong with one line of a question file (in the words of the sentence it ends)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return "is not JSON"
    if not isinstance(item, dict):
        return f"is {_JSON_KINDS.get(type(item), 'null')}, not an object"
    if "q" in item and "sentences" not in item:  # a question about the bot's own corpus (seed/dev.jsonl)
        gold = item.get("gold") or []
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            return 'has a "gold" that is not a list of quoted passages'
        return None
    for key in ("question", "sentences"):
        if key not in item:
            return f'has no "{key}"'
    sentences = item["sentences"]
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
        return 'has "sentences" that are not a list of strings'
    gold = item.get("gold") or []
    if not isinstance(gold, list) or not all(_whole_number(g) for g in gold):
        return 'has a "gold" that is not a list of sentence numbers'
    return None


def _whole_number(value: object) -> bool:
    """Whether the evaluator reads ``value`` as a sentence number (it takes ``int(value)``)."""
    try:
        int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
    return True


def _without_repr(message: str) -> str:
    return re.sub(r"\s*\(\w*(Error|Exception)\(.*\)\)$", "", message)


def _stats(db: Path, limit: int) -> int:
    from bot.stats import StatsError, report

    if limit < 1:
        raise UsageError("--limit must be at least 1")
    try:
        print(report(db, limit))
    except StatsError as err:
        raise UsageError(str(err)) from None
    return 0


# What @BotFather hands out: the bot's id, a colon, 35 characters of the URL-safe alphabet.
TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]{35}")


def token_is_well_shaped(token: str) -> bool:
    """Whether ``token`` looks like one from @BotFather (checked before anything is started)."""
    return TOKEN_SHAPE.fullmatch(token) is not None


def _run(settings: Settings) -> int:
    if not settings.token:
        raise UsageError("TELEGRAM_BOT_TOKEN is not set; `quotebot console` works without it")
    if not token_is_well_shaped(settings.token):  # never shown: it may be a real token, mangled
        raise UsageError(
            "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (digits, a colon, then 35 letters, "
            "digits, _ or -); copy it again from BotFather's /token, without quotes or spaces"
        )
    if urlsplit(settings.api_base_url).scheme not in ("http", "https"):
        raise UsageError("QUOTEBOT_API_BASE_URL is not an http:// or https:// URL; leave it unset for Telegram's own")
    from bot.telegram.serving import run

    return run(settings)


def _fail(message: str) -> int:
    print(f"quotebot: error: {message}", file=sys.stderr)
    return 2


def _safe_streams() -> None:
    """Read undecodable input as replacement characters and never fail on printing it."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


if __name__ == "__main__":
    sys.exit(main())
