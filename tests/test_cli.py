"""The command line as a real process: the contracts of DESIGN.md and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.terminal import terminal

SEED_SENTENCES = 34


def quotebot(*args: str, stdin: str | bytes = b"", cwd: Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Run ``python -m bot`` with a clean environment (no token, no settings) in ``cwd``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    clean["QUOTEBOT_CACHE"] = str(cwd / "cache")  # built indexes: never outside the test's folder
    clean.update(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=data, capture_output=True, cwd=cwd, env=clean, timeout=60
    )


def test_ask_json_one_object_per_question(tmp_path: Path) -> None:
    result = quotebot(
        "ask", "--json", "--each", "Who met the prisoners in March?", "What is the capital of Peru?", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["question"] for r in lines] == ["Who met the prisoners in March?", "What is the capital of Peru?"]
    met, peru = lines
    assert met["answered"] is True
    assert "Rep. Yoo Yong Won of the ruling People Power Party" in met["quotes"][0]["text"]
    assert met["quotes"][0]["document"] == "000_af6a6ede7ec27ba1.txt"
    assert 0 <= met["quotes"][0]["sentence"] < SEED_SENTENCES
    assert peru["answered"] is False and peru["quotes"] == []
    assert met["reply"].startswith("│ ")


def test_ask_reads_one_question_a_line_from_stdin(tmp_path: Path) -> None:
    questions = "Where did the interview take place?\n\nDid Trump give a timeline?\n"
    result = quotebot("ask", "--json", stdin=questions, cwd=tmp_path)
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 2  # the blank line is not a question
    assert all(r["answered"] for r in rows)


CAPTURED = "│ Ukrainian forces captured them in January 2023.\n  ¶4 · sentence 2\n"
DECLINED = "The article doesn't answer that, as far as I can tell, so I won't guess.\n"


def test_ask_words_without_quotes_are_one_question(tmp_path: Path) -> None:
    result = quotebot("ask", "when", "were", "they", "captured", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == CAPTURED
    as_json = quotebot("ask", "--json", "when", "were", "they", "captured?", cwd=tmp_path)
    (row,) = [json.loads(line) for line in as_json.stdout.decode().splitlines()]
    assert row["question"] == "when were they captured?" and row["answered"] is True


def test_ask_each_shows_each_reply_under_its_question(tmp_path: Path) -> None:
    result = quotebot("ask", "--each", "When were they captured?", "Who painted the Mona Lisa?", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        f"> When were they captured?\n{CAPTURED}\n> Who painted the Mona Lisa?\n{DECLINED}"
    )
    alone = quotebot("ask", "--each", "When were they captured?", cwd=tmp_path)
    assert alone.stdout.decode() == CAPTURED  # one question: just its reply


def test_ask_questions_from_stdin_each_reply_under_its_question(tmp_path: Path) -> None:
    result = quotebot("ask", stdin="When were they captured?\n\nWho painted the Mona Lisa?\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        f"> When were they captured?\n{CAPTURED}\n> Who painted the Mona Lisa?\n{DECLINED}"
    )


def test_ask_with_no_question_at_a_terminal_prints_the_usage(tmp_path: Path) -> None:
    with terminal("ask", cwd=tmp_path) as term:
        assert term.exit_code() == 2
    assert term.shown.startswith("usage: quotebot ask [-h] [--json] [--each]")
    assert "pipe questions one a line" in term.shown and "Traceback" not in term.shown


def test_quotes_are_whole_sentences_of_the_given_corpus(tmp_path: Path) -> None:
    article = tmp_path / "bridge.txt"
    article.write_text("The bridge opened in 1932. It was built by Dorman Long.\nThe tolls ended in 1998.\n")
    result = quotebot("ask", "--json", "--corpus", str(article), "Who built the bridge?", cwd=tmp_path)
    (row,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert row["quotes"][0]["text"] == "It was built by Dorman Long."
    assert row["quotes"][0]["document"] == "bridge.txt"


def test_console_with_piped_input_prints_each_reply_and_exits(tmp_path: Path) -> None:
    result = quotebot("console", stdin="/about\nWhat did Ukrainian authorities release?\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    about, answer = result.stdout.decode().strip().split("\n\n")
    assert about == (
        "North Korean POWs in Ukraine wish to defect to South Korea, but little progress on their transfer: "
        "16 paragraphs, 34 sentences"
    )
    assert "personal information and interrogation videos" in answer
    assert "¶4 · sentence 3" in answer


def test_no_subcommand_and_no_token_starts_the_console(tmp_path: Path) -> None:
    result = quotebot(stdin="Who are Baek and Ri?\n", cwd=tmp_path)
    assert result.returncode == 0
    assert "Baek and Ri" in result.stdout.decode()


def test_run_without_a_token_says_how_to_fix_it(tmp_path: Path) -> None:
    result = quotebot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("quotebot: error: TELEGRAM_BOT_TOKEN is not set")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "no such file or folder"),
        (lambda d: d, "no articles"),
        (lambda d: _file(d / "empty.txt", b""), "is empty"),
        (lambda d: _file(d / "image.txt", bytes(range(256)) * 4), "binary"),
        (lambda d: _file(d / "latin.txt", "Déjà vu, café.".encode("latin-1")), "not UTF-8"),
    ],
)
def test_bad_corpus_is_one_clear_line_and_exit_code_2(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "articles"
    folder.mkdir()
    path = make(folder)
    for command in (["ask", "--json", "--corpus", str(path), "Who?"], ["console", "--corpus", str(path)]):
        result = quotebot(*command, cwd=tmp_path)
        err = result.stderr.decode()
        assert result.returncode == 2
        assert err.startswith("quotebot: error:") and message in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert result.stdout == b""


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_hostile_input_gets_replies_not_tracebacks(tmp_path: Path) -> None:
    garbage = b"\xff\xfe\x00binary\x00\x80\x81\n" + ("Who " * 25_000).encode() + b"\n<b>&amp;</b> \xe2\x80\x8f\n"
    result = quotebot("ask", "--json", stdin=garbage, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 3
    assert b"Traceback" not in result.stderr


def test_eval_prints_the_four_metrics_and_writes_rankings(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    sentences = ["The museum opened in 1901.", "Its roof is glass.", "Entry is free on Sundays."]
    rows = [
        {"qid": "1", "question": "When did the museum open?", "doc_title": "M", "sentences": sentences, "gold": [0]},
        {"qid": "2", "question": "What is the roof made of?", "doc_title": "M", "sentences": sentences, "gold": [1]},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "rankings.jsonl"
    result = quotebot("eval", str(data), "--rankings", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = result.stdout.decode()
    for metric in ("P@1", "R@3", "MRR", "MAP"):
        assert metric in report
    assert [json.loads(line)["qid"] for line in out.read_text().splitlines()] == ["1", "2"]


def test_eval_of_a_missing_file(tmp_path: Path) -> None:
    result = quotebot("eval", str(tmp_path / "nope.jsonl"), cwd=tmp_path)
    assert result.returncode == 2 and b"cannot read" in result.stderr


def test_settings_errors_are_one_line(tmp_path: Path) -> None:
    result = quotebot("ask", "x", cwd=tmp_path, env={"QUOTEBOT_LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert result.stderr.decode().startswith("quotebot: error: setting QUOTEBOT_LOG_LEVEL")
