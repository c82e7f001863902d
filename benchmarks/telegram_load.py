#!/usr/bin/env python3
"""Quotebot on Telegram under load: the real python-telegram-bot Application, as ``quotebot run``
serves it, against the loopback fake Bot API of the tests (issues 5 and 8).

usage: python benchmarks/telegram_load.py [--runs latency,throughput,load,memory] [--chats N]
                                          [--per-chat N] [--latency-questions N]
                                          [--throughput-updates N] [--memory-updates N]

Setup: ``pip install -e '.[test]'`` (the fake needs aiohttp). Takes about four minutes with the
defaults, most of it the load run, which Telegram's overall limit of 30 messages a second makes
last a minute and more. Nothing here fails on a number; the exit code is 0 whenever it ran.

The bot runs in a child process of its own, pinned to one core (``sched_setaffinity``) when
there are two or more, so "a second on one core" is what it says; the fake runs in this
process, on another core, and its CPU time is printed too, to show whether it kept up. The bot
logs at WARNING (a line a question at INFO would fill the terminal), records questions in a
temporary database as by default, and uses the bundled article. Runs:

- ``latency``: questions one at a time, each from another of ``--chats`` private chats, paced
  at 20 a second (under the bot's overall limit of 24); the round trip is from the fake queueing the update
  (a long poll is waiting for it) to the fake receiving the answer's sendMessage. Telegram's
  flood limits on, as deployed.
- ``throughput``: ``--throughput-updates`` questions from 300 private chats queued at once;
  updates answered a second = questions / seconds until the last answer. Flood limits
  **raised** out of the way (every bucket a million messages a second: the code still runs,
  never waits) and no per-person limit, since a real Telegram would not let this many
  answers out this fast anyway. Twice: recording what readers asked (the default), and with
  ``QUOTEBOT_RECORD=false``.
- ``load``: ``--chats`` chats (three in four private, the rest groups asked ``/ask@bot``) each
  asking ``--per-chat`` questions at once, at Telegram's limits: all answered? each chat's
  in order? and, from the time the fake received each message, the most sent in any window
  against each limit (a chat: 3 at once then 1 a second, a leaky bucket whose bound for a
  window is burst + rate × window; a group: at most 20 in any minute; overall: at most 30 in
  any second).
- ``memory``: ``--memory-updates`` questions in waves of 2,000, each wave from 2,000 chats
  never seen before, flood limits raised; the bot's resident memory after each wave. Its
  caches are bounded (10,000 answered questions remembered for edits, 10,000 served taps;
  per-chat locks, flood buckets and per-person counts forgotten once idle), so memory grows
  while they fill and then stays flat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import math
import multiprocessing
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the fake Bot API lives with the tests (tests/helpers)

from bot.botapi.flood import TELEGRAM_LIMITS, FloodLimits, Rate  # noqa: E402
from tests.helpers.fake_bot_api import Call, Chat, FakeBotAPI, User  # noqa: E402

TOKEN = "5127836401:AAF-quotebot_LOAD_token_x9Zq2Lw7Kp3"
ASK = "/ask@Quote_Test_Bot"
QUESTIONS = [
    "When were they captured?",
    "Who met the prisoners in March?",
    "Where do the soldiers want to go?",
    "What did Ukrainian authorities release?",
    "Did Trump give a timeline?",
    "What is the price of bitcoin?",  # declined: the article does not say
]
RAISED = FloodLimits(chat=Rate(10**6, 1), group=Rate(10**6, 1), overall=Rate(10**6, 1))


@dataclass(frozen=True, slots=True)
class Allowed:
    """At most ``count`` messages in any ``seconds``; with a ``burst``, a leaky bucket instead
    (``burst`` at once, then ``count`` per ``seconds``), for a limit that lets short bursts pass."""

    count: int
    seconds: float
    burst: int = 0

    def bound(self, window: float) -> float:
        if self.burst:
            return self.burst + window * self.count / self.seconds
        return self.count * math.ceil(window / self.seconds - 1e-9)

    def __str__(self) -> str:
        if self.burst:
            return f"{self.burst} at once, {self.count} per {self.seconds:g} s"
        return f"{self.count} in any {self.seconds:g} s"


# What Telegram allows (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
# about one message a second in a chat, short bursts passing; no more than 20 a minute in a group;
# no more than 30 a second overall. The times messages reached the fake are checked against these;
# the bot keeps TELEGRAM_LIMITS.
TELEGRAM_ALLOWS = {"a chat": Allowed(3, 3.0, burst=3), "a group": Allowed(20, 60.0), "overall": Allowed(30, 1.0)}
WAVE = 2_000
LATENCY_PACE = 20  # questions a second in the latency run: under the bot's overall limit, so none waits


# The bot, in a child process ---------------------------------------------------------------


def _serve_bot(env: dict[str, str], limits: FloodLimits | None, core: int | None) -> None:
    """The child: ``quotebot run``'s application on ``core``, until SIGTERM."""
    if core is not None:
        os.sched_setaffinity(0, {core})
    os.environ.update(env)
    import logging

    from bot.answer import Answerer
    from bot.articles.corpus import load_corpus
    from bot.config import Settings
    from bot.telegram.app import build_application
    from bot.telegram.serving import serve

    logging.basicConfig(level=logging.WARNING, format="bot: %(levelname)s %(name)s: %(message)s")
    settings = Settings(_env_file=None)
    app = build_application(settings, Answerer(load_corpus(settings.seeds)), limits)

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await serve(app, settings, stop)

    asyncio.run(main())


