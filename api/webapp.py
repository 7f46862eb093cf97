"""Serves the built web app (``web/dist``, built by ``scripts/setup``) at /app; / redirects there.

The app is static files only: every piece of data comes from this API with the user's key, so
the files themselves need no key. A Content-Security-Policy allows only this origin, which
keeps the app free of CDNs and third-party requests at run time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
CONTENT_SECURITY_POLICY = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                           "style-src 'self' 'unsafe-inline'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
NOT_BUILT = ("<!doctype html><title>Web app not built</title><p>The web app is not built: run "
             "<code>scripts/setup</code> (it runs <code>npm ci</code> and the build in "
             "<code>web/</code>).</p>")


def mount_web_app(app: FastAPI, dist: Path = WEB_DIST) -> None:
    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app/", status_code=307)

    if (dist / "index.html").is_file():
        app.mount("/app", StaticFiles(directory=dist, html=True), name="app")
    else:
        @app.get("/app/{rest:path}", include_in_schema=False)
        def not_built(rest: str) -> HTMLResponse:
            return HTMLResponse(NOT_BUILT, status_code=503)

    @app.middleware("http")
    async def app_headers(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.url.path == "/app" or request.url.path.startswith("/app/"):
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
