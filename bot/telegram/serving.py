"""Serving the application: ``quotebot run``, long polling or a webhook, until a signal.

    serve(app, settings, stop)              runs it until ``stop`` is set (tests call this too)
    run(settings)                           ``quotebot run``: serve until SIGTERM or Ctrl-C

Long polling by default; webhook mode when ``QUOTEBOT_WEBHOOK_URL`` is set: a small HTTP server
on ``QUOTEBOT_LISTEN``:``QUOTEBOT_PORT`` at the URL's path, behind whatever terminates HTTPS, which
refuses (403) any request without the ``X-Telegram-Bot-Api-Secret-Token`` given to ``setWebhook``.
On SIGHUP it reads the articles again, as /reload does (:mod:`bot.telegram.admin`).

On SIGTERM or Ctrl-C the bot stops fetching updates, confirms to Telegram the ones it has (so a
restart does not answer them again), finishes the replies in flight and exits 0: all within
``QUOTEBOT_STOP_TIMEOUT`` seconds, after which what is still under way is abandoned, and logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot import logs
from bot.answer import load_answerer
from bot.botapi.retry import RetryingRequest
from bot.config import Settings
from bot.errors import UsageError
from bot.ops import redact
from bot.ops.monitor import monitor_of
from bot.search import kernel
from bot.telegram.admin import reload_articles
from bot.telegram.app import ALLOWED_UPDATES, REQUESTS, build_application, library_of
from bot.telegram.updates import ChatOrderedUpdates

__all__ = ["Webhook", "run", "serve", "webhook_of"]

log = logging.getLogger("quotebot.telegram")

POLL_TIMEOUT = 30  # seconds a getUpdates long poll waits for news
UNREACHABLE_EVERY = 10.0  # seconds between the lines saying the Bot API still cannot be reached at start
UNREACHABLE_LINES = 6  # of them: the first minute (after it, a line each time reaching it gives up)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token


@dataclass(frozen=True, slots=True)
class Webhook:
    """Webhook mode's settings, checked: the public URL, the local path and the secret."""

    url: str
    path: str
    secret: str


def webhook_of(settings: Settings) -> Webhook | None:
    """Webhook mode's settings, or ``None`` for long polling; a :class:`UsageError` if incomplete."""
    if not settings.webhook_url:
        return None
    if urlsplit(settings.webhook_url).scheme != "https":
        raise UsageError("QUOTEBOT_WEBHOOK_URL must be an https:// URL (Telegram posts only to HTTPS)")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise UsageError("webhook mode needs QUOTEBOT_WEBHOOK_SECRET, so that only Telegram can post updates")
    if not _SECRET_TOKEN.fullmatch(secret):
        raise UsageError("QUOTEBOT_WEBHOOK_SECRET must be 1-256 characters from A-Z, a-z, 0-9, _ and -")
    return Webhook(settings.webhook_url, urlsplit(settings.webhook_url).path.strip("/"), secret)


