"""API keys with roles: reader < analyst < writer < admin.

reader: customer views and insights; analyst: + Cypher and SPARQL; writer: + ingestion;
admin: + erasure. Keys come from ``KG_API_KEYS``; there is no default key, except ``dev``
(admin) when ``KG_API_DEV_MODE=true``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from kg.settings import Settings

Role = Literal["reader", "analyst", "writer", "admin"]
RANK: dict[str, int] = {"reader": 0, "analyst": 1, "writer": 2, "admin": 3}
DEV_KEY = "dev"

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="an API key from KG_API_KEYS")


def role_for_key(settings: Settings, key: str) -> Role | None:
    """The role of a known key; None for an unknown one."""
    for known, role in settings.api_keys.items():
        if secrets.compare_digest(known.encode(), key.encode()):
            return role
    if settings.api_dev_mode and secrets.compare_digest(key.encode(), DEV_KEY.encode()):
        return "admin"
    return None


def missing_or_unknown_key(settings: Settings, key: str | None) -> str | None:
    """Why a key is refused (401), or None when it is known."""
    if not key:
        return "missing API key: send it in the X-API-Key header"
    if role_for_key(settings, key) is None:
        return "unknown API key"
    return None


def role_of(settings: Settings, key: str | None) -> Role:
    role = role_for_key(settings, key) if key else None
    if role is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            missing_or_unknown_key(settings, key) or "unknown API key",
                            headers={"WWW-Authenticate": "ApiKey"})
    return role


def require(minimum: Role) -> Callable[..., Awaitable[Role]]:
    async def check(request: Request,
                    key: Annotated[str | None, Security(api_key_header)]) -> Role:
        # async (it never awaits): a plain def would cost a thread hand-off per request
        role = role_of(request.app.state.settings, key)
        if RANK[role] < RANK[minimum]:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this needs the {minimum} role; your key has {role}")
        return role
    return check


Reader = Annotated[Role, Depends(require("reader"))]
Analyst = Annotated[Role, Depends(require("analyst"))]
Writer = Annotated[Role, Depends(require("writer"))]
Admin = Annotated[Role, Depends(require("admin"))]
