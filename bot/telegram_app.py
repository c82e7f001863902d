"""Quotebot on Telegram: the python-telegram-bot application, serving it, and ``quotebot run``.

    build_application(settings, answerer)   the Application, handlers added, nothing contacted yet
    serve(app, settings, stop)              runs it until ``stop`` is set (tests call this too)
    run(settings)                           ``quotebot run``: serve until SIGTERM or Ctrl-C

Long polling by default; webhook mode when ``QUOTEBOT_WEBHOOK_URL`` is set: a small HTTP server
on ``QUOTEBOT_LISTEN``:``QUOTEBOT_PORT`` at the URL's path, behind whatever terminates HTTPS, which
refuses (403) any request without the ``X-Telegram-Bot-Api-Secret-Token`` given to ``setWebhook``.
On SIGHUP it reads the articles again, as /reload does (:mod:`bot.telegram_admin`).

Every Bot API call goes through the flood limiter (:mod:`bot.flood`: Telegram's limits per chat,
per group and overall; 429s waited out) and the retrying request (:mod:`bot.retry`: calls that
failed without effect are tried again with growing pauses), itself watched by the monitor.

On SIGTERM or Ctrl-C the bot stops fetching updates, confirms to Telegram the ones it has (so a
restart does not answer them again), finishes the replies in flight and exits 0: all within
``QUOTEBOT_STOP_TIMEOUT`` seconds, after which what is still under way is abandoned, and logged.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults, Job

from bot import logs, redact
from bot.answer import Answerer
from bot.callback_data import Signer
from bot.cli import UsageError
from bot.config import Settings
from bot.flood import TELEGRAM_LIMITS, FloodLimiter, FloodLimits
from bot.index_cache import load_answerer
from bot.library import Library
from bot.monitor import Monitor, mark_received, monitor_of
from bot.quota import Quota
from bot.retry import RetryingRequest
from bot.stats import Recorder
from bot.telegram_admin import Admin, reload_articles
from bot.telegram_buttons import Buttons, Keyboards
from bot.telegram_guard import Guard
from bot.telegram_handlers import Quotebot
from bot.telegram_inline import Inline

__all__ = [
    "ALLOWED_UPDATES",
    "ChatOrderedUpdates",
    "Webhook",
    "build_application",
    "library_of",
    "run",
    "serve",
    "set_command_menus",
    "webhook_of",
]

log = logging.getLogger("quotebot.telegram")

# Only what the handlers use, so Telegram does not send (and the bot does not fetch) the rest.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CHANNEL_POST,
    Update.EDITED_CHANNEL_POST,
    Update.INLINE_QUERY,
    Update.CHOSEN_INLINE_RESULT,  # sent only with inline feedback on in BotFather
    Update.CALLBACK_QUERY,
]
POLL_TIMEOUT = 30  # seconds a getUpdates long poll waits for news
MAX_CONCURRENT_UPDATES = 64
UNLIMITED = 2**31 - 1  # python-telegram-bot's own cap on updates at once, set out of reach (see below)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
LIBRARY = "quotebot.library"  # where build_application leaves the Library in bot_data, for SIGHUP
REQUESTS = "quotebot.requests"  # and the retrying requests, told by serve() when the bot stops
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token

PRIVATE_COMMANDS = [
    BotCommand("start", "What I do, with an example"),
    BotCommand("help", "How to ask me"),
    BotCommand("about", "The article I know"),
]
GROUP_COMMANDS = [
    BotCommand("ask", "Ask about the article: /ask your question"),
    BotCommand("help", "How to ask me in a group"),
    BotCommand("about", "The article I know"),
]
ADMIN_COMMANDS = [
    *PRIVATE_COMMANDS,
    BotCommand("stats", "What readers asked"),
    BotCommand("reload", "Read the articles again"),
]


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, but each chat's in the order they came.

    Why concurrent: a reply waits on the network and on the flood limits (20 messages a minute
    to a group), and one busy group must not hold up everybody else. Why ordered per chat: a
    chat's answers must not overtake each other, nor an edit the question it edits.

    An update waits for its chat's turn *before* it takes one of the places. python-telegram-bot
    takes its own place (a semaphore) before this class sees the update, so under its limit a
    chat with a backlog would fill every place with updates queued for that one chat while all
    other chats waited; its limit is therefore set out of reach, and this class keeps its own.

    :meth:`abandon` cancels what is still under way, for a shutdown that cannot wait any longer.
    """

    __slots__ = ("_locks", "_places", "_tasks", "_waiting")

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(UNLIMITED)
        self._places = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: Counter[int] = Counter()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        mark_received()  # the reply latency counts from here, waiting for the chat's turn included
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        started = False
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None:
                async with self._places:
                    started = True
                    await coroutine
                return
            lock = self._locks.setdefault(chat.id, asyncio.Lock())
            self._waiting[chat.id] += 1
            try:
                async with lock, self._places:
                    started = True
                    await coroutine
            finally:
                self._waiting[chat.id] -= 1
                if not self._waiting[chat.id]:  # nobody else queued for this chat: forget its lock
                    del self._waiting[chat.id], self._locks[chat.id]
        finally:
            if task is not None:
                self._tasks.discard(task)
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled before its turn: it will never run

    def abandon(self) -> int:
        """Cancel every update still waiting or being handled; how many there were."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return len(tasks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: the application waits for updates in flight before this."""


