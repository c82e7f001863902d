"""Settings, from the environment or a ``.env`` file (pydantic-settings).

Every setting is ``QUOTEBOT_*`` except the token, ``TELEGRAM_BOT_TOKEN``, which is a secret:
it is held as ``SecretStr`` so that printing or logging the settings never shows it.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["TELEGRAM_API", "Settings"]

TELEGRAM_API = "https://api.telegram.org/bot"


def default_seeds() -> Path:
    """The bundled article folder, wherever the package is installed (editable or wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "seeds", here.parent / "seeds"):
        if candidate.is_dir():
            return candidate
    return here / "seeds"


class Settings(BaseSettings):
    """Quotebot's settings; see ``.env.example`` and the README for each one."""

    model_config = SettingsConfigDict(
        env_prefix="QUOTEBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    api_base_url: str = TELEGRAM_API
    seeds: Path = Field(default_factory=default_seeds)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen: str = "0.0.0.0"
    port: int = 8443
    # Health and metrics (bot.ops.status_server). Port unset: 9464 in webhook mode, off in polling; 0: off.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"
    # /healthz answers 503 once every Bot API request has failed for this many seconds.
    unhealthy_after: float = Field(default=60.0, gt=0)
    log_level: str = "INFO"
    log_format: Literal["plain", "json"] = "plain"  # one line per event either way (bot.logs)
    # The HTTP client's loggers (a line per request, URL and all): quiet by default (lines are redacted anyway).
    http_log_level: str = "WARNING"
    # How often a request Telegram refused with a flood wait (429) is tried again after the wait.
    flood_retries: int = Field(default=3, ge=0)
    # Seconds a Bot API request that failed without taking effect (no connection, 5xx) is tried
    # again, with growing pauses, before it is given up (bot.botapi.retry).
    retry_for: float = Field(default=60.0, ge=0)
    # Seconds to wait for each step of a Bot API request (connecting, sending, the answer).
    api_timeout: float = Field(default=5.0, gt=0)
    # Seconds after SIGTERM for the replies in flight; what is left then is abandoned.
    stop_timeout: float = Field(default=8.0, gt=0)
    # Questions one person may ask a minute; past it, one notice, then silence (0: no limit).
    user_rate: int = Field(default=10, ge=0)
    # Chat ids the bot serves, "-100123,456" (empty: every chat); it leaves groups and channels
    # not listed and ignores private chats not listed (bot.telegram.guard).
    allowed_chats: Annotated[frozenset[int], NoDecode] = frozenset()
    history: Path | None = Field(default_factory=lambda: Path.home() / ".local" / "state" / "quotebot" / "history")
    # Built indexes, kept so that a restart on the same articles is ready at once (empty: none).
    cache: Path | None = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quotebot"
    )
    # What readers asked (questions, whether answered, feedback; never who): see bot/stats.py.
    db: Path = Field(default_factory=lambda: Path.home() / ".local" / "state" / "quotebot" / "quotebot.sqlite3")
    record: bool = True
    # Telegram user ids allowed /stats and /reload: "123,456" (NoDecode: not read as JSON).
    admins: Annotated[frozenset[int], NoDecode] = frozenset()
    # Readers may bring their own article: a link, a file or pasted text (bot.reading); false: off.
    read_links: bool = True
    # Addresses the link fetcher may visit despite its rules (no private, loopback, link-local...):
    # IPs or CIDR networks separated by commas, "10.1.2.3,192.168.0.0/24" (tests: 127.0.0.1).
    fetch_allow: Annotated[frozenset[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = frozenset()

    @field_validator(
        "telegram_bot_token", "webhook_secret", "webhook_url", "metrics_port", "history", "cache", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admins", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.replace(" ", ",").split(",")
            if not all(part.strip().isdigit() for part in parts if part):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 123456,789012")
            return frozenset(int(part) for part in parts if part)
        return value

    @field_validator("allowed_chats", mode="before")
    @classmethod
    def _chat_id_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
            if not all(part.removeprefix("-").isdigit() for part in parts):
                raise ValueError("must be Telegram chat ids separated by commas, e.g. -1001234567890,123456")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _network_list(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return frozenset(
                    ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
                )
            except ValueError:
                example = "e.g. 10.0.0.5,192.168.1.0/24"
                raise ValueError(f"must be IP addresses or networks separated by commas, {example}") from None
        return value

    @field_validator("log_level", "http_log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None
