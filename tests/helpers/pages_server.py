"""A small news site on 127.0.0.1 for the link-reading tests: real pages over real HTTP.

    site = PagesServer(); await site.start()
    site.url("/news/lanterns.html")      # a saved page of tests/data/pages
    site.requests                         # the headers of each request, to check what the bot sent

Besides the saved pages it serves what a hostile or broken site does: redirect chains, a redirect
into the cloud metadata address, a body too big (announced or not), a slow answer, a PDF, a page
with nothing but navigation, and a cookie pushed on a redirect.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = ["ARTICLE_TEXT", "PAGES", "PagesServer"]

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
ARTICLE_TEXT = Path(__file__).resolve().parents[1] / "data" / "articles" / "07_taipei-lantern-festival.txt"
NAV_ONLY = (
    "<html><head><title>Menu</title></head><body><nav><ul><li><a href='/'>Home</a></li>"
    "<li><a href='/world'>World</a></li></ul></nav><footer>Copyright</footer></body></html>"
)


class PagesServer:
    """The site; :attr:`requests` holds each request's path and headers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.slow_for = 3.0
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/news/{name}", self._page)
        app.router.add_get("/plain", self._plain)
        app.router.add_get("/hop/{left}", self._hop)
        app.router.add_get("/to-metadata", self._to("http://169.254.169.254/latest/meta-data/"))
        app.router.add_get("/to-private", self._to("http://192.168.1.1/admin"))
        app.router.add_get("/to-ftp", self._to("ftp://127.0.0.1/article.txt"))
        app.router.add_get("/big", self._big)
        app.router.add_get("/big-unannounced", self._big_unannounced)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/pdf", self._pdf)
        app.router.add_get("/menu", self._menu)
        app.router.add_get("/cookie", self._cookie)
        app.router.add_get("/missing", self._missing)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        response: web.StreamResponse = await handler(request)
        return response

    async def _page(self, request: web.Request) -> web.StreamResponse:
        path = PAGES / request.match_info["name"]
        if path.parent != PAGES or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type="text/html", charset="utf-8")

    async def _plain(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=ARTICLE_TEXT.read_text(encoding="utf-8"), content_type="text/plain")

    async def _hop(self, request: web.Request) -> web.StreamResponse:
        """``/hop/N``: N more redirects (relative ones), then the lanterns page."""
        left = int(request.match_info["left"])
        raise web.HTTPFound(f"/hop/{left - 1}" if left > 0 else "/news/lanterns.html")

    @staticmethod
    def _to(location: str) -> Any:
        async def redirect(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(location)

        return redirect

    async def _big(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"<p>" + b"a" * (6 * 1024 * 1024) + b"</p>", content_type="text/html")

    async def _big_unannounced(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"<p>" + b"word " * 20_000 + b"</p>"
        try:
            for _ in range(60):  # 6 MB, never announced
                await response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass  # the reader hung up: what the test expects
        return response

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.slow_for)
        return await self._page_named("lanterns.html")

    async def _page_named(self, name: str) -> web.StreamResponse:
        return web.Response(body=(PAGES / name).read_bytes(), content_type="text/html", charset="utf-8")

    async def _pdf(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf")

    async def _menu(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=NAV_ONLY, content_type="text/html")

    async def _cookie(self, request: web.Request) -> web.StreamResponse:
        response = web.HTTPFound("/news/hackers.html")
        response.set_cookie("session", "tracked")
        raise response

    async def _missing(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPNotFound()