async def set_command_menus(app: Application, admins: frozenset[int] = frozenset()) -> None:
    """Runs once at start-up: the command menus Telegram shows, one for private chats, one for groups,
    and for each admin's private chat one with /stats and /reload.

    A failure costs only the menus, so it is logged and the bot starts anyway.
    """
    try:
        await app.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
        await app.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    except TelegramError as err:
        log.warning("Could not set the command menus: %s", err)
    for admin in sorted(admins):
        try:
            await app.bot.set_my_commands(ADMIN_COMMANDS, scope=BotCommandScopeChat(admin))
        except TelegramError as err:  # "chat not found" until the admin has written to the bot
            log.info("Could not set the admin menu for user %d: %s", admin, err)


class QuotebotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's Application, without its ever-growing list of readers.

    After each update, Application notes its chat and its sender for a persistence to save, and
    only a persistence's save empties those notes. Quotebot has no persistence, so they would
    keep two ids for every new reader for as long as the bot runs (measured after 200,000 new
    readers: 257 MB resident, against 230 with this class). Without a persistence, nothing is noted.
    """

    __slots__ = ()

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Job[Any] | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


def build_application(
    settings: Settings, answerer: Answerer, limits: FloodLimits | None = TELEGRAM_LIMITS
) -> Application:
    """The Application for ``settings``, answering with ``answerer``; nothing is contacted yet.

    ``limits`` are the flood limits kept (None: none, for a Bot API server without Telegram's).
    """
    if not settings.token:
        raise UsageError("TELEGRAM_BOT_TOKEN is not set")
    monitor = Monitor(settings)
    # No default parse_mode: every send names its own (HTML, or none for the plain-text fallback),
    # and PTB would add a default one to calls that have no such parameter (editMessageReplyMarkup).
    defaults = Defaults(
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        # A question deleted before its answer went out still gets the answer, just not as a reply.
        allow_sending_without_reply=True,
    )
    # Every Bot API request is watched (health, metrics), inside the retries, so each try counts.
    recorder = Recorder(settings.db if settings.record else None)

    async def close_database(app: Application) -> None:
        recorder.close()

    replies = RetryingRequest(monitor.request(settings.api_timeout), settings.retry_for, "replies and other calls")
    updates = RetryingRequest(monitor.request(settings.api_timeout, get_updates=True), settings.retry_for, "getUpdates")
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .request(replies)
        .get_updates_request(updates)
        .defaults(defaults)
        .rate_limiter(FloodLimiter(limits, settings.flood_retries))
        .concurrent_updates(ChatOrderedUpdates(MAX_CONCURRENT_UPDATES))
        .post_init(lambda app: set_command_menus(app, settings.admins))
        .post_shutdown(close_database)
        .application_class(QuotebotApplication)
        .build()
    )
    library = Library(answerer, settings.seeds, settings.cache)
    keyboards = Keyboards(Signer(settings.token))  # signed with the token: valid across restarts
    quotebot = Quotebot(library, recorder, keyboards, monitor)
    # Before everything: chats not allowed and askers over their limit go no further.
    quota = Quota(settings.user_rate) if settings.user_rate else None
    Guard(settings.allowed_chats, quota, quotebot.say).register(app)
    # Before the Quotebot's own handlers, whose fallback answers unknown private commands with help.
    Admin(library, recorder, settings.admins, quotebot.say).register(app)
    Inline(library, recorder).register(app)
    Buttons(library, recorder, keyboards, quotebot.reply).register(app)
    quotebot.register(app)
    monitor.attach(app)
    app.bot_data[LIBRARY] = library
    app.bot_data[REQUESTS] = (replies, updates)
    return app


def library_of(app: Application) -> Library:
    """The articles ``app`` serves (see :func:`build_application`)."""
    library = app.bot_data[LIBRARY]
    assert isinstance(library, Library)
    return library


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
    await app.updater.start_webhook(
        listen=settings.listen,
        port=settings.port,
        url_path=webhook.path,
        webhook_url=webhook.url,
        secret_token=webhook.secret,
        allowed_updates=ALLOWED_UPDATES,
    )


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
    await monitor.start()
    try:
        if not await _until_done(app.initialize, stop, "reach Telegram"):
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
        if app.post_shutdown is not None:  # serve() runs the application itself, as run_polling would
            await app.post_shutdown(app)
        await monitor.stop()
        watch.cancel()


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
