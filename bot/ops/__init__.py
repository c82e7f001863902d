"""Operations: the monitor, health, metrics, the status server, and redaction of secrets from logs."""

from bot.ops.health import Health, State
from bot.ops.metrics import Metrics
from bot.ops.monitor import Monitor, mark_received, monitor_of
from bot.ops.redact import Redactor
from bot.ops.status_server import StatusServer

__all__ = ["Health", "Metrics", "Monitor", "Redactor", "State", "StatusServer", "mark_received", "monitor_of"]
