"""Request bodies: the key is checked before a byte is read, and the size limit counts the
bytes actually received (a chunked body has no Content-Length to trust).

A pure ASGI middleware, because FastAPI reads and parses a body before it runs a route's
dependencies: the key check there would come after the body is in memory.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.settings import Settings
from kg_api.security import missing_or_unknown_key

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_PATHS = frozenset({"/health", "/docs", "/redoc", "/openapi.json",
                          "/docs/oauth2-redirect"})


class BodyGuard:
    """Refuses a body from an unknown key (401) and a body over the limit (413) early."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS \
                or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = missing_or_unknown_key(self.settings, headers.get("x-api-key"))
        if refusal is not None:
            await _reply(send, 401, refusal, {"www-authenticate": "ApiKey"})
            return
        limit = self.settings.api_max_body_bytes
        too_large = (f"request body over {limit} bytes (KG_API_MAX_BODY_BYTES)")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reply(send, 413, too_large)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await _reply(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reply(send: Send, status: int, detail: str,
                 extra: dict[str, str] | None = None) -> None:
    payload = orjson.dumps({"detail": detail})
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode()),
               (b"connection", b"close")]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
