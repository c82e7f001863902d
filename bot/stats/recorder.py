"""What readers asked: a small SQLite database of questions and feedback (its report: :mod:`bot.stats.report`).

    recorder = Recorder(path)                     # None: recording off
    qid = recorder.question("group", answer)      # when the bot answers
    recorder.feedback(qid, helpful=True)          # a 👍 under that answer
    print(report(path, limit=10))                 # ``quotebot stats``, and /stats for admins

For each question the database keeps when it was asked (UTC), the kind of chat it came from
(private, group, supergroup, channel, or inline), its text, the article it was narrowed to,
whether the articles answered it, and the top sentence quoted; each 👍 or 👎 is linked to its
question. It never keeps who asked: no user or chat ids, no names.

Recording must never cost an answer. The recorder keeps one connection (opened again when the
file is deleted or replaced) with a short busy timeout, in WAL mode (readers such as
``quotebot stats`` never block the bot), and every error is logged and swallowed: a locked, full
or broken database means a question goes unrecorded, never unanswered.

Inside a running event loop (the bot), writes are committed in batches: the first write opens a
transaction, and whatever was written within :data:`COMMIT_AFTER` seconds is committed together,
as is whatever is pending when the bot stops (:meth:`Recorder.close`) or an admin asks for /stats
(:meth:`Recorder.commit`). One commit a question appended its pages to the write-ahead log each
time, and under load that was most of recording's cost. Ids are known at once (the buttons under
an answer carry them), and the bot's own reads see its pending writes; other readers, such as
``quotebot stats``, see them up to :data:`COMMIT_AFTER` seconds later, and a crash loses at most
that much. Without a running loop (scripts, tests) each write is committed at once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.answer import MAX_QUESTION, Answer, Verdict

__all__ = ["BUSY_TIMEOUT", "COMMIT_AFTER", "Recorder", "StatsError", "UnknownQuestion", "normalized"]

log = logging.getLogger("quotebot.stats")

BUSY_TIMEOUT = 0.25  # seconds a write waits for a lock before the question goes unrecorded
COMMIT_AFTER = 0.5  # seconds at most between a write in the bot and its commit (module docstring)

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,          -- UTC, ISO 8601, to the second
    chat_type TEXT NOT NULL,         -- private, group, supergroup, channel, inline
    question TEXT NOT NULL,          -- as asked, without /ask, the bot's name or #N
    normalized TEXT NOT NULL,        -- case and spacing folded: what "the same question" means
    article TEXT,                    -- the article's file it was narrowed to, if any
    answered INTEGER NOT NULL,       -- 1: quoted an answer; 0: the articles do not say
    verdict TEXT,                    -- answered, closest (hedged) or declined; NULL before 0.2
    top_document TEXT,               -- the top quote's article file,
    top_sentence INTEGER,            -- its 0-based sentence number there,
    top_text TEXT                    -- and its text
);
CREATE INDEX IF NOT EXISTS questions_normalized ON questions (normalized);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    given_at TEXT NOT NULL,
    helpful INTEGER NOT NULL         -- 1: 👍, 0: 👎
);
CREATE INDEX IF NOT EXISTS feedback_question ON feedback (question_id);
"""


class StatsError(Exception):
    """A database that cannot be reported on; the message says which and why."""


class UnknownQuestion(Exception):
    """Feedback on a question the database does not hold (it was reset since)."""


