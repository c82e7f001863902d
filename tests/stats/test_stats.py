"""What readers asked: the database a conversation leaves, its report in the terminal, and that
recording never costs an answer."""

from __future__ import annotations

import logging
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.answer import MAX_QUESTION, Answerer
from bot.config import Settings
from bot.stats.recorder import BUSY_TIMEOUT, COMMIT_AFTER, Recorder, normalized
from bot.stats.report import report
from tests.helpers.fake_bot_api import ADA, BOB, CHANNEL, GROUP, PRIVATE, FakeBotAPI
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to, eventually, keyboard, rows

BITCOIN = "What is the price of bitcoin?"


def test_database_is_created_on_first_use_in_wal_mode(tmp_path: Path, answerer: Answerer) -> None:
    path = tmp_path / "state" / "quotebot" / "quotebot.sqlite3"
    recorder = Recorder(path)
    assert not path.exists()  # nothing until something is recorded
    question = recorder.question("private", answerer.answer(QUESTION))
    assert question == 1
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT chat_type, question, answered, top_text FROM questions").fetchall() == [
            ("private", QUESTION, 1, ANSWER)
        ]


def test_a_database_deleted_while_the_bot_runs_is_created_again(tmp_path: Path, answerer: Answerer) -> None:
    path = tmp_path / "quotebot.sqlite3"
    recorder = Recorder(path)
    recorder.question("private", answerer.answer(QUESTION))
    path.unlink()
    for leftover in tmp_path.glob("quotebot.sqlite3-*"):  # the WAL and its index
        leftover.unlink()
    assert recorder.question("group", answerer.answer(QUESTION)) == 1  # in a new file, not the deleted one
    assert rows(path, "SELECT chat_type FROM questions") == [("group",)]


def test_recording_off_records_nothing(tmp_path: Path, answerer: Answerer) -> None:
    recorder = Recorder(None)
    assert not recorder.enabled
    assert recorder.question("private", answerer.answer(QUESTION)) is None
    assert list(tmp_path.iterdir()) == []


def test_a_broken_or_busy_database_loses_the_record_not_the_bot(
    tmp_path: Path, answerer: Answerer, caplog: Any
) -> None:
    answer = answerer.answer(QUESTION)
    assert Recorder(tmp_path).question("private", answer) is None  # a folder, not a database
    path = tmp_path / "busy.sqlite3"
    recorder = Recorder(path)
    recorder.question("private", answer)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        started = time.monotonic()
        assert recorder.question("group", answer) is None
        assert time.monotonic() - started < BUSY_TIMEOUT + 1.0  # waited briefly, then gave up
        other.execute("ROLLBACK")
    assert [r.levelno for r in caplog.records if r.name == "quotebot.stats"] == [logging.ERROR, logging.ERROR]


async def test_in_the_bot_writes_are_committed_together_within_a_bounded_delay(
    tmp_path: Path, answerer: Answerer
) -> None:
    path = tmp_path / "quotebot.sqlite3"
    recorder = Recorder(path)
    answer = answerer.answer(QUESTION)
    started = time.monotonic()
    ids = [recorder.question("private", answer) for _ in range(3)]
    assert ids == [1, 2, 3]  # known at once: the buttons under each answer carry them
    assert recorder.feedback(2, helpful=True) == 1  # the bot's own writes see the pending question
    assert rows(path, "SELECT id FROM questions") == []  # not committed yet: other readers see nothing
    await eventually(lambda: rows(path, "SELECT id FROM questions"), timeout=COMMIT_AFTER + 5)
    assert time.monotonic() - started >= COMMIT_AFTER - 0.05
    assert rows(path, "SELECT id FROM questions") == [(1,), (2,), (3,)]  # all in one commit
    assert rows(path, "SELECT question_id, helpful FROM feedback") == [(2, 1)]
    recorder.question("group", answer)  # a new batch, committed on its own
    await eventually(lambda: len(rows(path, "SELECT id FROM questions")) == 4, timeout=COMMIT_AFTER + 5)
    recorder.close()


