"""The README's examples are what the bot prints: each is run through the real command line (or
console) and compared, so that they never drift from the code. And the troubleshooting guide
keeps its shape."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.helpers.terminal import CTRL_D, terminal
from tests.test_cli import quotebot

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` (a Markdown heading line), up to the next heading of its level or above."""
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    level = len(heading) - len(heading.lstrip("#"))
    after = re.search(rf"^#{{1,{level}}} ", text[start:], re.MULTILINE)
    return text[start : start + after.start()] if after else text[start:]


def _blocks(text: str) -> list[str]:
    """The fenced code blocks of ``text``, without their fences."""
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def test_the_opening_example_is_what_ask_prints_for_its_questions(tmp_path: Path) -> None:
    example = _blocks(_section(README, "## What it does"))[0]
    questions = [line[2:] for line in example.splitlines() if line.startswith("> ")]
    assert len(questions) == 2
    result = quotebot("ask", stdin="".join(q + "\n" for q in questions), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == example
    each = quotebot("ask", "--each", *questions, cwd=tmp_path)
    assert each.stdout.decode() == example


def test_the_json_example_is_what_ask_json_prints(tmp_path: Path) -> None:
    section = _section(README, "### `ask --json`")
    command = re.search(r"`quotebot (ask --json [^`]+)` prints this line", section)
    assert command, "the JSON example names the command that prints it"
    (example, *_) = _blocks(section)
    result = quotebot(*shlex.split(command.group(1)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (printed,) = result.stdout.decode().splitlines()
    # Broken into lines to fit the page; otherwise the very line: same keys, order, values, spelling.
    assert json.dumps(json.loads(example), ensure_ascii=False) == printed


def test_the_console_examples_are_what_the_console_prints(tmp_path: Path) -> None:
    section = _section(README, "### The console")
    (greeting,) = _blocks(section)
    with terminal("console", cwd=tmp_path) as term:
        assert term.expect("\n? ") == greeting + "? "
        term.type(CTRL_D)
        assert term.exit_code() == 0
    unknown = re.search(r"An unknown command gets `([^`]+)`", section)
    assert unknown
    result = quotebot("console", stdin="/foo\n", cwd=tmp_path)
    assert result.stdout.decode().strip() == unknown.group(1)


def test_troubleshooting_gives_symptom_cause_and_command_for_each_problem() -> None:
    guide = _section((ROOT / "docs" / "operating.md").read_text(encoding="utf-8"), "## Troubleshooting")
    problems = re.split(r"^### ", guide, flags=re.MULTILINE)[1:]
    titles = [problem.splitlines()[0] for problem in problems]
    for wanted in ("silent in a group", "token is rejected", "webhook receives nothing", "logs", "expired", "locked"):
        assert any(wanted in title for title in titles), (wanted, titles)
    for problem in problems:
        for part in ("**Symptom:**", "**Cause:**", "**Command:**"):
            assert part in problem, (problem.splitlines()[0], part)
