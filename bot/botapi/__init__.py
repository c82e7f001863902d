"""The Bot API transport: HTTP requests, retries, flood limits, and the watcher of every exchange."""

from bot.botapi.flood import TELEGRAM_LIMITS, FloodLimiter, FloodLimits
from bot.botapi.request import AiohttpRequest
from bot.botapi.retry import RetryingRequest
from bot.botapi.watch import ObservedRequest, Outcome

__all__ = [
    "TELEGRAM_LIMITS",
    "AiohttpRequest",
    "FloodLimiter",
    "FloodLimits",
    "ObservedRequest",
    "Outcome",
    "RetryingRequest",
]
