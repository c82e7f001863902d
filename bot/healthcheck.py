"""``python -m bot.healthcheck``: asks the running bot's ``/healthz``; exit 0 if healthy, else 1.

The container's ``HEALTHCHECK`` runs it: Python's own urllib, so the image needs no curl. It reads
the same settings as the bot (environment, ``.env``) to find the port, and prints the answer's one
line, which ``docker inspect`` keeps with the check's result.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings
from bot.status_server import address_of, probe_host

__all__ = ["check", "main"]

TIMEOUT = 5.0  # seconds; Docker's own check timeout should be a little longer


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
            address = address_of(Settings())
        except ValidationError as err:
            print(f"healthcheck: bad settings: {err.errors()[0]['msg']}", file=sys.stderr)
            return 1
        if address is None:
            print("healthcheck: the health endpoint is off; set QUOTEBOT_METRICS_PORT", file=sys.stderr)
            return 1
        host, port = address
        host = probe_host(host)
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}/healthz"
    healthy, said = check(url)
    print(said)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