async def _start_updates(app: Application, settings: Settings) -> None:
    """Start fetching updates (long polling) or receiving them (webhook mode)."""
    assert app.updater is not None  # the builder always makes one
    webhook = webhook_of(settings)
    if webhook is None:
        await app.updater.start_polling(
            timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, error_callback=_polling_failed
        )
        return
    try:
        await app.updater.start_webhook(
            listen=settings.listen,
            port=settings.port,
            url_path=webhook.path,
            webhook_url=webhook.url,
            secret_token=webhook.secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    except OSError as err:  # the webhook server could not listen: port taken, address not here
        raise UsageError(
            f"cannot listen on {settings.listen}:{settings.port} for the webhook ({err.strerror or err}); "
            "set QUOTEBOT_LISTEN and QUOTEBOT_PORT to a free address and port"
        ) from None


def _polling_failed(err: TelegramError) -> None:
    """python-telegram-bot's polling gave up on one getUpdates (after this bot's own retries, or a
    refusal such as 409: another instance polls with this token); it tries again after a pause."""
    log.warning("Could not fetch updates: %s", err)


async def _until_done(step: Callable[[], Awaitable[object]], stop: asyncio.Event, what: str) -> bool:
    """``await step()``, retried on network failures with a growing pause: True once it worked,
    False if ``stop`` was set first. Refusals (a bad token, a refused webhook) are raised at once.
    """
    pause = 0.5
    while not stop.is_set():
        try:
            await step()
            return True
        except NetworkError as err:
            if isinstance(err, BadRequest):  # BadRequest subclasses NetworkError, but is a refusal
                raise
            if stop.is_set():  # given up because the bot is stopping: nothing to try again
                return False
            log.warning("Could not %s (%s); trying again in %.1f s", what, err, pause)
        try:
            await asyncio.wait_for(stop.wait(), pause)
        except TimeoutError:
            pause = min(pause * 2, 30.0)
    return False


async def serve(
    app: Application,
    settings: Settings,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
) -> None:
    """Serve Telegram with ``app`` until ``stop`` is set, then finish the replies in flight.

    ``ready`` is set once updates are being fetched (or the webhook server is listening).
    The health and metrics server, when on, runs from the start to the end of this. Once
    ``stop`` is set, whatever is still under way gets ``QUOTEBOT_STOP_TIMEOUT`` seconds (none
    while starting: no reply is in flight then), retries included.
    """
    monitor = monitor_of(app, settings)
    deadline = _Deadline(app, settings.stop_timeout)
    watch = asyncio.create_task(deadline.on(stop), name="quotebot:stop-deadline")
    initialized = False
    await monitor.start()
    try:
        telling = asyncio.create_task(_tell_while_unreachable(app, settings), name="quotebot:unreachable")
        try:
            initialized = await _until_done(app.initialize, stop, "reach Telegram")
        finally:
            telling.cancel()
        if not initialized:
            return
        if app.post_init is not None:
            await app.post_init(app)
        if not await _until_done(lambda: _start_updates(app, settings), stop, "start receiving updates"):
            return
        await app.start()
        mode = "webhook mode" if settings.webhook_url else "long polling"
        log.info("Quotebot is running as @%s (%s)", app.bot.username, mode)
        monitor.serving(app)
        deadline.serving = True
        if ready is not None:
            ready.set()
        await stop.wait()
        monitor.stopping()
        log.info("Stopping: finishing the replies in flight")
    finally:
        deadline.start()
        # Stops fetching; the last getUpdates confirms to Telegram every update fetched, all of
        # which are in the bot's hands and answered below (a restart does not answer them again).
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await _stop_in_time(app, deadline.at)
        await app.shutdown()
        if not initialized:
            # PTB's shutdown skips an application whose initialize never finished, and with it
            # the HTTP sessions its bot opened before failing to reach Telegram: close them here.
            await app.bot.shutdown()
        if app.post_shutdown is not None:  # serve() runs the application itself, as run_polling would
            await app.post_shutdown(app)
        await monitor.stop()
        watch.cancel()


async def _tell_while_unreachable(app: Application, settings: Settings) -> None:
    """While the bot starts: as soon as the Bot API fails, say where it was tried and that the bot
    keeps trying, then say so again every 10 s for the first minute (cancelled once started)."""
    requests: tuple[RetryingRequest, ...] = app.bot_data.get(REQUESTS, ())
    if not requests:
        return
    outage = requests[0].outage  # getMe, the first call, goes through the replies' request
    await outage.went_down.wait()
    where = _origin(settings.api_base_url)
    log.warning(
        "Cannot reach the Bot API at %s (%s); trying again until it answers, and the bot starts then",
        where,
        outage.failure,
    )
    for line in range(1, UNREACHABLE_LINES + 1):
        await asyncio.sleep(UNREACHABLE_EVERY)
        if outage.down:
            seconds = round(line * UNREACHABLE_EVERY)
            log.warning(
                "Still cannot reach the Bot API at %s after %d s (%s); still trying", where, seconds, outage.failure
            )


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of the API's URL: never its path, which the token follows."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: Telegram will say what is wrong with it
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}"