@dataclass
class Bot:
    """The bot's child process, and what can be read of it from /proc."""

    process: multiprocessing.process.BaseProcess

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        return kb / 1000

    def cpu_s(self) -> float:
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def bot_against(
    fake: FakeBotAPI, limits: FloodLimits | None, user_rate: int, core: int | None, record: bool = True
) -> Any:
    """The bot serving ``fake`` until the block ends; yields a :class:`Bot` once it long-polls."""
    with tempfile.TemporaryDirectory() as state:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "QUOTEBOT_API_BASE_URL": fake.base_url,
            "QUOTEBOT_DB": str(Path(state) / "quotebot.sqlite3"),
            "QUOTEBOT_RECORD": str(record).lower(),
            "QUOTEBOT_USER_RATE": str(user_rate),
            "QUOTEBOT_LOG_LEVEL": "WARNING",
            "PTB_TIMEDELTA": "1",
        }
        process = multiprocessing.get_context("spawn").Process(target=_serve_bot, args=(env, limits, core))
        process.start()
        try:
            await fake.wait_for(lambda c: c.method == "getUpdates" and c.finished is None, finished=False, timeout=60)
            yield Bot(process)
        finally:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
            await asyncio.to_thread(process.join, 30)
            if process.is_alive():
                process.kill()


# Watching the answers ----------------------------------------------------------------------


@dataclass
class Answers:
    """The answers the fake received, as they come: (chat, question id) -> when, and a count to wait for."""

    received: dict[tuple[int, int | None], list[float]] = field(default_factory=lambda: defaultdict(list))
    by_chat: dict[int, list[tuple[float, int | None]]] = field(default_factory=lambda: defaultdict(list))
    count: int = 0
    _waiting: tuple[int, asyncio.Future[None]] | None = None

    def __call__(self, call: Call) -> None:
        if call.method != "sendMessage" or not call.ok:
            return
        chat = call.result["chat"]["id"]
        question = call.params.get("reply_parameters", {}).get("message_id")
        self.received[(chat, question)].append(call.started)
        self.by_chat[chat].append((call.started, question))
        self.count += 1
        if self._waiting and self.count >= self._waiting[0] and not self._waiting[1].done():
            self._waiting[1].set_result(None)

    async def reach(self, count: int, timeout: float) -> None:
        """Wait until ``count`` answers have come in all."""
        if self.count >= count:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting = (count, future)
        await asyncio.wait_for(future, timeout)


