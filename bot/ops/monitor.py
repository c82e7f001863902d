"""One application's monitoring: its metrics, its health, the status server and the question log line.

    monitor = Monitor(settings)                      build_application makes one per Application
    builder.request(monitor.request())               every Bot API request observed (bot.botapi.watch)
    monitor.attach(app); monitor_of(app, settings)   the monitor of an application
    await monitor.start(); monitor.serving(app)      serve(): status server up; receiving updates
    monitor.stopping(); await monitor.stop()         serve(): stopping; all down
    mark_received()                                  the update processor: an update's clock starts
    monitor.question(chat_type)                      the handler takes a question up
    monitor.replied(message, answer, parts, edited)  its reply went out: counted, timed, logged

In webhook mode nothing else would call the Bot API while nobody writes, so the monitor asks
getWebhookInfo every few seconds: that keeps ``/healthz`` true to the API's state, notices a
webhook someone pointed elsewhere, and reports the errors Telegram met delivering updates here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from contextvars import ContextVar
from urllib.parse import urlsplit

from telegram import Chat, Message, WebhookInfo
from telegram.ext import Application

from bot.answer import Answer, Verdict
from bot.botapi.watch import ObservedRequest, Outcome
from bot.config import Settings
from bot.errors import UsageError
from bot.ops.health import Health, Report, State
from bot.ops.metrics import Metrics
from bot.ops.status_server import StatusServer, address_of

__all__ = ["Monitor", "mark_received", "monitor_of"]

log = logging.getLogger("quotebot.monitor")
questions_log = logging.getLogger("quotebot.questions")

MAIN_POOL_SIZE = 8  # connections for replies: at 24 messages a second, a few are busy at once
WEBHOOK_CHECK_EVERY = 30.0  # seconds between getWebhookInfo calls at most (fewer when unhealthy_after is short)

# When the update being handled in this task was received; set per update (each has its own task).
_received: ContextVar[float | None] = ContextVar("quotebot_update_received", default=None)
_monitors: weakref.WeakKeyDictionary[Application, Monitor] = weakref.WeakKeyDictionary()


def mark_received() -> None:
    """The update handled in the current task has just been received: its reply latency counts from now."""
    _received.set(time.monotonic())


def monitor_of(app: Application, settings: Settings) -> Monitor:
    """The monitor :meth:`Monitor.attach` gave ``app``; a new one if it has none (it then sees no requests)."""
    monitor = _monitors.get(app)
    if monitor is None:
        monitor = Monitor(settings)
        monitor.attach(app)
    return monitor


class Monitor:
    """Metrics, health and the status server of one application."""

    def __init__(self, settings: Settings) -> None:
        self.metrics = Metrics()
        self.health = Health(settings.unhealthy_after)
        self.address = address_of(settings)
        self.server = StatusServer(self.report, self.metrics)
        self._webhook_url = settings.webhook_url
        self._webhook_check: asyncio.Task[None] | None = None
        self._seen_delivery_error = 0.0  # Unix time of the last webhook delivery error reported
        self._elsewhere: str | None = None  # where Telegram's webhook pointed, when not here

    # Wiring ----------------------------------------------------------------------------------

    def request(self, timeout: float = 5.0, get_updates: bool = False) -> ObservedRequest:
        """A request object for the bot (``get_updates``: the one for getUpdates), observed by this
        monitor, waiting ``timeout`` seconds for each step (connecting, sending, the answer)."""
        # One connection suffices for long polling; replies get the builder's usual pool.
        return ObservedRequest(
            self.api_outcome,
            connection_pool_size=1 if get_updates else MAIN_POOL_SIZE,
            connect_timeout=timeout,
            read_timeout=timeout,  # getUpdates adds its long poll's own timeout to this
            write_timeout=timeout,
        )

    def attach(self, app: Application) -> None:
        """Make this the monitor :func:`monitor_of` finds for ``app``."""
        _monitors[app] = self

    # Life cycle (serve) ----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the status server, if on; a :class:`UsageError` if its port cannot be had."""
        if self.address is None:
            return
        host, port = self.address
        try:
            self.server.start(host, port)
        except OSError as err:
            raise UsageError(
                f"cannot listen on {host}:{port} for health and metrics ({err.strerror or err}); "
                "set QUOTEBOT_METRICS_PORT to a free port, or 0 for none"
            ) from None

    def serving(self, app: Application) -> None:
        """Updates are coming in: healthy from now on while the Bot API answers."""
        self.health.state = State.SERVING
        if self._webhook_url:
            self._webhook_check = asyncio.create_task(self._check_webhook(app), name="quotebot:webhook-check")

    def stopping(self) -> None:
        """The bot is stopping: ``/healthz`` says so from now on."""
        self.health.state = State.STOPPING
        if self._webhook_check is not None:
            self._webhook_check.cancel()

    async def stop(self) -> None:
        """Close the status server and stop checking the webhook."""
        self.stopping()
        if self._webhook_check is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_check
            self._webhook_check = None
        await self.server.stop()

    def report(self) -> Report:
        """The health now (what ``/healthz`` answers)."""
        return self.health.report()

    # Events ----------------------------------------------------------------------------------

    def api_outcome(self, outcome: Outcome) -> None:
        """A Bot API request ended (the listener of :class:`ObservedRequest`)."""
        self.health.record(outcome)
        if outcome.kind is None:
            self.metrics.api_success()
        else:
            self.metrics.api_error(outcome.kind, outcome.method)

    def question(self, chat_type: str) -> None:
        """The handler took up a question from a chat of ``chat_type``."""
        self.metrics.question(chat_type)
        if _received.get() is None:  # handled outside the update processor: time from here
            mark_received()

    def replied(self, message: Message, answer: Answer, parts: int, edited: bool) -> None:
        """The reply to the question in ``message`` went out: count it, time it, log it (never its text)."""
        received = _received.get()
        latency = time.monotonic() - received if received is not None else 0.0
        outcome = "declined" if answer.verdict is Verdict.EMPTY else answer.verdict.value
        self.metrics.answered(outcome, latency)
        if not questions_log.isEnabledFor(logging.INFO):  # checked first: its fields cost more than the check
            return
        chat: Chat = message.chat
        questions_log.info(
            "%s question in %s chat %s: %s, %d quote(s), %d part(s), replied in %.3f s",
            "Edited" if edited else "New", chat.type, chat.id, answer.verdict.value, len(answer.quotes), parts, latency,
            extra={
                "event": "question", "chat_type": chat.type, "chat_id": chat.id, "outcome": outcome,
                "verdict": answer.verdict.value, "edited": edited, "quotes": len(answer.quotes), "parts": parts,
                "latency_s": round(latency, 4),
            },
        )  # fmt: skip

    # Webhook mode ----------------------------------------------------------------------------

    async def _check_webhook(self, app: Application) -> None:
        """Ask Telegram about the webhook every few seconds, until cancelled."""
        every = min(WEBHOOK_CHECK_EVERY, self.health.unhealthy_after / 3)
        self._seen_delivery_error = time.time()  # errors from before this run are old news
        while True:
            await asyncio.sleep(every)
            try:
                info = await app.bot.get_webhook_info()
            except Exception as err:  # counted as a failure by the request watch; try again later
                log.debug("getWebhookInfo failed: %s", err)
                continue
            self._webhook_info(info)

    def _webhook_info(self, info: WebhookInfo) -> None:
        """Take in what getWebhookInfo said."""
        self.metrics.webhook_pending.set(info.pending_update_count)
        # Only the host: a URL someone else set may carry their own secrets in its path.
        elsewhere = None if info.url == self._webhook_url else (urlsplit(info.url).hostname or "none")
        if elsewhere != self._elsewhere:
            if elsewhere is None:
                log.info("Telegram sends the updates to this bot's webhook again")
            else:
                log.warning("Telegram sends the updates to another webhook (%s), not to this bot", elsewhere)
            self._elsewhere = elsewhere
        self.health.webhook_target(elsewhere)
        error_at = info.last_error_date.timestamp() if info.last_error_date else 0.0
        if error_at > self._seen_delivery_error:
            self._seen_delivery_error = error_at
            log.warning(
                "Telegram could not deliver updates to the webhook: %s (%d waiting)",
                info.last_error_message or "no reason given", info.pending_update_count,
            )  # fmt: skip
