"""Who the caller is: the web app asks once, to show only what the key's role may use."""

from __future__ import annotations

from fastapi import APIRouter

from kg_api.models import SessionInfo
from kg_api.security import Reader

router = APIRouter(tags=["session"])


@router.get("/session", response_model=SessionInfo, summary="The role of the API key sent")
def session(role: Reader) -> SessionInfo:
    return SessionInfo(role=role)
