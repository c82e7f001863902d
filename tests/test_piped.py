"""Questions from a pipe: ``quotebot ask`` as a script drives it, one question at a time, and
the line reader underneath (bot.piped) over real pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot import piped


def _read_all(chunks: list[bytes], pause: float = 0.0) -> list[str]:
    """Write ``chunks`` into a real pipe (``pause`` seconds apart) and read it back as lines."""
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as w:
            for chunk in chunks:
                w.write(chunk)
                time.sleep(pause)

    writer = threading.Thread(target=write)
    writer.start()
    with os.fdopen(read_end, "r", encoding="utf-8") as stream:
        got = list(piped.lines(stream))
    writer.join()
    return got


def test_lines_end_at_newlines_whatever_the_writes() -> None:
    text = b"Who won?\r\nWhen did it end?\n\nWhat about Kyiv\n"
    whole = _read_all([text])
    assert whole == ["Who won?", "When did it end?", "", "What about Kyiv"]
    # Byte by byte, slower than the reader's moment of polling: the same lines.
    assert _read_all([text[i : i + 1] for i in range(len(text))], pause=0.003) == whole


def test_a_last_line_without_newline_and_characters_split_across_writes() -> None:
    text = "Où est Kyïv ?\nЧто случилось".encode()
    cut = text.index("ï".encode()) + 1  # inside the two bytes of "ï"
    assert _read_all([text[:cut], text[cut:]], pause=0.01) == ["Où est Kyïv ?", "Что случилось"]


def test_undecodable_bytes_are_read_as_replacement_characters() -> None:
    assert _read_all([b"caf\xe9 \xff?\n"]) == ["caf\ufffd \ufffd?"]


def test_ask_answers_each_question_before_the_next_is_written(tmp_path: Path) -> None:
    # As a script uses it: write a question, wait for its answer, then write the next one,
    # sometimes at once and sometimes after the reader has stopped polling and blocked.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    env["QUOTEBOT_CACHE"] = str(tmp_path / "cache")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        answers = []
        for question, pause in [("When were they captured?", 0), ("Who is Baek?", 0.05), ("What is 2+2?", 0)]:
            time.sleep(pause)
            process.stdin.write(question.encode() + b"\n")
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert [a["question"] for a in answers] == ["When were they captured?", "Who is Baek?", "What is 2+2?"]
    assert "January 2023" in answers[0]["quotes"][0]["text"]
    assert answers[1]["answered"] is True
    assert answers[2]["verdict"] in {"declined", "closest"}