class _Deadline:
    """When a stopping bot must be done: ``seconds`` after ``stop`` (at once if not serving yet).

    Told to the retrying requests as soon as it is known, so that no retry outlasts it.
    """

    def __init__(self, app: Application, seconds: float) -> None:
        self.requests: tuple[RetryingRequest, ...] = app.bot_data.get(REQUESTS, ())
        self.seconds = seconds
        self.serving = False
        self.at: float | None = None

    async def on(self, stop: asyncio.Event) -> None:
        """Start the countdown as soon as ``stop`` is set (serve() may be busy starting up then)."""
        await stop.wait()
        self.start()

    def start(self) -> None:
        """Start the countdown, unless it has started already, and tell the retrying requests."""
        if self.at is not None:
            return
        self.at = time.monotonic() + (self.seconds if self.serving else 0.0)
        for request in self.requests:
            request.stop_by(self.at)


async def _stop_in_time(app: Application, deadline: float | None) -> None:
    """``app.stop()`` (answer what was fetched, finish what is under way), abandoning by ``deadline``."""
    stopping = asyncio.create_task(app.stop())
    left = None if deadline is None else max(0.0, deadline - time.monotonic())
    done, _ = await asyncio.wait({stopping}, timeout=left)
    processor = app.update_processor
    if not done and isinstance(processor, ChatOrderedUpdates):
        abandoned = processor.abandon()
        log.warning("Stopped with %d update(s) still unanswered after QUOTEBOT_STOP_TIMEOUT; they are lost", abandoned)
    await stopping


def run(settings: Settings) -> int:
    """``quotebot run``: serve Telegram until SIGTERM or Ctrl-C (exit code 0 on either)."""
    _configure_logging(settings)
    # PTB 22 warns on every flood wait that RetryAfter.retry_after will become a timedelta; the
    # bot reads no PTB durations, so it takes the new behaviour now and the warning goes.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    webhook_of(settings)  # an incomplete webhook setup is reported before anything starts
    answerer = load_answerer(settings.seeds, settings.cache, progress=True)
    corpus = answerer.corpus
    for warning in corpus.warnings:
        log.warning("%s", warning)
    log.info("Answering about %d article(s), %d sentences", len(corpus.articles), len(corpus))
    if not kernel.COMPILED:
        log.warning("The search runs in numpy, about three times as slow: reinstall with a C compiler to compile it")
    app = build_application(settings, answerer)
    try:
        asyncio.run(_serve_until_signalled(app, settings))
    except InvalidToken:
        # Not chained: PTB's own message quotes the token.
        raise UsageError("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather") from None
    except UsageError:
        raise
    except TelegramError as err:
        log.error("Telegram refused to start the bot: %s", err)
        return 1
    except Exception:
        # Logged rather than left to the interpreter, so that the traceback is redacted too.
        log.exception("The bot stopped on an unexpected error")
        return 1
    return 0


async def _serve_until_signalled(app: Application, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        log.info("%s received; stopping (send it again to stop at once)", signal.Signals(signum).name)
        stop.set()
        for sig in STOP_SIGNALS:  # back to the defaults: a second Ctrl-C interrupts the shutdown
            loop.remove_signal_handler(sig)

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    reloads: set[asyncio.Task[str]] = set()  # held, so a reload in progress is not garbage-collected

    def on_hangup() -> None:
        log.info("SIGHUP received; reading the articles again")
        task = loop.create_task(reload_articles(library_of(app)))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hangup)
    await serve(app, settings, stop)


def _configure_logging(settings: Settings) -> None:
    """Secrets out of every log line; the HTTP client's loggers at their own level."""
    root = logging.getLogger()
    if not root.handlers:  # run() called without the command line having configured logging
        logs.configure(settings)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    redact.install([settings.token, secret])
    logging.captureWarnings(True)  # library warnings go through the redacting handlers too
    for name in ("quotebot.http", "aiohttp.client", "aiohttp.internal"):
        logging.getLogger(name).setLevel(settings.http_log_level)