async def test_pending_writes_are_committed_at_close_and_by_commit(tmp_path: Path, answerer: Answerer) -> None:
    path = tmp_path / "quotebot.sqlite3"
    recorder = Recorder(path)
    answer = answerer.answer(QUESTION)
    recorder.question("private", answer)
    recorder.commit()  # as /stats does before reading the file
    assert rows(path, "SELECT id FROM questions") == [(1,)]
    recorder.question("group", answer)
    recorder.close()  # the bot stopping: nothing pending is lost
    assert rows(path, "SELECT chat_type FROM questions") == [("private",), ("group",)]
    recorder.close()  # twice is once
    assert recorder.question("channel", answer) == 3  # opened again on the next use
    recorder.close()
    assert len(rows(path, "SELECT id FROM questions")) == 3


def test_only_what_was_asked_is_recorded(tmp_path: Path, answerer: Answerer) -> None:
    path = tmp_path / "quotebot.sqlite3"
    recorder = Recorder(path)
    assert recorder.question("group", answerer.answer("")) is None  # "/ask" alone asked nothing
    assert recorder.question("private", answerer.answer("captured? " * 500)) == 1
    assert rows(path, "SELECT length(question) FROM questions") == [(MAX_QUESTION,)]  # as read


def test_questions_are_counted_regardless_of_case_and_spacing() -> None:
    assert normalized("  When were they  CAPTURED? ") == normalized("when were they captured") != ""


def test_report_on_an_empty_database(tmp_path: Path, answerer: Answerer) -> None:
    path = tmp_path / "quotebot.sqlite3"
    Recorder(path).question("private", answerer.answer(QUESTION))
    with closing(sqlite3.connect(path)) as db:
        db.execute("DELETE FROM questions")
        db.commit()
    assert report(path) == "No questions recorded yet."


async def test_a_conversation_is_recorded_without_who_asked(fake: FakeBotAPI, bot: Any, settings: Settings) -> None:
    answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    await answer_to(fake, GROUP, fake.push_text(GROUP, f"{ASK} {BITCOIN}", sender=BOB))
    await answer_to(fake, CHANNEL, fake.push_text(CHANNEL, f"@Quote_Test_Bot {QUESTION}"))
    await fake.wait_callback_answer(fake.press(answer.result, "👎"))
    # Committed in a batch, within COMMIT_AFTER seconds of the last write.
    await eventually(lambda: rows(settings.db, "SELECT question_id, helpful FROM feedback"))
    assert rows(
        settings.db, "SELECT chat_type, question, normalized, answered, top_document, top_sentence FROM questions"
    ) == [
        ("private", QUESTION, "when were they captured", 1, "000_af6a6ede7ec27ba1.txt", 8),
        ("group", BITCOIN, "what is the price of bitcoin", 0, None, None),
        ("channel", QUESTION, "when were they captured", 1, "000_af6a6ede7ec27ba1.txt", 8),
    ]
    assert rows(settings.db, "SELECT question_id, helpful FROM feedback") == [(1, 0)]
    everything = " ".join(
        str(cell)
        for table in ("questions", "feedback")
        for row in rows(settings.db, f"SELECT * FROM {table}")
        for cell in row
    )
    for who in (ADA.id, ADA.first_name, ADA.username, BOB.id, BOB.first_name, PRIVATE.id, GROUP.id, CHANNEL.id):
        assert str(who) not in everything


async def test_the_database_is_closed_cleanly_when_the_bot_stops(
    fake: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    settings = make_settings(fake, db=tmp_path / "quotebot.sqlite3")
    async with running(settings, answerer):
        await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
        assert (tmp_path / "quotebot.sqlite3-wal").exists()  # the bot keeps its connection while it runs
    # SQLite folds the write-ahead log into the file and removes it when the last connection closes.
    assert not (tmp_path / "quotebot.sqlite3-wal").exists()
    assert rows(settings.db, "SELECT question FROM questions") == [(QUESTION,)]


async def test_answering_goes_on_when_the_database_is_broken(
    fake: FakeBotAPI, answerer: Answerer, tmp_path: Path, caplog: Any
) -> None:
    settings = make_settings(fake, db=tmp_path)  # a folder: every write fails
    async with running(settings, answerer):
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, QUESTION))
    assert reply.text.startswith(ANSWER)
    assert keyboard(reply) == [["More", "Context"]]  # no feedback to link to an unrecorded question
    assert any(r.name == "quotebot.stats" and r.levelno == logging.ERROR for r in caplog.records)


