"""Quotebot's Prometheus metrics, each application with a registry of its own.

    quotebot_questions_total{chat_type}             questions taken up, by the chat they came from
    quotebot_answers_total{outcome}                 replies sent by verdict: answered, closest (hedged), or declined
    quotebot_reply_latency_seconds                  histogram: update received -> last reply part sent
    quotebot_bot_api_errors_total{kind, method}     failed Bot API requests (see bot.botapi.watch for the kinds)
    quotebot_bot_api_last_success_timestamp_seconds when a Bot API request last worked (Unix time)
    quotebot_webhook_pending_updates                updates Telegram holds for the webhook (webhook mode)
    quotebot_build_info{version}                    always 1; the running version, for upgrades

A registry per application, rather than prometheus_client's global one, so that several bots in
one process (the tests run many) never count into each other or clash on registration.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from bot import __version__

__all__ = ["CHAT_TYPES", "OUTCOMES", "Metrics"]

CHAT_TYPES = ("private", "group", "supergroup", "channel")
OUTCOMES = ("answered", "closest", "declined")
# A reply is an answer (a few milliseconds) plus one to a few sendMessage round trips, and waits
# for the flood limiter when a group is busy (up to 3 s a message at 20 a minute): hence the tail.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The instruments, and their exposition in the Prometheus (or OpenMetrics) text format."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.questions = Counter(
            "quotebot_questions", "Questions taken up, by chat type.", ["chat_type"], registry=self.registry
        )
        self.answers = Counter(
            "quotebot_answers",
            "Replies sent to questions, by verdict.",
            ["outcome"],
            registry=self.registry,
        )
        self.reply_latency = Histogram(
            "quotebot_reply_latency_seconds",
            "Seconds from receiving a question's update to sending the last part of its reply.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.api_errors = Counter(
            "quotebot_bot_api_errors",
            "Failed Bot API requests, by kind of failure and API method.",
            ["kind", "method"],
            registry=self.registry,
        )
        self.api_last_success = Gauge(
            "quotebot_bot_api_last_success_timestamp_seconds",
            "Unix time of the last Bot API request that worked.",
            registry=self.registry,
        )
        self.webhook_pending = Gauge(
            "quotebot_webhook_pending_updates",
            "Updates Telegram holds for the webhook, as getWebhookInfo last said (webhook mode only).",
            registry=self.registry,
        )
        build = Gauge("quotebot_build_info", "The running Quotebot version.", ["version"], registry=self.registry)
        build.labels(__version__).set(1)
        # Every known series exists from the start at 0, so rate() and alerts see the first event.
        for chat_type in CHAT_TYPES:
            self.questions.labels(chat_type)
        for outcome in OUTCOMES:
            self.answers.labels(outcome)

    def question(self, chat_type: str) -> None:
        """A question from a chat of ``chat_type`` was taken up."""
        self.questions.labels(chat_type).inc()

    def answered(self, outcome: str, latency: float) -> None:
        """A reply went out (``outcome``: answered, closest or declined), ``latency`` seconds after the update came."""
        self.answers.labels(outcome).inc()
        self.reply_latency.observe(latency)

    def api_error(self, kind: str, method: str) -> None:
        """A Bot API request of ``method`` failed in the way ``kind`` names."""
        self.api_errors.labels(kind, method).inc()

    def api_success(self) -> None:
        """A Bot API request worked, now."""
        self.api_last_success.set(time.time())

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics as the scraper asked (its ``Accept`` header): the body and its content type."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type
