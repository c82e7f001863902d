"""The report of what readers asked: ``quotebot stats`` and /stats for admins.

Read-only over the recorder's database (:mod:`bot.stats.recorder`): the most asked questions,
those the articles could not answer, and the thumbs-up ratio, as plain-text tables.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from bot.stats.recorder import StatsError

__all__ = ["report"]

QUESTION_WIDTH = 60  # columns of a question shown in the report's tables


def report(path: Path, limit: int = 10) -> str:
    """The most asked questions, those the articles could not answer, and the thumbs-up ratio,
    as plain-text tables of at most ``limit`` rows each."""
    path = path.expanduser()
    if path.is_dir():
        raise StatsError(f"{path} is a folder, not a database; give --db (or QUOTEBOT_DB) the database file")
    if not path.is_file():
        raise StatsError(f"no database at {path}: nothing recorded yet, or QUOTEBOT_DB points elsewhere")
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=5)) as db:
            return _report(db, limit)
    except sqlite3.Error as err:
        raise StatsError(_unreadable(path, err)) from None


def _unreadable(path: Path, err: sqlite3.Error) -> str:
    """Why the database could not be read, and what to do, as one sentence."""
    text = str(err).lower()
    theirs = "point --db (or QUOTEBOT_DB) at the file `quotebot run` records into"
    if "not a database" in text:
        return f"{path} is not a Quotebot database (not SQLite at all); {theirs}"
    if "no such table" in text or "no such column" in text:
        return f"{path} is an SQLite database but not Quotebot's ({err}); {theirs}"
    if "locked" in text or "busy" in text:
        return f"{path} is locked by another program; try again in a moment"
    return f"cannot read {path} ({err}); check the file and its permissions"


def _report(db: sqlite3.Connection, limit: int) -> str:
    total, answered, first, last = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(answered), 0), MIN(asked_at), MAX(asked_at) FROM questions"
    ).fetchone()
    if not total:
        return "No questions recorded yet."
    columns = {row[1] for row in db.execute("PRAGMA table_info(questions)")}
    hedged = 0  # a database from before the three verdicts has no column for them
    if "verdict" in columns:
        hedged = db.execute("SELECT COUNT(*) FROM questions WHERE verdict = 'closest'").fetchone()[0]
    chats = db.execute("SELECT chat_type, COUNT(*) FROM questions GROUP BY chat_type ORDER BY COUNT(*) DESC, chat_type")
    lines = [
        f"{_plural(total, 'question')} from {first[:10]} to {last[:10]}: {answered} answered "
        f"({_percent(answered, total)}), {total - answered} not"
        + (f" ({hedged} with the closest lines, hedged)." if hedged else "."),
        "By chat: " + ", ".join(f"{kind} {count}" for kind, count in chats) + ".",
        "",
        "Most asked",
    ]
    # Each question is shown as it was last worded; ties go to the most recently asked.
    rows = db.execute(
        """SELECT q.question, g.times, g.yes FROM (
               SELECT MAX(id) AS last, COUNT(*) AS times, SUM(answered) AS yes FROM questions GROUP BY normalized
           ) g JOIN questions q ON q.id = g.last ORDER BY g.times DESC, g.last DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    lines += _table(
        ["#", "times", "answered", "question"],
        [[str(n), str(times), _share(yes, times), question] for n, (question, times, yes) in enumerate(rows, 1)],
        right=(0, 1),
    )
    lines += ["", "Not answered by the articles"]
    rows = db.execute(
        """SELECT q.question, g.times, q.asked_at FROM (
               SELECT MAX(id) AS last, COUNT(*) AS times FROM questions WHERE answered = 0 GROUP BY normalized
           ) g JOIN questions q ON q.id = g.last ORDER BY g.times DESC, g.last DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    if rows:
        lines += _table(
            ["times", "last asked", "question"],
            [[str(times), asked[:16].replace("T", " "), question] for question, times, asked in rows],
            right=(0,),
        )
    else:
        lines.append("(none: every question was answered)")
    up, votes = db.execute("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM feedback").fetchone()
    lines += ["", "Thumbs-up ratio"]
    if not votes:
        lines.append("(no feedback yet)")
        return "\n".join(lines)
    lines.append(f"{up} thumbs up, {votes - up} thumbs down: {_percent(up, votes)} helpful.")
    rows = db.execute(
        """SELECT q.question, g.up, g.votes FROM (
               SELECT MAX(q.id) AS last, SUM(f.helpful) AS up, COUNT(*) AS votes, MAX(f.id) AS latest
               FROM feedback f JOIN questions q ON q.id = f.question_id GROUP BY q.normalized
           ) g JOIN questions q ON q.id = g.last ORDER BY g.votes DESC, g.latest DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    lines += _table(
        ["up", "down", "helpful", "question"],
        [[str(yes), str(count - yes), _percent(yes, count), question] for question, yes, count in rows],
        right=(0, 1, 2),
    )
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _share(yes: int, times: int) -> str:
    """Whether a question asked ``times`` times was answered: yes, no, or "2 of 3" (articles changed)."""
    return "yes" if yes == times else "no" if yes == 0 else f"{yes} of {times}"


def _width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK, emoji) characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, width: int) -> str:
    """``text`` on one line, cut with "…" to at most ``width`` columns."""
    text = " ".join(text.split())
    if _width(text) <= width:
        return text
    while _width(text) > width - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def _table(headers: list[str], rows: Sequence[Sequence[str]], right: tuple[int, ...] = ()) -> list[str]:
    """Rows under headers in aligned columns (``right``: right-aligned ones); the last column is clipped."""
    rows = [[*row[:-1], _clip(row[-1], QUESTION_WIDTH)] for row in rows]
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        padded = []
        for k, (cell, width) in enumerate(zip(cells, widths)):
            pad = " " * (width - _width(cell))
            padded.append(pad + cell if k in right else cell + pad)
        return "  ".join(padded).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)]
