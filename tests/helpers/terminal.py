"""``quotebot console`` as a real process on a pseudo-terminal: what a person at a terminal sees.

The process is the session leader of its own terminal, so Ctrl-C typed there (``\\x03``) is a
SIGINT from the terminal, as at a keyboard, and readline does the line editing.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Terminal", "terminal"]

CTRL_C = b"\x03"
CTRL_D = b"\x04"


class Terminal:
    """The terminal's side of the console: type into it and read what it shows."""

    def __init__(self, process: subprocess.Popen[bytes], master: int) -> None:
        self.process = process
        self.master = master
        self.shown = ""  # everything shown so far, with "\r\n" made "\n"

    def type(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def interrupt(self) -> None:
        """Ctrl-C, after a person's pause: Python's readline waits in select() for the next key
        without a timeout, so a SIGINT landing in the instant before it goes back to waiting (just
        after echoing a key or showing the prompt) is only seen at the next key."""
        time.sleep(0.3)
        self.type(CTRL_C)

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """Wait until ``text`` is shown after what earlier calls consumed; return all shown up to its end."""
        deadline = time.monotonic() + timeout
        while text not in self.shown:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not shown within {timeout} s; shown: {self.shown!r}")
            self._read(0.1)
        end = self.shown.index(text) + len(text)
        seen, self.shown = self.shown[:end], self.shown[end:]
        return seen

    def exit_code(self, timeout: float = 30.0) -> int:
        """Wait for the console to end (reading what it shows meanwhile): its exit code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the console did not end within {timeout} s; shown: {self.shown!r}")
            self._read(0.1)
        self._read(0.1)
        return self.process.returncode

    def _read(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the other side closed: the process ended
                return
            self.shown += data.decode("utf-8", "replace").replace("\r\n", "\n")


def _controlling_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@contextmanager
def terminal(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[Terminal]:
    """``python -m bot *args`` on a pseudo-terminal in ``cwd`` with a clean environment; killed at the end."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    clean.update(QUOTEBOT_CACHE=str(cwd / "cache"), QUOTEBOT_HISTORY=str(cwd / "history"), TERM="xterm")
    clean.update(env or {})
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=clean,
        preexec_fn=_controlling_terminal,
        close_fds=True,
    )
    os.close(slave)
    try:
        yield Terminal(process, master)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
