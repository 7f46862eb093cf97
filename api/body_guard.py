"""Request bodies: the key is checked before a byte is read, the size limit counts the bytes
actually received (a chunked body has no Content-Length to trust), and a JSON string holding a
lone surrogate is refused with a 422 naming where it is.

A pure ASGI middleware, because FastAPI reads and parses a body before it runs a route's
dependencies: the key check there would come after the body is in memory.
"""

from __future__ import annotations

import json
import re

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
        if (place := lone_surrogate_at(body)) is not None:
            await _reply(send, 422, [{"loc": ["body", *place], "type": "string_unicode",
                                      "msg": "not valid Unicode text: a lone surrogate (an "
                                             "escape such as \\udc80 that no store accepts)"}])
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# A JSON escape of a surrogate code point (U+D800 to U+DFFF): only such an escape can put a
# lone surrogate into a parsed string (raw UTF-8 cannot encode one), so a body without it is
# never parsed here.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def lone_surrogate_at(body: bytes) -> list[str | int] | None:
    """Where in a JSON body a string holds a lone surrogate (its path: keys and indexes), or
    None. Such a string parses, but no driver, store or encoder accepts it: refused here, one
    check for every route and field, instead of a server error wherever it lands."""
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own parsing reports it
    return _surrogate_path(parsed, [])


def _surrogate_path(value: object, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    items: list[tuple[str | int, object]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if _surrogate_path(key, []) is not None:
                return [*path, key]
            items.append((key, item))
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, item in items:
        if (found := _surrogate_path(item, [*path, key])) is not None:
            return found
    return None


async def _reply(send: Send, status: int, detail: str | list[dict[str, object]],
                 extra: dict[str, str] | None = None) -> None:
    payload = orjson.dumps({"detail": detail})
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode()),
               (b"connection", b"close")]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
