"""Quotebot on Telegram: the python-telegram-bot application, with every handler added.

    build_application(settings, answerer)   the Application, handlers added, nothing contacted yet

Serving it (polling or webhook, signals, shutdown) is :mod:`bot.telegram.serving`; the order in
which updates are handled, :mod:`bot.telegram.updates`.

Every Bot API call goes through the flood limiter (:mod:`bot.botapi.flood`: Telegram's limits per chat,
per group and overall; 429s waited out) and the retrying request (:mod:`bot.botapi.retry`: calls that
failed without effect are tried again with growing pauses), itself watched by the monitor.
"""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.answer import Answerer
from bot.botapi.flood import TELEGRAM_LIMITS, FloodLimiter, FloodLimits
from bot.botapi.retry import RetryingRequest
from bot.commands import ADMIN, GROUP, PRIVATE, menu
from bot.config import Settings
from bot.errors import UsageError
from bot.library import Library
from bot.ops.monitor import Monitor
from bot.reading.reader import Reader
from bot.stats.recorder import Recorder
from bot.telegram.admin import Admin
from bot.telegram.buttons import Buttons, Keyboards
from bot.telegram.callback_data import Signer
from bot.telegram.guard import Guard
from bot.telegram.handlers import Quotebot
from bot.telegram.inline import Inline
from bot.telegram.quota import Quota
from bot.telegram.reading import Readings
from bot.telegram.updates import MAX_CONCURRENT_UPDATES, ChatOrderedUpdates, QuotebotApplication

__all__ = [
    "ALLOWED_UPDATES",
    "LIBRARY",
    "REQUESTS",
    "build_application",
    "file_url",
    "library_of",
    "set_command_menus",
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
LIBRARY = "quotebot.library"  # where build_application leaves the Library in bot_data, for SIGHUP
REQUESTS = "quotebot.requests"  # and the retrying requests, told by serve() when the bot stops


def _menu(scope: str, reading: bool) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in menu(scope, reading)]


async def set_command_menus(app: Application, admins: frozenset[int] = frozenset(), reading: bool = False) -> None:
    """Runs once at start-up: the command menus Telegram shows, one for private chats, one for groups,
    and for each admin's private chat one with /stats and /reload; /read and /reset when ``reading``.

    A failure costs only the menus, so it is logged and the bot starts anyway.
    """
    private, group = _menu(PRIVATE, reading), _menu(GROUP, reading)
    try:
        await app.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
        await app.bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())
    except TelegramError as err:
        log.warning("Could not set the command menus: %s", err)
    for admin in sorted(admins):
        try:
            own = private + _menu(ADMIN, reading)
            await app.bot.set_my_commands(own, scope=BotCommandScopeChat(admin))
        except TelegramError as err:  # "chat not found" until the admin has written to the bot
            log.info("Could not set the admin menu for user %d: %s", admin, err)


def file_url(api_base_url: str) -> str:
    """Where files are downloaded from, beside the Bot API: ``…/bot`` becomes ``…/file/bot``."""
    base = api_base_url.rstrip("/")
    head, _, tail = base.rpartition("/")
    return f"{head}/file/{tail}" if head else f"{base}/file"


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
        .base_file_url(file_url(settings.api_base_url))
        .request(replies)
        .get_updates_request(updates)
        .defaults(defaults)
        .rate_limiter(FloodLimiter(limits, settings.flood_retries))
        .concurrent_updates(ChatOrderedUpdates(MAX_CONCURRENT_UPDATES))
        .post_init(lambda app: set_command_menus(app, settings.admins, settings.read_links))
        .post_shutdown(close_database)
        .application_class(QuotebotApplication)
        .build()
    )
    library = Library(answerer, settings.seeds, settings.cache)
    keyboards = Keyboards(Signer(settings.token))  # signed with the token: valid across restarts
    quotebot = Quotebot(library, recorder, keyboards, monitor)
    reader = Reader(settings.fetch_allow) if settings.read_links else None
    readings = Readings(library, reader, quotebot.say, quotebot.reply)
    quotebot.editions = readings.edition  # each chat asks about its own article, when it brought one
    # Before everything: chats not allowed and askers over their limit go no further.
    quota = Quota(settings.user_rate) if settings.user_rate else None
    Guard(settings.allowed_chats, quota, quotebot.say, unchanged=lambda m: _unchanged(quotebot, m)).register(app)
    # Before the Quotebot's own handlers, whose fallback answers unknown private commands with help.
    Admin(library, recorder, settings.admins, quotebot.say).register(app)
    Inline(library, recorder).register(app)
    Buttons(library, recorder, keyboards, quotebot.reply, readings.edition).register(app)
    readings.register(app)  # before the questions: a link, a file or a long text in a private chat is an article
    quotebot.register(app)
    monitor.attach(app)
    app.bot_data[LIBRARY] = library
    app.bot_data[REQUESTS] = (replies, updates)
    return app


def _unchanged(quotebot: Quotebot, message: Message) -> bool:
    """Whether ``message`` is an edit of a question answered already, its text as it was then."""
    earlier = quotebot.answered.get((message.chat_id, message.message_id))
    return earlier is not None and earlier.text == message.text


def library_of(app: Application) -> Library:
    """The articles ``app`` serves (see :func:`build_application`)."""
    library = app.bot_data[LIBRARY]
    assert isinstance(library, Library)
    return library
