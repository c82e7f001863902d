"""Log lines: one per event, as plain text or as JSON (``QUOTEBOT_LOG_FORMAT``).

    plain   2025-01-31 12:00:00,123 INFO quotebot.questions: New question in private chat 42: answered, ...
    json    {"time": "2025-01-31T12:00:00.123+00:00", "level": "INFO", "logger": "quotebot.questions",
             "message": "New question ...", "event": "question", "chat_type": "private", "latency_s": 0.012, ...}

One line per event in both: journald and Docker store each line as an entry of its own, so a
traceback written over many lines would come apart. Plain lines write a traceback's line breaks
as ``\\n``; JSON puts it in ``"exc"``. The ``extra`` fields a call gives (``event``, ``chat_type``,
``latency_s``...) become JSON keys. Secrets are taken out before any formatter runs, by the
:class:`bot.redact.Redactor` on the handler (it redacts the extra fields too).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings

__all__ = ["JsonFormatter", "PlainFormatter", "configure", "extras"]

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has; anything else on a record came from a call's ``extra``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a logging call added with ``extra=``."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class PlainFormatter(logging.Formatter):
    """The usual ``time LEVEL logger: message``, on one line whatever the message or traceback holds."""

    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extras(record).items():
            line.setdefault(key, value)  # an extra never hides the standard fields
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(settings: Settings) -> None:
    """Log to standard error at ``QUOTEBOT_LOG_LEVEL``, in ``QUOTEBOT_LOG_FORMAT``.

    Like ``logging.basicConfig``, does nothing when the root logger already has handlers (an
    embedding program's, or a test harness's).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else PlainFormatter())
    logging.basicConfig(level=settings.log_level, handlers=[handler])
