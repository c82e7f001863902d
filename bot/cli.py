"""The ``quotebot`` command line (also ``python -m bot``).

    quotebot                      Telegram bot if TELEGRAM_BOT_TOKEN is set, else the console
    quotebot run                  the Telegram bot (long polling, or webhook mode)
    quotebot console [--corpus]   interactive harness; one question a line when piped
    quotebot ask [--json] [--corpus PATH] [--article N] [QUESTION ...]
    quotebot eval FILE [--rankings OUT]
    quotebot stats [--db PATH] [--limit N]   what readers asked the Telegram bot

Errors the user can fix (a missing article, a bad setting) are one line on standard error and
exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import __version__, console, logs
from bot.answer import Answerer, load_answerer
from bot.articles.corpus import Corpus, CorpusError, load_corpus
from bot.config import Settings
from bot.errors import UsageError
from bot.render import json_line, to_text

__all__ = ["main"]

log = logging.getLogger("quotebot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    ask = commands.add_parser("ask", help="answer questions given, or one a line from standard input")
    ask.add_argument("--json", action="store_true", help="one JSON object a line per question")
    corpus_option(ask)
    ask.add_argument(
        "--article", type=int, metavar="N",
        help="answer from article N only (numbered as /about lists them)",
    )  # fmt: skip
    ask.add_argument(
        "--url", metavar="URL",
        help="read the page at URL (as a link sent to the bot) and answer from it instead of the corpus",
    )  # fmt: skip
    ask.add_argument("questions", nargs="*", metavar="QUESTION")
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
        first = err.errors()[0]
        name = "_".join(str(p) for p in first["loc"]).upper()
        return _fail(f"setting {name}: {first['msg']}")
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
    if args.command == "ask" and args.url:
        from bot.reading.cli import answerer_for_link

        answerer = answerer_for_link(args.url, settings)
    else:
        answerer = _answerer(getattr(args, "corpus", None) or settings.seeds, settings)
    if args.command == "ask":
        questions = args.questions or _lines(sys.stdin)
        _ask(answerer, questions, args.json, _article(answerer, args.article))
        return 0
    if args.command is None and sys.stdin.isatty():
        print("Console mode. Set TELEGRAM_BOT_TOKEN to run the Telegram bot (see README).", file=sys.stderr)
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
        raise UsageError(f"--article {number}: the corpus has {count} article(s), numbered from 1")
    return number - 1


def _ask(answerer: Answerer, questions: Iterable[str], as_json: bool, article: int | None = None) -> None:
    first = True
    for question in questions:
        answer = answerer.answer(question, article)
        if as_json:
            print(json_line(answer), flush=True)
        else:
            print(("" if first else "\n") + to_text(answer), flush=True)
        first = False


def _lines(stream: Iterable[str]) -> Iterable[str]:
    return (line.rstrip("\n") for line in stream if line.strip())


def _eval(path: Path, rankings: Path | None, corpus: Corpus) -> int:
    from bot.evaluate import EvalError, evaluate

    try:
        print(evaluate(path, rankings, corpus))
    except EvalError as err:
        raise UsageError(str(err)) from None
    return 0


def _stats(db: Path, limit: int) -> int:
    from bot.stats import StatsError, report

    if limit < 1:
        raise UsageError("--limit must be at least 1")
    try:
        print(report(db, limit))
    except StatsError as err:
        raise UsageError(str(err)) from None
    return 0


def _run(settings: Settings) -> int:
    if not settings.token:
        raise UsageError("TELEGRAM_BOT_TOKEN is not set; `quotebot console` works without it")
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
