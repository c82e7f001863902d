"""A fake Telegram Bot API on 127.0.0.1, speaking real HTTP, for running the real bot in tests.

    fake = FakeBotAPI(token); await fake.start()       # base_url: http://127.0.0.1:PORT/bot
    fake.push_text(GROUP, "/ask@Quote_Test_Bot Who?")  # a user writes; the bot long-polls it
    [reply] = await fake.wait_sent(GROUP)              # what the bot sent, checked and recorded
    fake.inject("sendMessage", Fault.retry_after(1))   # the next sendMessage gets a 429

Requests go to ``/bot<token>/<method>`` with JSON, form or query parameters, as the real API
takes them. Every call is checked against ``tests/data/bot-api-spec.json``: an unknown
method is a 404, a missing required or unknown parameter a 400, and each is also kept in
:attr:`FakeBotAPI.violations` so a test fails on it even when the bot shrugs it off. Every
object returned or pushed is checked to have the fields the spec requires and no others.
Message text sent with ``parse_mode=HTML`` is parsed under Telegram's rules
(:mod:`telegram_html`) and must be at most 4096 UTF-16 units of visible text.

The state is a small Telegram: chats, their messages (by chat and id, with their inline
keyboards), forum topics, the update queue with real long polling (``timeout``; ``offset``
confirms updates), the webhook, the command menus, inline queries and callback queries (each
answered at most once, as Telegram allows).

    sent = fake.push_document(PRIVATE, b"...", "story.txt")   # someone sends a file (getFile, download)
    query = fake.push_inline_query(ADA, "When?")       # someone types "@bot When?"
    [answer] = await fake.wait_inline_answer(query)     # what the bot listed
    posted = fake.choose(query, answer.params["results"][0]["id"], GROUP)   # and picks one
    tap = fake.press(reply.result, "More")              # someone taps a button under a message
    toast = await fake.wait_callback_answer(tap)

Faults (429 with ``retry_after``, 5xx, malformed bodies, late answers, dropped connections) are
injected per method with :meth:`FakeBotAPI.inject`, each saying whether the call took effect
before it went wrong; :meth:`FakeBotAPI.outage` fails every call until it ends:

    outage = fake.outage(Fault.bad_gateway())           # the API is down...
    outage.end()                                        # ...and back
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.helpers.bot_api_spec import BotApiSpec, spec
from tests.helpers.telegram_html import HtmlError, parse, utf16_len

__all__ = [
    "ADA",
    "BOB",
    "BOT",
    "CHANNEL",
    "FORUM",
    "GROUP",
    "PRIVATE",
    "Call",
    "Chat",
    "FakeBotAPI",
    "Fault",
    "Outage",
    "User",
]

MESSAGE_LIMIT = 4096
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses larger files: "bots can download files of up to 20MB"
_FOREVER = 10**12  # a fault rule's ``times`` for as long as its condition holds


# The world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False

    def api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        return user


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False

    def api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        for name in ("title", "first_name", "username"):
            if getattr(self, name):
                chat[name] = getattr(self, name)
        if self.is_forum:
            chat["is_forum"] = True
        return chat


# The bot as getMe shows it. The username's mixed case checks that mentions ignore case.
BOT = User(7_000_001, "Quotebot", "Quote_Test_Bot", is_bot=True)
ADA = User(1_001, "Ada", "ada_reader")
BOB = User(1_002, "Bob")  # no username: mentioned by text_mention only
PRIVATE = Chat(ADA.id, "private", first_name=ADA.first_name, username=ADA.username)
GROUP = Chat(-4_000_001, "group", title="Readers")
FORUM = Chat(-1_001_000_000_002, "supergroup", title="Newsroom", is_forum=True)
CHANNEL = Chat(-1_001_000_000_003, "channel", title="Daily Quotes", username="daily_quotes")

_GET_ME_EXTRAS = {
    "can_join_groups": True,
    "can_read_all_group_messages": False,  # privacy mode on, as BotFather sets it
    "supports_inline_queries": True,  # /setinline done in BotFather
    "can_connect_to_business": False,
    "has_main_web_app": False,
}


# Calls and faults --------------------------------------------------------------------------


@dataclass
class Fault:
    """What the fake does instead of (or besides) answering a call normally.

    ``acts``: whether the call takes effect first (the message is sent, the update confirmed),
    as when Telegram carried a request out but its answer went wrong on the way; False is a
    request Telegram never got, or refused. ``drop``: the connection is closed with no answer.
    Otherwise ``body`` None is the normal answer, ``delay`` seconds late; a dict is answered as
    JSON with ``status``; bytes are sent as they are (malformed replies), with ``content_type``.
    """

    status: int = 200
    body: dict[str, Any] | bytes | None = None
    delay: float = 0.0
    content_type: str = "application/json"
    acts: bool = False
    drop: bool = False

    @property
    def performs(self) -> bool:
        """Whether the fake carries the call out (a late normal answer always does)."""
        return self.acts or (self.body is None and not self.drop)

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        """A flood-limit refusal, as Telegram sends it."""
        return cls.error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    @classmethod
    def error(cls, status: int, description: str, **parameters: Any) -> Fault:
        """An API error: ``{"ok": false, "error_code": status, "description": ...}``."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return cls(status=status, body=body)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls.error(status, "Internal Server Error")

    @classmethod
    def bad_gateway(cls) -> Fault:
        """What a proxy in front of the API says when the API is down: HTML, not JSON."""
        return cls(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html")

    @classmethod
    def malformed(cls) -> Fault:
        """A 200 whose body is cut short: Telegram acted, its answer was mangled on the way."""
        return cls(200, b'{"ok": true, "result": {"message_id": ', acts=True)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The call takes effect at once, its normal answer comes ``seconds`` late (past a
        client's timeout, the client never learns that it worked)."""
        return cls(delay=seconds, acts=True)

    @classmethod
    def dropped(cls, acts: bool = False) -> Fault:
        """The connection is closed without an answer; by default before the call took effect."""
        return cls(drop=True, acts=acts)


class Outage:
    """A fault rule's ``when`` that holds from its start until :meth:`end`: the API is down meanwhile."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.ended: float | None = None

    def __call__(self, params: dict[str, Any]) -> bool:
        return self.ended is None

    def end(self) -> None:
        self.ended = time.monotonic()

    def during(self, call: Call) -> bool:
        """Whether ``call`` came in while the outage lasted."""
        return self.started <= call.started and (self.ended is None or call.started <= self.ended)


@dataclass
class _FaultRule:
    method: str  # or "*" for any
    fault: Fault
    times: int
    when: Callable[[dict[str, Any]], bool] | None
    used: int = 0


@dataclass
class Call:
    """One request the bot made, what it asked and what it got."""

    method: str
    params: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    status: int = 0
    response: Any = None
    fault: Fault | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.response, dict) and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return self.response.get("result") if isinstance(self.response, dict) else None

    @property
    def text(self) -> str:
        """The visible text of the message this call sent or edited to (after parsing HTML)."""
        result = self.result
        return result.get("text", "") if isinstance(result, dict) else ""

    @property
    def error(self) -> str:
        return self.response.get("description", "") if isinstance(self.response, dict) else ""


class ApiError(Exception):
    """A refusal the API answers with ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


class _Signal:
    """Wakes every waiter when something happened; notify() may be called from plain code."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


# Entities Telegram's clients (and server) find in what people type.
_AUTO_ENTITIES = [
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}")),
    ("url", re.compile(r"https?://[^\s<>]+")),
]
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BUTTON_ACTIONS = {
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
}  # fmt: skip
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
INLINE_QUERY_LIMIT = 256  # characters of an inline query Telegram sends
_DEFAULT_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}  # sent only on request


# The server --------------------------------------------------------------------------------


class FakeBotAPI:
    """The fake Bot API server and the small Telegram behind it."""

    def __init__(self, token: str, bot: User = BOT, api_spec: BotApiSpec | None = None) -> None:
        self.token = token
        self.bot = bot
        self.spec = api_spec or spec()
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []  # told of each call once answered (benchmarks)
        self.violations: list[str] = []  # calls that break the spec, and objects that do
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.topics: dict[int, dict[int, dict[str, Any]]] = {}  # chat -> thread id -> creation message
        self.left: set[int] = set()  # chats the bot left
        self.by_bot: set[tuple[int, int]] = set()  # (chat, message id) of the bot's own messages
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (scope, language) -> menu
        self.webhook: dict[str, Any] = {}
        self.inline_feedback = True  # /setinlinefeedback done: chosen results are sent to the bot
        self._queries: dict[str, bool] = {}  # inline and callback query ids -> answered yet
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content), for getFile
        self.downloads: list[str] = []  # file paths the bot downloaded, in order
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._allowed: set[str] | None = None
        self._faults: list[_FaultRule] = []
        self._activity = _Signal()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True
        self._activity.notify()  # long polls return at once
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The value for ``QUOTEBOT_API_BASE_URL``; the token follows it."""
        return f"http://127.0.0.1:{self.port}/bot"

    # What users do ---------------------------------------------------------------------------

    def message(
        self,
        chat: Chat,
        text: str | None = None,
        *,
        sender: User | None = ADA,
        reply_to: dict[str, Any] | None = None,
        topic: int | None = None,
        entities: Iterable[dict[str, Any]] = (),
        **content: Any,
    ) -> dict[str, Any]:
        """A new message in ``chat`` (stored, not yet delivered), with the entities Telegram finds.

        In a forum ``topic`` a message that replies to nothing replies to the topic's creation
        message, as in Telegram. In a channel there is no sender, the channel signs it.
        """
        message = self._new_message(chat.api(), sender, topic, reply_to)
        if text is not None:
            message["text"] = text
            found = [*_detect_entities(text), *entities]
            if found:
                message["entities"] = sorted(found, key=lambda e: e["offset"])
        message.update(content)
        return message

    def push(self, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of ``kind`` (message, edited_message, channel_post...) for the bot."""
        self._updates.append(self.update(kind, message))
        self._activity.notify()
        return message

    def update(self, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        """An update (checked against the spec) carrying ``message``, not queued: for webhooks."""
        update = {"update_id": next(self._update_ids), kind: message}
        problems = self.spec.check_object("Update", update)
        assert not problems, f"the test built an update Telegram would not send: {problems}"
        return update

    def push_text(self, chat: Chat, text: str, **options: Any) -> dict[str, Any]:
        """A user writes ``text`` in ``chat`` (a post, in a channel); see :meth:`message`."""
        kind = "channel_post" if chat.type == "channel" else "message"
        return self.push(kind, self.message(chat, text, **options))

    def push_edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """The author edits ``message`` to ``text`` (same text: an edit of something else)."""
        edited = {k: v for k, v in message.items() if k not in ("text", "entities")}
        edited.update(text=text, edit_date=int(time.time()))
        found = _detect_entities(text)
        if found:
            edited["entities"] = found
        self.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        kind = "edited_channel_post" if edited["chat"]["type"] == "channel" else "edited_message"
        return self.push(kind, edited)

    def push_document(
        self, chat: Chat, content: bytes, file_name: str, mime_type: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """A user sends a file (a ``document``) in ``chat``; the bot may getFile and download it."""
        number = len(self.files) + 1
        file_id = f"BQACAgIAAxkBAAI{number:04d}document"
        self.files[file_id] = (f"documents/file_{number}{_suffix(file_name)}", content)
        document = {"file_id": file_id, "file_unique_id": f"AgAD{number:04d}", "file_name": file_name}
        document["file_size"] = len(content)
        if mime_type is not None:
            document["mime_type"] = mime_type
        return self.push("message", self.message(chat, document=document, **options))

    def open_topic(self, chat: Chat, name: str, by: User = ADA) -> int:
        """A forum topic is created in ``chat``; its thread id. Delivered unless the bot made it."""
        assert chat.is_forum, "topics exist only in forum supergroups"
        creation = self._new_message(chat.api(), by, None, None)
        creation["forum_topic_created"] = {"name": name, "icon_color": 7322096}
        thread = creation["message_id"]
        self.topics.setdefault(chat.id, {})[thread] = creation
        if by != self.bot:  # bots never receive their own messages
            creation.update(message_thread_id=thread, is_topic_message=True)
            self.push("message", creation)
        return thread

    def push_inline_query(
        self, sender: User, query: str, *, chat_type: str = "sender", offset: str = ""
    ) -> dict[str, Any]:
        """``sender`` types ``@bot query`` in a chat of ``chat_type``; Telegram sends at most 256 characters."""
        assert len(query) <= INLINE_QUERY_LIMIT, "Telegram never sends a longer inline query"
        inline = {"id": self._query_id(), "from": sender.api(), "query": query, "offset": offset}
        inline["chat_type"] = chat_type
        self.push("inline_query", inline)
        return inline

    async def wait_inline_answer(self, inline: dict[str, Any], timeout: float = 10.0) -> list[Call]:
        """The bot's answer to ``inline`` (one call), waiting for it."""
        return await self.wait_for(
            lambda c: c.method == "answerInlineQuery" and c.params["inline_query_id"] == inline["id"], 1, timeout
        )

    def choose(self, inline: dict[str, Any], result_id: str, chat: Chat) -> dict[str, Any]:
        """The user who typed ``inline`` picks result ``result_id``: it is posted in ``chat`` "via" the
        bot, as they see it, and (inline feedback on) the bot hears which result was chosen."""
        [answer] = [c for c in self.calls_to("answerInlineQuery") if c.params["inline_query_id"] == inline["id"]]
        [result] = [r for r in answer.params["results"] if r["id"] == result_id]
        content = result["input_message_content"]
        visible, entities = self._formatted(content["message_text"], content)
        sender = User(inline["from"]["id"], inline["from"]["first_name"], inline["from"].get("username"))
        posted = self._new_message(chat.api(), sender, None, None)
        posted.update(text=visible, via_bot=self.bot.api())
        if entities:
            posted["entities"] = entities
        if self.inline_feedback:
            chosen = {"result_id": result_id, "from": inline["from"], "query": inline["query"]}
            self.push("chosen_inline_result", chosen)
        return posted

    def press(self, message: dict[str, Any], text: str, by: User = ADA) -> dict[str, Any]:
        """``by`` taps the button labelled ``text`` under the bot's ``message`` (as it is now)."""
        current = self.messages[(message["chat"]["id"], message["message_id"])]
        buttons = [b for row in current.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        found = [b for b in buttons if b["text"] == text]
        assert found, f"no button {text!r} under the message; there are {[b['text'] for b in buttons]}"
        return self.push_callback(current, found[0]["callback_data"], by)

    def push_callback(self, message: dict[str, Any], data: str, by: User = ADA) -> dict[str, Any]:
        """A callback query with ``data`` from a button under ``message`` (any data: forged ones too)."""
        current = self.messages.get((message["chat"]["id"], message["message_id"]), message)
        query = {
            "id": self._query_id(),
            "from": by.api(),
            "message": current,
            "chat_instance": str(-abs(current["chat"]["id"]) * 7 + 1),
            "data": data,
        }
        self.push("callback_query", query)
        return query

    async def wait_callback_answer(self, query: dict[str, Any], timeout: float = 10.0) -> Call:
        """The bot's answerCallbackQuery for ``query``, waiting for it."""
        [call] = await self.wait_for(
            lambda c: c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query["id"], 1, timeout
        )
        return call

    def _query_id(self) -> str:
        query_id = str(next(self._query_ids))
        self._queries[query_id] = False
        return query_id

    def _answer_query(self, query_id: str) -> None:
        """Inline and callback queries are answered once, and only ones Telegram sent."""
        if self._queries.get(query_id, True):
            raise ApiError(400, _QUERY_INVALID)
        self._queries[query_id] = True

    # Faults ----------------------------------------------------------------------------------

    def inject(
        self,
        method: str,
        fault: Fault,
        *,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*": any) whose parameters pass ``when`` get ``fault``."""
        self._faults.append(_FaultRule(method, fault, times, when))

    def outage(self, fault: Fault, *methods: str) -> Outage:
        """Every call of ``methods`` (none given: of any method) gets ``fault`` until the outage ends."""
        outage = Outage()
        for method in methods or ("*",):
            self.inject(method, fault, times=_FOREVER, when=outage)
        return outage

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for rule in self._faults:
            if rule.method in (method, "*") and rule.used < rule.times and (rule.when is None or rule.when(params)):
                rule.used += 1
                return rule.fault
        return None

    # What tests look at ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.finished is not None]

    def sent(self, chat: Chat | None = None) -> list[Call]:
        """The messages the bot sent (successfully), to ``chat`` or anywhere, in order."""
        return [c for c in self.calls_to("sendMessage") if c.ok and (chat is None or c.result["chat"]["id"] == chat.id)]

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        count: int = 1,
        timeout: float = 10.0,
        *,
        finished: bool = True,
    ) -> list[Call]:
        """The calls that pass ``predicate``, once there are ``count``; fails after ``timeout``.

        Only calls already answered count, unless ``finished`` is False (then calls still being
        answered, e.g. held up by a delay fault, count too).
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls if (c.finished is not None or not finished) and predicate(c)]
            if len(found) >= count:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(f"{c.method}:{c.status}" for c in self.calls[-15:])
                raise AssertionError(f"timed out waiting for {count} call(s); found {len(found)}; last: {seen}")
            await self._activity.wait(remaining)

    async def settled(self, timeout: float = 10.0) -> None:
        """Until every call received so far has been answered: a call held up by a delay fault is
        answered, and recorded, after the bot that made it may have exited."""
        await self.wait_for(lambda c: True, len(self.calls), timeout)

    async def wait_sent(self, chat: Chat, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The first ``count`` messages the bot sent to ``chat``, waiting for them."""
        found = await self.wait_for(
            lambda c: c.method == "sendMessage" and c.ok and c.result["chat"]["id"] == chat.id, count, timeout
        )
        return found[:count]

    async def wait_called(
        self, method: str, count: int = 1, timeout: float = 10.0, *, finished: bool = True
    ) -> list[Call]:
        """The first ``count`` calls of ``method``, waiting for them (see :meth:`wait_for`)."""
        return (await self.wait_for(lambda c: c.method == method, count, timeout, finished=finished))[:count]

    # HTTP ------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        canonical = {name.lower(): name for name in self.spec.methods}
        method = canonical.get(request.match_info["method"].lower())
        if method is None:
            self.violations.append(f"unknown method {request.match_info['method']!r}")
            return _error(404, "Not Found: method not found")
        try:
            params = await self._params(request, method)
        except ValueError:
            self.violations.append(f"{method}: a body that is not JSON")
            return _error(400, "Bad Request: can't parse JSON")
        problems = self.spec.check_call(method, params)
        if problems:
            self.violations.append(f"{method}: {'; '.join(problems)}")
            return _error(400, f"Bad Request: {problems[0]}")
        call = Call(method, params)
        self.calls.append(call)
        self._activity.notify()
        try:
            return await self._answer(call, request)
        finally:
            call.finished = time.monotonic()
            self._activity.notify()
            for listener in self.listeners:
                listener(call)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """``GET /file/bot<token>/<file_path>``: a file's content, as Telegram's file server gives it."""
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        found = [content for file_path, content in self.files.values() if file_path == path]
        if not found:
            return _error(404, "Not Found")
        self.downloads.append(path)
        return web.Response(body=found[0], content_type="application/octet-stream")

    async def _params(self, request: web.Request, method: str) -> dict[str, Any]:
        params: dict[str, Any] = self.spec.decode_form(method, dict(request.query))
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("not an object")
                params.update(body)
            else:
                form = await request.post()
                params.update(self.spec.decode_form(method, {k: str(v) for k, v in form.items()}))
        return params

    async def _answer(self, call: Call, request: web.Request) -> web.StreamResponse:
        fault = self._take_fault(call.method, call.params)
        call.fault = fault
        response = await self._perform(call) if fault is None or fault.performs else None
        if fault is None:
            assert response is not None
            return response
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            if not fault.performs:
                call.status, call.response = 0, None
            assert request.transport is not None
            request.transport.close()  # the client sees the connection end with no answer
            return web.Response()
        if response is not None and fault.body is None:
            return response  # the normal answer, late
        if not fault.performs:  # what the call got is the fault; otherwise it did take effect
            call.status, call.response = fault.status, fault.body
        if isinstance(fault.body, bytes):
            return web.Response(status=fault.status, body=fault.body, content_type=fault.content_type)
        return web.json_response(fault.body, status=fault.status)

    async def _perform(self, call: Call) -> web.StreamResponse:
        """Carry ``call`` out and answer it as Telegram would."""
        handler = getattr(self, f"_api_{call.method}", None)
        try:
            if handler is None:  # a real method the bot may call: the fake must learn it
                self.violations.append(f"the fake does not implement {call.method}")
                raise ApiError(501, f"the fake does not implement {call.method}")
            result = await handler(call.params)
        except ApiError as err:
            call.status = err.status
            call.response = {"ok": False, "error_code": err.status, "description": err.description}
            return web.json_response(call.response, status=err.status)
        problems = self.spec.check_value(result, self.spec.methods[call.method]["returns"], call.method)
        if problems:  # the fake's own mistake: fail the test, not just the call
            self.violations.append(f"the fake returned a bad {call.method} result: {problems}")
        call.status, call.response = 200, {"ok": True, "result": result}
        return web.json_response(call.response)

    # State helpers ---------------------------------------------------------------------------

    def _new_message(
        self,
        chat: dict[str, Any],
        sender: User | None,
        topic: int | None,
        reply_to: dict[str, Any] | None,
    ) -> dict[str, Any]:
        self.chats[chat["id"]] = chat
        ids = self._message_ids.setdefault(chat["id"], itertools.count(101))
        message: dict[str, Any] = {"message_id": next(ids), "date": int(time.time()), "chat": chat}
        if chat["type"] == "channel":
            message["sender_chat"] = chat  # posts are signed by the channel, whoever wrote them
        elif sender is not None:
            message["from"] = sender.api()
        if topic is not None:
            assert topic in self.topics.get(chat["id"], {}), f"no topic {topic} in chat {chat['id']}"
            message.update(message_thread_id=topic, is_topic_message=True)
            reply_to = reply_to or self.topics[chat["id"]][topic]
        if reply_to is not None:
            # Telegram does not nest replies: the replied-to message comes without its own.
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:  # "@username", or an id as a string: rare, so a scan will do
            chat = next((c for c in self.chats.values() if chat_id in (c["id"], "@" + str(c.get("username")))), None)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat["id"] in self.left:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        return chat

    def _formatted(self, text: str | None, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """Visible text and entities of ``text`` as sent with ``params``' parse mode."""
        mode = (params.get("parse_mode") or "").lower()
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if mode == "html":
            try:
                parsed = parse(text)
            except HtmlError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
            visible, entities = parsed.text, parsed.entities
        elif mode:
            raise ApiError(400, f"Bad Request: the fake speaks no parse mode {mode!r}")
        else:
            visible, entities = text, list(params.get("entities", []))
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > MESSAGE_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return visible, entities

    def _thread(self, chat: dict[str, Any], params: dict[str, Any], replied: dict[str, Any] | None) -> int | None:
        thread = params.get("message_thread_id")
        if thread is None and replied is not None and replied.get("is_topic_message"):
            return replied["message_thread_id"]  # a reply lands in its question's topic
        if thread is not None and thread not in self.topics.get(chat["id"], {}):
            raise ApiError(400, "Bad Request: message thread not found")
        return thread

    # Methods ---------------------------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self.bot.api(), **_GET_ME_EXTRAS}

    async def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: returns at once if updates wait, else when one comes or ``timeout`` passes."""
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        if "allowed_updates" in params:
            self._allowed = set(params["allowed_updates"]) or None
        offset = params.get("offset")
        if offset is not None:
            self._confirm(offset)
        limit = min(max(params.get("limit", 100), 1), 100)
        deadline = time.monotonic() + max(params.get("timeout", 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation
        while True:
            pending = [u for u in self._updates if self._is_allowed(u)][:limit]
            if pending or self._closing:
                return pending
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self._activity.wait(remaining)

    def _confirm(self, offset: int) -> None:
        """Updates before ``offset`` are confirmed, and forgotten; a negative offset keeps the last ones."""
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in _DEFAULT_UPDATES

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (a getUpdates with a higher offset)."""
        return list(self._updates)

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        if urlsplit(params["url"]).scheme != "https":
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for name in ("max_connections", "allowed_updates", "ip_address"):
            if name in self.webhook:
                info[name] = self.webhook[name]
        return info

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not _COMMAND.fullmatch(command["command"]):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._menu_key(params)] = commands
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._menu_key(params), [])

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._menu_key(params), None)
        return True

    @staticmethod
    def _menu_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code", "")

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        visible, entities = self._formatted(params["text"], params)
        replied = None
        if "reply_parameters" in params:
            reply = params["reply_parameters"]
            replied = self.messages.get((reply.get("chat_id", chat["id"]), reply["message_id"]))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        markup = self._keyboard(params)
        message = self._new_message(chat, self.bot, self._thread(chat, params, replied), replied)
        self.by_bot.add((chat["id"], message["message_id"]))
        message["text"] = visible
        if entities:
            message["entities"] = entities
        if "link_preview_options" in params:
            message["link_preview_options"] = params["link_preview_options"]
        if markup:
            message["reply_markup"] = markup
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        visible, entities = self._formatted(params.get("text"), params)
        markup = self._keyboard(params)  # an edit without one takes the keyboard off, as in Telegram
        now = (message.get("text"), message.get("entities", []), message.get("reply_markup"))
        if (visible, entities, markup) == now:
            raise ApiError(400, _NOT_MODIFIED)
        message = {k: v for k, v in message.items() if k not in ("entities", "reply_markup")}
        message.update(text=visible, edit_date=int(time.time()))
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = self._keyboard(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        message = {k: v for k, v in message.items() if k != "reply_markup"}
        message["edit_date"] = int(time.time())
        if markup:
            message["reply_markup"] = markup
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        """The bot's message an edit names, or the refusal Telegram gives."""
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: the fake has no inline messages")
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._chat(params["chat_id"])
        message = self.messages.get((chat["id"], params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if (chat["id"], message["message_id"]) not in self.by_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _keyboard(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The inline keyboard of a send or edit, checked as Telegram checks it; None without one."""
        markup = params.get("reply_markup")
        if not markup:
            return None
        if "inline_keyboard" not in markup:
            return markup  # reply keyboards and the like: not the bot's business here
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button["text"]:
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                if len(_BUTTON_ACTIONS.intersection(button)) != 1:
                    raise ApiError(400, "Bad Request: inline keyboard button needs exactly one action")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        if self.messages.pop((chat["id"], params["message_id"]), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params["chat_id"])
        return True

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(params["file_id"])
        if found is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = found
        if len(content) > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        unique = f"AgAD{list(self.files).index(params['file_id']) + 1:04d}"
        return {"file_id": params["file_id"], "file_unique_id": unique, "file_size": len(content), "file_path": path}

    async def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        gifts = dict.fromkeys(
            [
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ],
            False,
        )
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    async def _api_leaveChat(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        self.left.add(chat["id"])
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if len(params.get("text", "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._answer_query(params["callback_query_id"])
        return True

    async def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params["results"]
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r["id"] for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content", {})
            if "message_text" in content:
                self._formatted(content["message_text"], content)  # parsed and measured as a message
            if result.get("type") == "article" and not result["title"].strip():
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
        if len(params.get("next_offset", "").encode()) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        button = params.get("button")
        if button is not None and not _START_PARAMETER.fullmatch(button.get("start_parameter", "")):
            raise ApiError(400, "Bad Request: START_PARAM_INVALID")
        self._answer_query(params["inline_query_id"])
        return True


def _suffix(file_name: str) -> str:
    """The extension Telegram keeps on a stored document's path ("documents/file_3.txt")."""
    dot = file_name.rfind(".")
    return file_name[dot:].lower() if dot > 0 else ""


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


def _detect_entities(text: str) -> list[dict[str, Any]]:
    """Commands, mentions and links in ``text``, with offsets and lengths in UTF-16 units."""
    found = []
    for kind, pattern in _AUTO_ENTITIES:
        for match in pattern.finditer(text):
            offset = utf16_len(text[: match.start()])
            found.append({"type": kind, "offset": offset, "length": utf16_len(match.group())})
    return sorted(found, key=lambda e: e["offset"])
