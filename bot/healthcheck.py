"""``python -m bot.healthcheck``: asks the running bot's ``/healthz``; exit 0 if healthy, else 1.

The container's ``HEALTHCHECK`` runs it every 30 s: Python's own urllib, so the image needs no
curl. It reads the three settings that place the endpoint from the environment and ``.env``, as
the bot's settings do (the environment wins), but by hand: it imports only the standard library,
so a probe costs milliseconds rather than the second that numpy, python-telegram-bot and tornado
take to import. It prints the answer's one line, which ``docker inspect`` keeps with the result.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["DEFAULT_PORT", "check", "endpoint", "main", "probe_host"]

TIMEOUT = 5.0  # seconds; Docker's own check timeout should be a little longer
# The status server's port in webhook mode when QUOTEBOT_METRICS_PORT is unset. Not 9090: that is where
# Prometheus itself listens, often on the same host. 9464 is the port the OpenTelemetry Prometheus
# exporter made customary for an application's own metrics.
DEFAULT_PORT = 9464


def endpoint(port: int | None, listen: str, webhook: bool) -> tuple[str, int] | None:
    """Where the status server listens, or None when it is off.

    ``QUOTEBOT_METRICS_PORT`` unset: :data:`DEFAULT_PORT` in webhook mode, off in long polling;
    ``0``: off; any other number: on, at that port.
    """
    if port is None:
        port = DEFAULT_PORT if webhook else 0
    return (listen, port) if port else None


def probe_host(listen: str) -> str:
    """The address to reach a server listening on ``listen`` from the same machine."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(listen, listen)


def settings(environ: Mapping[str, str], dotenv: Path = Path(".env")) -> dict[str, str]:
    """``QUOTEBOT_*`` settings from ``.env`` and then the environment, names lower case, no prefix."""
    found: dict[str, str] = {}
    try:
        lines = dotenv.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    pairs = [line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#")]
    for name, value in [*pairs, *environ.items()]:
        name = name.strip().removeprefix("export ").strip().lower()
        if name.startswith("quotebot_"):
            found[name.removeprefix("quotebot_")] = value.strip().strip("'\"")
    return found


def _configured_url() -> str:
    """The health URL the settings give; ValueError (for the reader) when there is none."""
    given = settings(os.environ)
    port_text = given.get("metrics_port", "")
    if port_text and not (port_text.isdigit() and int(port_text) <= 65535):
        raise ValueError(f"bad settings: QUOTEBOT_METRICS_PORT={port_text!r} is not a port number")
    port = int(port_text) if port_text else None
    address = endpoint(port, given.get("metrics_listen", "127.0.0.1"), bool(given.get("webhook_url")))
    if address is None:
        raise ValueError("the health endpoint is off; set QUOTEBOT_METRICS_PORT")
    host = probe_host(address[0])
    return f"http://{f'[{host}]' if ':' in host else host}:{address[1]}/healthz"


def check(url: str, timeout: float = TIMEOUT) -> tuple[bool, str]:
    """GET ``url``: whether it answered 200, and what it said (or why it could not be asked)."""
    # No proxies: an HTTP(S)_PROXY set for the bot's own requests must not catch a local probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status == 200, response.read().decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as err:  # 503 and the like: the bot answered, unhealthy
        return False, err.read().decode("utf-8", "replace").strip() or f"HTTP {err.code}"
    except OSError as err:  # refused, timed out: not running, or not listening yet
        return False, f"no answer from {url}: {getattr(err, 'reason', err)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Probe the bot configured by the settings; ``argv`` may give the URL instead."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        url = args[0]
    else:
        try:
            url = _configured_url()
        except ValueError as err:
            print(f"healthcheck: {err}", file=sys.stderr)
            return 1
    healthy, said = check(url)
    print(said)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
