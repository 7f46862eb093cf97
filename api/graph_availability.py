"""While Neo4j is away, requests that need it are answered 503 at once instead of queueing.

Each request that meets Neo4j away waits out the driver's retries (``KG_API_GRAPH_WAIT_SECONDS``)
before its 503; ingests also queue behind the one writer, whose every group waits them out in
turn. Under a steady load during an outage, requests piled up until some waited past any
client's patience. So the first 503 opens a window of ``RETRY_AFTER_SECONDS`` in which every
request that needs Neo4j is answered 503 with ``Retry-After`` at once; after it, requests go
through again, and the first that finds Neo4j still away opens the next window. ``/health``
always asks Neo4j itself, and what does not touch Neo4j (SPARQL on the mirror, the web app's
files, the API's documentation) is never held back.
"""

from __future__ import annotations

import threading
import time

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

RETRY_AFTER_SECONDS = 5
# Paths that do not need Neo4j (or, /health, ask it themselves).
INDEPENDENT = ("/health", "/sparql", "/app", "/docs", "/openapi.json")


class GraphAvailability:
    """When Neo4j was last found away; shared by the app's handlers and its middleware."""

    def __init__(self, window: float = RETRY_AFTER_SECONDS) -> None:
        self.window = window
        self._away_until = 0.0
        self._lock = threading.Lock()

    def note_away(self) -> None:
        with self._lock:
            self._away_until = time.monotonic() + self.window

    def away(self) -> bool:
        return time.monotonic() < self._away_until


class FailFastWhileAway:
    """Answers 503 with Retry-After at once, while the window is open, for paths needing
    Neo4j (a pure ASGI middleware: other requests pass straight through)."""

    def __init__(self, app: ASGIApp, availability: GraphAvailability) -> None:
        self.app = app
        self.availability = availability

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or not self.availability.away()
                or path == "/" or path.startswith(INDEPENDENT)):
            await self.app(scope, receive, send)
            return
        payload = orjson.dumps({"detail": "the graph database is unavailable; retry later"})
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode())]})
        await send({"type": "http.response.body", "body": payload})
