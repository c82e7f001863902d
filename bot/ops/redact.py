"""Keeping secrets (the bot token, the webhook secret) out of every log line.

The token is part of every Bot API URL (``…/bot<token>/sendMessage``), so anything that logs a URL
or a request leaks it: the HTTP client (bot.botapi.request) logs each request at INFO,
python-telegram-bot logs requests and ``repr(bot)`` at DEBUG, and its ``InvalidToken`` message
quotes the token. Rather than trust each library, a filter on the root handlers rewrites every
record that reaches them, whatever its level: the formatted message, the exception text, the
stack text and the fields added with ``extra=`` (which the JSON log format writes out).

The same filter keeps one more thing out: python-telegram-bot logs a Bot API answer it cannot
parse in full, at ERROR, and a mangled getUpdates answer holds what people wrote. Such a line
keeps only the answer's length.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote

from bot.logs import extras

__all__ = ["REDACTED", "Redactor", "install"]

REDACTED = "[REDACTED]"
# python-telegram-bot's line for an unparseable answer (telegram/request/_baserequest.py), and ours instead.
_UNPARSEABLE = 'Can not load invalid JSON data: "%s"'
_UNPARSEABLE_SHORT = "Can not load invalid JSON data (%d characters, not shown: they may hold what users wrote)"


class Redactor(logging.Filter):
    """A handler filter that replaces each secret by ``[REDACTED]``, also in URL-encoded form."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe="")})
        # Longest first, so a secret that contains another is replaced whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _UNPARSEABLE and isinstance(record.args, tuple) and len(record.args) == 1:
            record.msg, record.args = _UNPARSEABLE_SHORT, (len(str(record.args[0])),)
        if not self._forms:
            return True
        # Format now and drop the args, so no handler or formatter ever sees the raw values.
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in extras(record).items():
            if not isinstance(value, int | float | bool | None):  # text, or an object shown as text
                setattr(record, key, self.redact(str(value)))
        return True


def install(secrets: Iterable[str | None]) -> Redactor:
    """Put a :class:`Redactor` for ``secrets`` on every handler of the root logger (once each)."""
    redactor = Redactor(s for s in secrets if s)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