def private_chats(first_id: int, count: int) -> Iterator[tuple[Chat, User]]:
    for n in range(count):
        user = User(first_id + n, f"Reader {first_id + n}")
        yield Chat(user.id, "private", first_name=user.first_name), user


# Runs --------------------------------------------------------------------------------------


async def latency_run(fake: FakeBotAPI, questions: int, chats: int, core: int | None) -> dict[str, Any]:
    answers = Answers()
    fake.listeners.append(answers)
    readers = list(private_chats(100_000, chats))
    times: list[float] = []
    async with bot_against(fake, TELEGRAM_LIMITS, user_rate=10, core=core):
        for n in range(20 + questions):  # the first 20 warm up
            chat, user = readers[n % len(readers)]
            started = time.monotonic()
            asked = fake.push_text(chat, QUESTIONS[n % len(QUESTIONS)], sender=user)
            await answers.reach(n + 1, timeout=30)
            if n >= 20:
                times.append(answers.received[(chat.id, asked["message_id"])][0] - started)
            await asyncio.sleep(max(0.0, 1 / LATENCY_PACE - (time.monotonic() - started)))
    times.sort()
    return {
        "questions": questions,
        "median ms": 1000 * statistics.median(times),
        "p90 ms": 1000 * times[int(0.9 * (len(times) - 1))],
        "p99 ms": 1000 * times[int(0.99 * (len(times) - 1))],
    }


async def throughput_run(fake: FakeBotAPI, updates: int, core: int | None, record: bool) -> dict[str, Any]:
    answers = Answers()
    fake.listeners.append(answers)
    readers = list(private_chats(200_000, 300))
    async with bot_against(fake, RAISED, user_rate=0, core=core, record=record) as bot:
        cpu_before, fake_cpu_before = bot.cpu_s(), _own_cpu_s()
        started = time.monotonic()
        for n in range(updates):
            chat, user = readers[n % len(readers)]
            fake.push_text(chat, QUESTIONS[n % len(QUESTIONS)], sender=user)
        await answers.reach(updates, timeout=600)
        wall = time.monotonic() - started
        cpu = bot.cpu_s() - cpu_before
        fake_cpu = _own_cpu_s() - fake_cpu_before
    return {
        "recording": record,
        "updates": updates,
        "seconds": wall,
        "updates/s": updates / wall,
        "bot CPU s": cpu,
        "bot CPU per update ms": 1000 * cpu / updates,
        "fake CPU s": fake_cpu,
    }


