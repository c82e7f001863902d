"""The console as a person meets it: at a terminal (a real pseudo-terminal), and with its input piped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.articles import ARTICLES
from tests.helpers.terminal import CTRL_D, terminal
from tests.test_cli import quotebot

SEED_TITLE = "North Korean POWs in Ukraine wish to defect to South Korea, but little progress on their transfer"
QUESTION = "When were they captured?"
ANSWER = "│ Ukrainian forces captured them in January 2023."


def console(*lines: str, cwd: Path, corpus: Path | None = None) -> list[str]:
    """The replies of ``quotebot console`` to ``lines`` piped in, one reply each."""
    output = shown(*lines, cwd=cwd, corpus=corpus)
    return output.split("\n\n") if output else []


def shown(*lines: str, cwd: Path, corpus: Path | None = None) -> str:
    """All ``quotebot console`` prints for ``lines`` piped in."""
    args = ["console"] + (["--corpus", str(corpus)] if corpus else [])
    result = quotebot(*args, stdin="".join(line + "\n" for line in lines), cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    return str(result.stdout.decode().strip())


def _examples(help_reply: str) -> list[str]:
    return [line.strip() for line in help_reply.splitlines() if line.startswith("  ")]


# /help, unknown commands, bare words --------------------------------------------------------


def test_help_lists_the_console_commands_and_examples_the_article_answers(tmp_path: Path) -> None:
    help_reply = shown("/help", cwd=tmp_path)
    for command in ("/about", "/help", "/quit"):
        assert re.search(rf"^{command}\s", help_reply, re.MULTILINE), help_reply
    assert "#N" not in help_reply  # one article: nothing to narrow
    assert "Context" not in help_reply and "👍" not in help_reply  # Telegram's buttons are not here
    examples = _examples(help_reply)
    assert 2 <= len(examples) <= 3
    replies = console(*examples, cwd=tmp_path)
    assert len(replies) == len(examples)
    assert all(reply.startswith("│ ") for reply in replies)  # each example is answered with quotes
    assert len({reply.splitlines()[0] for reply in replies}) == len(replies)  # and each with another line


def test_with_several_articles_help_shows_narrowing_and_examples_from_those_articles(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    help_reply = shown("/help", cwd=tmp_path, corpus=folder)
    assert re.search(r"^#N question\s", help_reply, re.MULTILINE)
    examples = _examples(help_reply)
    assert examples and not any("Korea" in example for example in examples)
    words = {word for text in ARTICLES.values() for word in re.findall(r"[A-Z][a-z]+", text)}
    for example in examples:
        assert set(re.findall(r"[A-Z][a-z]+", example)) - {"What"} <= words  # names from these articles


def test_an_unknown_command_says_so_and_points_to_help(tmp_path: Path) -> None:
    assert console("/foo", "/Stats now", cwd=tmp_path) == [
        "Unknown command: /foo (try /help)",
        "Unknown command: /Stats (try /help)",
    ]


@pytest.mark.parametrize("word", ["clear", "ok", "hmm", "thanks", "What?"])
def test_a_bare_word_that_is_no_question_gets_a_hint_not_quotes(tmp_path: Path, word: str) -> None:
    (hint,) = console(word, cwd=tmp_path)
    assert hint.startswith(f"“{word.rstrip('?')}” is not a question about the article. Try, for example: What about ")
    assert hint.endswith("(/help lists the commands)")
    assert "│" not in hint


def test_a_bare_word_the_article_is_about_is_still_searched(tmp_path: Path) -> None:
    (reply,) = console("Kursk", cwd=tmp_path)
    assert "Battle of Kursk" in reply and reply.startswith("│ ")


@pytest.mark.parametrize("leave", ["/quit", "/exit"])
def test_piped_quit_stops_reading(tmp_path: Path, leave: str) -> None:
    replies = console(QUESTION, leave, QUESTION, cwd=tmp_path)
    assert len(replies) == 1 and replies[0].startswith(ANSWER)


def test_piped_exit_or_quit_alone_is_a_line_like_any_other(tmp_path: Path) -> None:
    replies = console("exit", "quit", QUESTION, cwd=tmp_path)
    assert [reply.split(" is not a question")[0] for reply in replies[:2]] == ["“exit”", "“quit”"]
    assert replies[2].startswith(ANSWER)  # the input is read to its end


def test_piped_about_shows_the_title(tmp_path: Path) -> None:
    assert console("/about", cwd=tmp_path) == [f"{SEED_TITLE}: 16 paragraphs, 34 sentences"]


# At a terminal ----------------------------------------------------------------------------


def test_at_a_terminal_one_line_says_what_is_served_and_how_to_leave(tmp_path: Path) -> None:
    with terminal("console", cwd=tmp_path) as term:
        start = term.expect("? ")
        assert start == (
            f"Quotebot console: “{SEED_TITLE}”, 34 sentences. "
            "Ask a question; /help for help, /quit or Ctrl-D to leave.\n? "
        )
        term.type(QUESTION + "\n")
        assert ANSWER in term.expect("\n? ")
        term.type(CTRL_D)
        assert term.exit_code() == 0


def test_at_a_terminal_ctrl_c_clears_a_half_typed_line_and_leaves_on_an_empty_one(tmp_path: Path) -> None:
    with terminal("console", cwd=tmp_path) as term:
        term.expect("? ")
        term.type("Who painted the")
        term.expect("Who painted the")
        term.interrupt()
        term.expect("\n? ")  # a fresh prompt, the half-typed question gone
        term.type(QUESTION + "\n")
        reply = term.expect("\n? ")
        assert ANSWER in reply and "Mona Lisa" not in reply and "doesn't answer" not in reply
        term.interrupt()
        assert term.exit_code() == 0
        assert "Traceback" not in term.shown and "KeyboardInterrupt" not in term.shown


@pytest.mark.parametrize("leave", ["/quit", "exit"])
def test_at_a_terminal_quit_or_exit_leaves(tmp_path: Path, leave: str) -> None:
    with terminal("console", cwd=tmp_path) as term:
        term.expect("? ")
        term.type(leave + "\n")
        assert term.exit_code() == 0
    assert (tmp_path / "history").exists()  # the line history is kept for the next session