def normalized(question: str) -> str:
    """The question folded for counting: "When were they captured?" = "when were they captured"."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", question).casefold()).strip(" ?!.,;:¿¡…")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Recorder:
    """Writes questions and feedback to the database at ``path``; does nothing when ``path`` is None."""

    def __init__(self, path: Path | None) -> None:
        self.path = path.expanduser() if path is not None else None
        # One connection, kept: opening and closing one per question cost about a millisecond,
        # more than answering. ``_file`` is the (device, inode) it opened, to notice a new file.
        self._db: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None
        self._commit: asyncio.TimerHandle | None = None  # the pending batch's commit, when one is open

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @contextmanager
    def _database(self) -> Iterator[sqlite3.Connection]:
        """The connection, in autocommit mode; the file and schema created on first use.

        The file is looked at (one ``stat``) before each use: deleted or replaced while the bot
        ran, it is opened (or created) again, so the question is recorded in the file that is
        there now rather than in a deleted one. Any error closes the connection, so the next use
        checks the file and schema again.
        """
        assert self.path is not None
        try:
            if self._db is None or self._file != _identity(self.path):
                self.close()
                self._db = self._open(self.path)
                self._file = _identity(self.path)
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            yield self._db
        except (sqlite3.Error, OSError):
            self.close()
            raise
        self._commit_soon()

    def _commit_soon(self) -> None:
        """Commit the pending writes within :data:`COMMIT_AFTER` seconds, or now without an event loop."""
        if self._commit is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.commit()
            return
        self._commit = loop.call_later(COMMIT_AFTER, self.commit)

    def commit(self) -> None:
        """Commit the writes not committed yet, now (errors logged: those writes are lost)."""
        if self._commit is not None:
            self._commit.cancel()
            self._commit = None
        if self._db is None or not self._db.in_transaction:
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as err:
            log.error("Could not record the last questions and feedback in %s: %s", self.path, err)
            self._db.close()
            self._db = self._file = None

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Used by one thread at a time (the event loop's), though not always the one that opened it.
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file
            db.executescript(SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(questions)")}
            if "verdict" not in columns:  # a database from before the three verdicts
                db.execute("ALTER TABLE questions ADD COLUMN verdict TEXT")
            db.execute("PRAGMA synchronous = NORMAL")  # in WAL mode: safe, and no fsync per question
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def close(self) -> None:
        """Commit what is pending and close the connection (the bot stopping); the next use opens it again."""
        self.commit()
        if self._db is not None:
            self._db.close()
        self._db = self._file = None

    def question(
        self, chat_type: str, answer: Answer, article: str | None = None, replaces: int | None = None
    ) -> int | None:
        """Record a question and its answer; its id, or None when not recorded (off, or an error).

        ``article``: the file the question was narrowed to. ``replaces``: the id of the question
        this one is an edit of, whose record is updated instead of a new one added. A message
        with nothing to search for ("/ask" alone) asked nothing, and is not recorded.
        """
        if self.path is None or answer.verdict is Verdict.EMPTY:
            return None
        top = answer.quotes[0].sentence if answer.quotes else None
        question = answer.question[:MAX_QUESTION]  # what the answerer read, no more
        values = {
            "chat_type": chat_type,
            "question": question,
            "normalized": normalized(question),
            "article": article,
            "answered": int(answer.answered),
            "verdict": answer.verdict.value,
            "top_document": top.document if top else None,
            "top_sentence": top.sentence if top else None,
            "top_text": top.text if top else None,
        }
        try:
            with self._database() as db:
                if replaces is not None:
                    sets = ", ".join(f"{name} = :{name}" for name in values)
                    cursor = db.execute(f"UPDATE questions SET {sets} WHERE id = :id", {**values, "id": replaces})
                    if cursor.rowcount:
                        return replaces
                names = ", ".join(values)
                marks = ", ".join(f":{name}" for name in values)
                cursor = db.execute(
                    f"INSERT INTO questions (asked_at, {names}) VALUES (:asked_at, {marks})",
                    {**values, "asked_at": _now()},
                )
                return cursor.lastrowid
        except (sqlite3.Error, OSError) as err:
            log.error("Could not record a question in %s: %s", self.path, err)
            return None

    def feedback(self, question_id: int, helpful: bool, replaces: int | None = None) -> int | None:
        """Record a 👍 (``helpful``) or 👎 on a question; its id, or None when not recorded.

        ``replaces``: the id of the same reader's earlier feedback on it, which is changed instead.
        Raises :class:`UnknownQuestion` when the database has no such question.
        """
        if self.path is None:
            return None
        try:
            with self._database() as db:
                if replaces is not None:
                    cursor = db.execute(
                        "UPDATE feedback SET helpful = ?, given_at = ? WHERE id = ? AND question_id = ?",
                        (int(helpful), _now(), replaces, question_id),
                    )
                    if cursor.rowcount:
                        return replaces
                cursor = db.execute(
                    "INSERT INTO feedback (question_id, given_at, helpful) VALUES (?, ?, ?)",
                    (question_id, _now(), int(helpful)),
                )
                return cursor.lastrowid
        except sqlite3.IntegrityError:
            raise UnknownQuestion(question_id) from None
        except (sqlite3.Error, OSError) as err:
            log.error("Could not record feedback in %s: %s", self.path, err)
            return None


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at ``path`` as (device, inode), or None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino
