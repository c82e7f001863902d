"""Every failure of ``eval``, ``stats``, ``ask`` and ``run`` a user can fix: one line on standard
error naming the thing and what to do, exit code 2, no traceback and no Python repr."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import token_is_well_shaped
from tests.helpers.running import TOKEN
from tests.test_cli import quotebot

GOOD = '{"qid": "1", "question": "When did it open?", "sentences": ["It opened in 1932."], "gold": [0]}\n'
EXPECTED = "expected one question object a line"
UNREACHABLE = "http://127.0.0.1:9/bot"  # the discard port: nothing listens there


def _write(name: str, data: str | bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return make


def _sqlite(name: str, schema: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        with closing(sqlite3.connect(folder / name)) as db:
            db.execute(schema)

    return make


@dataclass(frozen=True)
class Failure:
    args: tuple[str, ...]
    says: tuple[str, ...]  # what the line must name
    env: dict[str, str] = field(default_factory=dict)
    make: Callable[[Path], None] | None = None


FAILURES = {
    # eval
    "eval-not-json": Failure(
        ("eval", "README.md"), ("README.md, line 1 is not JSON", EXPECTED), make=_write("README.md", "# Quotebot\n")
    ),
    "eval-missing-file": Failure(("eval", "nope.jsonl"), ("cannot read nope.jsonl: there is no such file",)),
    "eval-folder": Failure(("eval", "."), ("cannot read .: it is a folder",)),
    "eval-empty": Failure(
        ("eval", "set.jsonl"), ("set.jsonl has no questions", EXPECTED), make=_write("set.jsonl", "")
    ),
    "eval-array": Failure(
        ("eval", "set.jsonl"), ("set.jsonl, line 1 is an array, not an object",), make=_write("set.jsonl", "[1, 2]\n")
    ),
    "eval-missing-key": Failure(
        ("eval", "set.jsonl"),
        ('set.jsonl, line 3 has no "sentences"', EXPECTED),
        make=_write("set.jsonl", GOOD + "\n" + '{"qid": "2", "question": "Why?"}\n'),
    ),
    "eval-bad-sentences": Failure(
        ("eval", "set.jsonl"),
        ('line 1 has "sentences" that are not a list of strings',),
        make=_write("set.jsonl", '{"question": "Why?", "sentences": "It opened.", "gold": [0]}\n'),
    ),
    "eval-bad-gold": Failure(
        ("eval", "set.jsonl"),
        ('line 1 has a "gold" that is not a list of sentence numbers',),
        make=_write("set.jsonl", '{"question": "Why?", "sentences": ["It opened."], "gold": ["x"]}\n'),
    ),
    "eval-not-utf8": Failure(
        ("eval", "set.jsonl"), ("set.jsonl is not UTF-8 text",), make=_write("set.jsonl", b"\xff\xfe{}\n")
    ),
    "eval-not-xz": Failure(
        ("eval", "set.jsonl.xz"), ("set.jsonl.xz is not an xz archive",), make=_write("set.jsonl.xz", GOOD)
    ),
    "eval-no-file": Failure(("eval",), ("the following arguments are required: FILE", "quotebot eval --help")),
    "eval-rankings-no-folder": Failure(
        ("eval", "set.jsonl", "--rankings", "out/r.jsonl"),
        ("there is no folder out; create it",),
        make=_write("set.jsonl", GOOD),
    ),
    "eval-rankings-a-folder": Failure(
        ("eval", "set.jsonl", "--rankings", "."), ("--rankings . is a folder",), make=_write("set.jsonl", GOOD)
    ),
    # stats
    "stats-no-database": Failure(("stats", "--db", "none.sqlite3"), ("no database at none.sqlite3",)),
    "stats-a-folder": Failure(("stats", "--db", "."), (". is a folder, not a database",)),
    "stats-not-sqlite": Failure(
        ("stats", "--db", "notes.txt"), ("notes.txt is not a Quotebot database",), make=_write("notes.txt", "x" * 200)
    ),
    "stats-other-sqlite": Failure(
        ("stats", "--db", "other.db"),
        ("other.db is an SQLite database but not Quotebot's", "point --db"),
        make=_sqlite("other.db", "CREATE TABLE t (a)"),
    ),
    "stats-limit": Failure(("stats", "--limit", "0"), ("--limit must be at least 1",)),
    "stats-limit-not-a-number": Failure(("stats", "--limit", "ten"), ("argument --limit: invalid int value: 'ten'",)),
    "unknown-command": Failure(("serve",), ("invalid choice: 'serve'", "quotebot --help")),
    # ask
    "ask-missing-corpus": Failure(("ask", "--corpus", "nope", "Who?"), ("no such file or folder: nope",)),
    "ask-no-such-article": Failure(("ask", "--article", "9", "Who?"), ("--article 9: the corpus has 1 article",)),
    "ask-bad-setting": Failure(
        ("ask", "Who?"), ("setting QUOTEBOT_LOG_LEVEL", "fix it in the environment"), env={"QUOTEBOT_LOG_LEVEL": "LOUD"}
    ),
    # run
    "run-no-token": Failure(("run",), ("TELEGRAM_BOT_TOKEN is not set",)),
    "run-bad-setting": Failure(
        ("run",), ("setting QUOTEBOT_PORT",), env={"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_PORT": "eighty"}
    ),
    "run-api-url": Failure(
        ("run",),
        ("QUOTEBOT_API_BASE_URL is not an http",),
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_API_BASE_URL": "x"},
    ),
    "run-webhook-http": Failure(
        ("run",),
        ("QUOTEBOT_WEBHOOK_URL must be an https:// URL",),
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_WEBHOOK_URL": "http://bot.example.org/hook"},
    ),
    "run-webhook-no-secret": Failure(
        ("run",),
        ("webhook mode needs QUOTEBOT_WEBHOOK_SECRET",),
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_WEBHOOK_URL": "https://bot.example.org/hook"},
    ),
    "run-token-shape": Failure(
        ("run",),
        ("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather",),
        env={"TELEGRAM_BOT_TOKEN": "12345"},
    ),
    "run-token-too-short": Failure(
        ("run",),
        ("does not look like a token from @BotFather",),
        env={"TELEGRAM_BOT_TOKEN": TOKEN[:-1], "QUOTEBOT_API_BASE_URL": UNREACHABLE},
    ),
    "run-token-with-a-space": Failure(
        ("run",), ("does not look like a token from @BotFather",), env={"TELEGRAM_BOT_TOKEN": f"{TOKEN} "}
    ),
    "run-token-checked-first": Failure(  # before the settings after it, the articles, the webhook
        ("run",),
        ("does not look like a token from @BotFather",),
        env={"TELEGRAM_BOT_TOKEN": "bot" + TOKEN, "QUOTEBOT_SEEDS": "nope", "QUOTEBOT_WEBHOOK_URL": "http://x"},
    ),
    "no-command-token-shape": Failure(
        (), ("does not look like a token",), env={"TELEGRAM_BOT_TOKEN": "77:notAtoken_Q"}
    ),
    "run-missing-articles": Failure(
        ("run",), ("no such file or folder: nope",), env={"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_SEEDS": "nope"}
    ),
    "run-metrics-port-taken": Failure(
        ("run",),
        ("for health and metrics", "set QUOTEBOT_METRICS_PORT to a free port"),
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "QUOTEBOT_API_BASE_URL": UNREACHABLE, "QUOTEBOT_LOG_LEVEL": "WARNING"},
    ),
}


@contextmanager
def _taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.mark.parametrize("case", FAILURES.values(), ids=FAILURES.keys())
def test_a_failure_is_one_line_naming_the_thing_and_what_to_do(tmp_path: Path, case: Failure) -> None:
    if case.make is not None:
        case.make(tmp_path)
    env = {"QUOTEBOT_DB": str(tmp_path / "quotebot.sqlite3"), **case.env}
    with _taken_port() as port:
        if "QUOTEBOT_METRICS_PORT" not in env and "metrics" in " ".join(case.says):
            env["QUOTEBOT_METRICS_PORT"] = str(port)
        result = quotebot(*case.args, cwd=tmp_path, env=env)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("quotebot: error: "), err
    assert "Traceback" not in err and "Error(" not in err and "Exception(" not in err
    for words in case.says:
        assert words in err
    assert TOKEN not in err and TOKEN.split(":")[1] not in err
    token = case.env.get("TELEGRAM_BOT_TOKEN", "").strip()
    assert not token or token.split(":")[-1] not in err  # a token, even a malformed one, is never shown
    assert result.stdout == b""


def test_the_test_token_is_shaped_like_one_from_botfather() -> None:
    assert token_is_well_shaped(TOKEN)
    assert TOKEN.startswith("5127836401:") and "quotebot_TEST_token" in TOKEN  # distinctive, so a leak is easy to find
    assert not token_is_well_shaped(TOKEN + "x") and not token_is_well_shaped(TOKEN.replace(":", "-"))
