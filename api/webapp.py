"""Serves the built web app (``web/dist``, built by ``scripts/setup``) at /app, / redirects there,
and /docs shows Swagger UI from the same build.

The app is static files only: every piece of data comes from this API with the user's key, so
the files themselves need no key. A Content-Security-Policy allows only this origin, which
keeps the app free of CDNs and third-party requests at run time.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
CONTENT_SECURITY_POLICY = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                           "style-src 'self' 'unsafe-inline'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
NOT_BUILT = ("<!doctype html><title>Web app not built</title><p>The web app is not built: run "
             "<code>scripts/setup</code> (it runs <code>npm ci</code> and the build in "
             "<code>web/</code>).</p>")


API_DOCS = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>{title} — API</title>"
            "<link rel=\"icon\" href=\"/app/api-docs/favicon-32x32.png\">"
            "<link rel=\"stylesheet\" href=\"/app/api-docs/swagger-ui.css\"></head>"
            "<body><div id=\"swagger-ui\"></div>"
            "<script src=\"/app/api-docs/swagger-ui-bundle.js\"></script>"
            "<script src=\"/app/api-docs/init.js\"></script></body></html>")


def mount_web_app(app: FastAPI, dist: Path = WEB_DIST) -> None:
    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app/", status_code=307)

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI from the built app's files (npm's swagger-ui-dist, copied by
        ``scripts/build_web``), not a CDN, under the app's Content-Security-Policy."""
        if not (dist / "api-docs" / "swagger-ui-bundle.js").is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        page = HTMLResponse(API_DOCS.format(title=html.escape(app.title)))
        page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        page.headers["X-Content-Type-Options"] = "nosniff"
        return page

    if (dist / "index.html").is_file():
        app.mount("/app", StaticFiles(directory=dist, html=True), name="app")
    else:
        @app.get("/app/{rest:path}", include_in_schema=False)
        def not_built(rest: str) -> HTMLResponse:
            return HTMLResponse(NOT_BUILT, status_code=503)

    app.add_middleware(AppHeaders)


class AppHeaders:
    """The web app's security headers on responses under /app. A pure ASGI middleware: every
    other request (the API's) passes straight through, with no per-request wrapping."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/app" or path.startswith("/app/")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, with_headers)
