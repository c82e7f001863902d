"""The small HTTP server for operators: ``/healthz`` and ``/metrics``.

    GET /healthz   200 or 503 and a JSON body ({"status", "reason", ...}): see bot.ops.health
    GET /metrics   Prometheus text format (OpenMetrics when the scraper asks for it): see bot.ops.metrics

It listens on ``QUOTEBOT_METRICS_LISTEN``:``QUOTEBOT_METRICS_PORT``, apart from the webhook port,
so that a reverse proxy forwarding the webhook never exposes it. By default it is on in webhook
mode (a server is running anyway) and off in long polling (which needs no open port at all).

Served by tornado, in the bot's own event loop: python-telegram-bot's webhook server is tornado,
so it costs no new dependency, no thread and nothing that could fall out of step with the bot,
and it is a complete HTTP server (unlike a hand-rolled one on asyncio streams). prometheus_client's
own ``start_http_server`` would need a thread, and knows nothing of health.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.config import Settings
from bot.healthcheck import DEFAULT_PORT, endpoint, probe_host
from bot.ops.health import Report
from bot.ops.metrics import Metrics

__all__ = ["DEFAULT_PORT", "StatusServer", "address_of", "probe_host"]

log = logging.getLogger("quotebot.status")


def address_of(settings: Settings) -> tuple[str, int] | None:
    """Where the server listens, or None when it is off (see :func:`bot.healthcheck.endpoint`)."""
    return endpoint(settings.metrics_port, settings.metrics_listen, bool(settings.webhook_url))


def _listen(host: str, port: int) -> list[socket.socket]:
    """A listening socket on ``host``:``port`` ("" or "::": every address, IPv6 and IPv4).

    Not tornado's ``bind_sockets``: when the port is taken it raises without closing the socket
    it made, which then leaks until the garbage collector finds it; ``socket.create_server``
    closes it.
    """
    every = host in ("", "::")
    if every and socket.has_dualstack_ipv6():
        server = socket.create_server(("", port), family=socket.AF_INET6, backlog=128, dualstack_ipv6=True)
    else:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server = socket.create_server(("" if every else host, port), family=family, backlog=128)
    server.setblocking(False)
    return [server]


class _Health(RequestHandler):
    def initialize(self, report: Callable[[], Report]) -> None:
        self.report = report

    def _answer(self) -> Report:
        report = self.report()
        self.set_status(200 if report.healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        return report

    def get(self) -> None:
        self.finish(json.dumps(self._answer().body()) + "\n")

    def head(self) -> None:
        self._answer()


class _Metrics(RequestHandler):
    def initialize(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        body, content_type = self.metrics.exposition(self.request.headers.get("Accept"))
        self.set_header("Content-Type", content_type)
        self.finish(body)


def _log_request(handler: RequestHandler) -> None:
    # Probes come every few seconds: at INFO they would drown the bot's own lines.
    request = handler.request
    log.debug("%s %s %d %.1f ms", request.method, request.path, handler.get_status(), 1000 * request.request_time())


class StatusServer:
    """``/healthz`` from ``report`` and ``/metrics`` from ``metrics``, once started."""

    def __init__(self, report: Callable[[], Report], metrics: Metrics) -> None:
        self._app = Application(
            [(r"/healthz", _Health, {"report": report}), (r"/metrics", _Metrics, {"metrics": metrics})],
            log_function=_log_request,
        )
        self._server: HTTPServer | None = None
        self._sockets: list[socket.socket] = []

    def start(self, host: str, port: int) -> None:
        """Listen on ``host``:``port`` (in the running event loop); an ``OSError`` if it cannot."""
        self._sockets = _listen(host, port)
        self._server = HTTPServer(self._app)
        self._server.add_sockets(self._sockets)
        log.info("Health and metrics on http://%s:%d/healthz and /metrics", host, self.port)

    @property
    def port(self) -> int:
        """The port listened on (0 before :meth:`start`)."""
        return int(self._sockets[0].getsockname()[1]) if self._sockets else 0

    async def stop(self) -> None:
        """Stop listening and close the connections still open."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        self._server, self._sockets = None, []