async def load_run(fake: FakeBotAPI, chats: int, per_chat: int, core: int | None) -> dict[str, Any]:
    answers = Answers()
    fake.listeners.append(answers)
    private = list(private_chats(300_000, chats - chats // 4))
    groups = [Chat(-400_000 - n, "group", title=f"Group {n}") for n in range(chats // 4)]
    asked: dict[int, list[int]] = defaultdict(list)
    async with bot_against(fake, TELEGRAM_LIMITS, user_rate=10, core=core):
        started = time.monotonic()
        for round_ in range(per_chat):
            question = QUESTIONS[round_ % len(QUESTIONS)]
            for chat, user in private:
                asked[chat.id].append(fake.push_text(chat, question, sender=user)["message_id"])
            for n, group in enumerate(groups):
                member = User(500_000 + n, f"Member {n}")
                asked[group.id].append(fake.push_text(group, f"{ASK} {question}", sender=member)["message_id"])
        total = chats * per_chat
        with contextlib.suppress(TimeoutError):
            overall = TELEGRAM_LIMITS.overall
            assert overall is not None
            await answers.reach(total, timeout=60 + 3 * total * overall.seconds / overall.count)
        wall = time.monotonic() - started
    in_order = all([q for _, q in answers.by_chat[chat]] == ids for chat, ids in asked.items())
    once = all(len(answers.received[(chat, q)]) == 1 for chat, ids in asked.items() for q in ids)
    all_times = sorted(t for times in answers.received.values() for t in times)
    series = {
        "a chat": [[t for t, _ in sent] for sent in answers.by_chat.values()],
        "a group": [[t for t, _ in answers.by_chat[g.id]] for g in groups],
        "overall": [all_times],
    }
    checks = [_worst(scope, TELEGRAM_ALLOWS[scope], times) for scope, times in series.items()]
    return {
        "questions": total,
        "answered": answers.count,
        "each once": once,
        "in order in every chat": in_order,
        "seconds": wall,
        "answers/s": answers.count / wall,
        "limits": checks,
    }


async def memory_run(fake: FakeBotAPI, updates: int, core: int | None) -> dict[str, Any]:
    answers = Answers()
    fake.listeners.append(answers)
    samples: list[tuple[int, float]] = []
    async with bot_against(fake, RAISED, user_rate=10, core=core) as bot:
        samples.append((0, bot.rss_mb()))
        for wave in range(updates // WAVE):
            for n, (chat, user) in enumerate(private_chats(1_000_000 + wave * WAVE, WAVE)):
                fake.push_text(chat, QUESTIONS[n % len(QUESTIONS)], sender=user)
            await answers.reach((wave + 1) * WAVE, timeout=600)
            samples.append(((wave + 1) * WAVE, bot.rss_mb()))
            fake.calls.clear()  # the fake's own record of every call would slow it down, wave by wave
    return {"samples": samples}


def _worst(scope: str, allowed: Allowed, series: list[list[float]]) -> tuple[str, str, int, float, float]:
    """Over windows of a tenth, one and three periods, the one where messages came closest to
    the bound: the most any series had in it, and the bound."""
    closest: tuple[float, int, float, float] | None = None
    for window in (allowed.seconds / 10, allowed.seconds, 3 * allowed.seconds):
        most = max((_most_in_window(times, window) for times in series), default=0)
        bound = allowed.bound(window)
        if closest is None or most - bound > closest[0]:
            closest = (most - bound, most, bound, window)
    assert closest is not None
    _, most, bound, window = closest
    return scope, str(allowed), most, bound, window


def _most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((bisect_right(times, t + window) - i for i, t in enumerate(times)), default=0)


def _own_cpu_s() -> float:
    usage = os.times()
    return usage.user + usage.system


# Output ------------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    cpu, memory = platform.processor() or "unknown", "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="ascii") as info:
        memory = f"{int(info.readline().split()[1]) / 1e6:.1f} GB"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("machine", f"{platform.system()} {platform.release()}, {platform.machine()}"),
        ("cpu", f"{cpu}, {cores} core(s) available"),
        ("memory", memory),
        ("python", platform.python_version()),
        ("python-telegram-bot", importlib.metadata.version("python-telegram-bot")),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def report(
    results: dict[str, dict[str, Any]], cores: tuple[int | None, int | None], about: list[tuple[str, str]]
) -> str:
    where = f"bot on core {cores[0]}, fake on core {cores[1]}" if cores[0] is not None else "bot and fake not pinned"
    out = [table(about, ["", ""]), where, ""]
    if "latency" in results:
        r = results["latency"]
        out += [
            f"Round trip, update queued to sendMessage received (Telegram's limits on, {LATENCY_PACE} questions/s):",
            table([[r["questions"], r["median ms"], r["p90 ms"], r["p99 ms"], "≤ 10 ms median"]],
                  ["questions", "median ms", "p90 ms", "p99 ms", "goal"]),
            "",
        ]  # fmt: skip
    runs = [results[name] for name in ("throughput", "throughput, not recording") if name in results]
    if runs:
        out += [
            "Throughput, all queued at once (flood limits raised out of the way, no per-person limit):",
            table([[r["recording"], r["updates"], r["seconds"], r["updates/s"], r["bot CPU s"],
                    r["bot CPU per update ms"], r["fake CPU s"], "≥ 300 updates/s"] for r in runs],
                  ["recording", "updates", "seconds", "updates/s", "bot CPU s", "bot CPU ms/update", "fake CPU s",
                   "goal"]),
            "",
        ]  # fmt: skip
    if "load" in results:
        r = results["load"]
        out += [
            f"Load: {r['questions']:,} questions from the chats at once, at Telegram's limits:",
            table([[r["questions"], r["answered"], r["each once"], r["in order in every chat"], r["seconds"],
                    r["answers/s"]]],
                  ["questions", "answered", "each once", "in order", "seconds", "answers/s"]),
            "",
            table([[scope, limit, window, most, bound, most <= bound]
                   for scope, limit, most, bound, window in r["limits"]],
                  ["messages to", "Telegram allows", "window s", "most in a window", "bound", "kept"]),
            "",
        ]  # fmt: skip
    if "memory" in results:
        samples = results["memory"]["samples"]
        out += [
            "Memory, waves of 2,000 questions from new chats (flood limits raised):",
            table([[n, mb, mb - samples[0][1]] for n, mb in samples], ["updates answered", "RSS MB", "+ MB"]),
            "",
        ]
    return "\n".join(out)


async def run(args: argparse.Namespace, pinned: tuple[int | None, int | None]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    bot_core, fake_core = pinned
    if fake_core is not None:
        os.sched_setaffinity(0, {fake_core})
    steps: dict[str, Callable[[FakeBotAPI], Any]] = {
        "latency": lambda f: latency_run(f, args.latency_questions, args.chats, bot_core),
        "throughput": lambda f: throughput_run(f, args.throughput_updates, bot_core, record=True),
        "throughput, not recording": lambda f: throughput_run(f, args.throughput_updates, bot_core, record=False),
        "load": lambda f: load_run(f, args.chats, args.per_chat, bot_core),
        "memory": lambda f: memory_run(f, args.memory_updates, bot_core),
    }
    names = [n for run in args.runs for n in ([run, f"{run}, not recording"] if run == "throughput" else [run])]
    for name in names:
        print(f"telegram_load: {name} ...", file=sys.stderr, flush=True)
        fake = FakeBotAPI(TOKEN)  # a fresh Telegram each run
        await fake.start()
        try:
            results[name] = await steps[name](fake)
        finally:
            await fake.stop()
        if fake.violations:
            print(f"telegram_load: the bot broke the Bot API spec: {fake.violations[:5]}", file=sys.stderr)
    return results


def cores() -> tuple[int | None, int | None]:
    """The core for the bot and the one for the fake (None: not pinned, with fewer than two)."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return (available[0], available[1]) if len(available) >= 2 else (None, None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Quotebot on Telegram under load, against the loopback fake Bot API.")
    parser.add_argument(
        "--runs", type=lambda s: [r.strip() for r in s.split(",") if r.strip()],
        default=["latency", "throughput", "load", "memory"], help="which runs, comma-separated (default: all)",
    )  # fmt: skip
    parser.add_argument("--chats", type=int, default=200, help="chats of the load run (default 200)")
    parser.add_argument("--per-chat", type=int, default=10, help="questions per chat in the load run (default 10)")
    parser.add_argument("--latency-questions", type=int, default=300, help="timed questions (default 300)")
    parser.add_argument("--throughput-updates", type=int, default=3_000, help="default 3,000")
    parser.add_argument("--memory-updates", type=int, default=20_000, help="in waves of 2,000 (default 20,000)")
    args = parser.parse_args(argv)
    unknown = set(args.runs) - {"latency", "throughput", "load", "memory"}
    if unknown:
        parser.error(f"unknown runs: {', '.join(sorted(unknown))}")
    pinned, about = cores(), machine()  # before this process is pinned to the fake's core
    results = asyncio.run(run(args, pinned))
    print(report(results, pinned, about))
    return 0


if __name__ == "__main__":
    sys.exit(main())
