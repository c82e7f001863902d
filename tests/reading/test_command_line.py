"""``quotebot ask --url`` and the console's ``/read``, as real processes reading the local site."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.helpers.pages_server import PagesServer

VISITORS = "How many visitors came last year?"
VISITORS_ANSWER = "Last Year over 4 million visitors attended the event"
LANTERNS = "Lantern Festival in Taipei lights up the night"


async def quotebot(*args: str, cwd: Path, stdin: str = "", **env: str) -> tuple[int, str, str]:
    """Run ``python -m bot`` without blocking the loop that serves the site; (code, stdout, stderr)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    clean.update(QUOTEBOT_CACHE=str(cwd / "cache"), QUOTEBOT_HISTORY="", **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=cwd, env=clean,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_ask_url_answers_from_the_page(site: PagesServer, tmp_path: Path) -> None:
    url = site.url("/news/lanterns.html")
    code, out, err = await quotebot(
        "ask", "--json", "--url", url, VISITORS, cwd=tmp_path, QUOTEBOT_FETCH_ALLOW="127.0.0.1"
    )
    assert code == 0, err
    [line] = [json.loads(line) for line in out.splitlines()]
    assert line["answered"] and line["quotes"][0]["text"].startswith(VISITORS_ANSWER)
    assert line["quotes"][0]["document"] == "127.0.0.1"


async def test_ask_url_refused_is_one_line_and_exit_code_2(site: PagesServer, tmp_path: Path) -> None:
    code, out, err = await quotebot("ask", "--url", site.url("/news/lanterns.html"), VISITORS, cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == (
        "quotebot: error: I couldn't read that page: it points to a private or local address, which I don't visit.\n"
    )
    off = await quotebot("ask", "--url", site.url("/"), VISITORS, cwd=tmp_path, QUOTEBOT_READ_LINKS="false")
    assert off == (2, "", "quotebot: error: --url: reading links is turned off (QUOTEBOT_READ_LINKS=false)\n")
    assert site.requests == []


async def test_console_read_then_ask_then_reset(site: PagesServer, tmp_path: Path) -> None:
    lines = [
        f"/read {site.url('/news/lanterns.html')}",
        VISITORS,
        "/about",
        "/reset",
        "/about",
        f"/read {site.url('/pdf')}",
    ]
    code, out, err = await quotebot(
        "console", cwd=tmp_path, stdin="\n".join(lines) + "\n", QUOTEBOT_FETCH_ALLOW="127.0.0.1"
    )
    assert code == 0, err
    got, answer, about, hint, reset, seed_about, refused = out.rstrip("\n").split("\n\n")
    assert got == f"Got it: {LANTERNS} (9 paragraphs, 26 sentences). Ask me about it."
    assert answer.startswith(f"│ {VISITORS_ANSWER}")
    assert about.startswith(f"You're asking about the article you sent: {LANTERNS}")
    assert "/reset" in hint
    assert reset.startswith("Back to the article “")
    assert LANTERNS not in seed_about
    assert refused == "I couldn't read that page: it isn't a web page or text (the site says application/pdf)."
