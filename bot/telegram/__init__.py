"""Telegram: the application, its handlers, filters, inline mode, buttons, admin commands and access."""

from bot.telegram.app import build_application
from bot.telegram.serving import run, serve

__all__ = ["build_application", "run", "serve"]