async def test_quotebot_stats_prints_readable_tables(fake: FakeBotAPI, bot: Any, settings: Settings) -> None:
    conversation = [
        (PRIVATE, QUESTION, "👍"),
        (GROUP, f"{ASK} when were they captured", "👍"),
        (PRIVATE, "Who met the prisoners in March?", "👎"),
        (PRIVATE, BITCOIN, None),
        (GROUP, f"{ASK} What is the price of Bitcoin", None),
        (PRIVATE, "Кто их взял в плен?", None),
    ]
    for chat, text, thumb in conversation:
        reply = await answer_to(fake, chat, fake.push_text(chat, text))
        if thumb:
            await fake.wait_callback_answer(fake.press(reply.result, thumb))
    await eventually(lambda: len(rows(settings.db, "SELECT id FROM feedback")) == 3)  # the last batch committed
    result = subprocess.run(
        [sys.executable, "-m", "bot", "stats", "--db", str(settings.db), "--limit", "5"],
        capture_output=True,
        timeout=60,
        cwd=settings.db.parent,
    )
    assert result.returncode == 0, result.stderr
    today = time.strftime("%Y-%m-%d", time.gmtime())
    lines = result.stdout.decode().splitlines()
    assert lines[:12] == [
        f"6 questions from {today} to {today}: 3 answered (50%), 3 not.",
        "By chat: private 4, group 2.",
        "",
        "Most asked",
        "#  times  answered  question",
        "-  -----  --------  -------------------------------",
        "1      2  no        What is the price of Bitcoin",
        "2      2  yes       when were they captured",
        "3      1  no        Кто их взял в плен?",
        "4      1  yes       Who met the prisoners in March?",
        "",
        "Not answered by the articles",
    ]
    assert lines[12:14] == [
        "times  last asked        question",
        "-----  ----------------  ----------------------------",
    ]
    asked = r"\d{4}-\d\d-\d\d \d\d:\d\d"  # when last asked, UTC, to the minute
    assert re.fullmatch(rf"    2  {asked}  What is the price of Bitcoin", lines[14])
    assert re.fullmatch(rf"    1  {asked}  Кто их взял в плен\?", lines[15])
    assert lines[16:21] == [
        "",
        "Thumbs-up ratio",
        "2 thumbs up, 1 thumbs down: 67% helpful.",
        "up  down  helpful  question",
        "--  ----  -------  -------------------------------",
    ]
    assert lines[21:] == [
        " 2     0     100%  when were they captured",  # both wordings, shown as last asked
        " 0     1       0%  Who met the prisoners in March?",
    ]


def test_quotebot_stats_without_a_database_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "stats", "--db", str(tmp_path / "none.sqlite3")],
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"quotebot: error: no database at {tmp_path / 'none.sqlite3'}")
    assert not (tmp_path / "none.sqlite3").exists()  # reading never creates it


def test_each_verdict_is_recorded_and_the_hedged_ones_are_counted(tmp_path: Path, answerer: Answerer) -> None:
    db = tmp_path / "stats.sqlite3"
    recorder = Recorder(db)
    for question in [
        "When were they captured?",
        "hey whos the documentary maker who talked to them",
        "capital of France?",
    ]:
        recorder.question("private", answerer.answer(question))
    recorder.close()
    assert [v for (v,) in rows(db, "SELECT verdict FROM questions ORDER BY id")] == ["answered", "closest", "declined"]
    assert report(db).splitlines()[0].endswith("1 answered (33%), 2 not (1 with the closest lines, hedged).")


def test_a_database_from_before_the_verdicts_is_read_and_extended(tmp_path: Path, answerer: Answerer) -> None:
    db = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(db)) as old:
        old.executescript(
            "CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, chat_type TEXT NOT NULL,"
            " question TEXT NOT NULL, normalized TEXT NOT NULL, article TEXT, answered INTEGER NOT NULL,"
            " top_document TEXT, top_sentence INTEGER, top_text TEXT);"
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, question_id INTEGER NOT NULL, given_at TEXT NOT NULL,"
            " helpful INTEGER NOT NULL);"
            "INSERT INTO questions VALUES (1, '2026-01-02T03:04:05', 'private', 'q', 'q', NULL, 1, NULL, NULL, NULL);"
        )
        old.commit()
    assert report(db).splitlines()[0] == "1 question from 2026-01-02 to 2026-01-02: 1 answered (100%), 0 not."
    recorder = Recorder(db)
    recorder.question("group", answerer.answer("When were they captured?"))
    recorder.close()
    assert [v for (v,) in rows(db, "SELECT verdict FROM questions ORDER BY id")] == [None, "answered"]
