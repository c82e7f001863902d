"""What readers asked: the recorder (a small SQLite database) and its report."""

from bot.stats.recorder import Recorder, StatsError, UnknownQuestion
from bot.stats.report import report

__all__ = ["Recorder", "StatsError", "UnknownQuestion", "report"]
