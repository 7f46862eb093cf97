"""Merge suggestions of identity resolution: list them, accept or reject one."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from kg.errors import ConfigError
from kg.services.suggestions import Decision, SuggestionPage, decide, list_suggestions
from kg_api.deps import DriverDep, SettingsDep
from kg_api.security import Reader, Writer

router = APIRouter(prefix="/suggestions", tags=["identity resolution"])


class DecisionRequest(BaseModel):
    a: str = Field(min_length=1, max_length=500, description="identity id")
    b: str = Field(min_length=1, max_length=500, description="identity id")
    accept: bool = Field(description="true merges the two customers, false keeps them apart")


@router.get("", response_model=SuggestionPage,
            summary="Probable matches left between two customers, with their match weights")
def suggestions(driver: DriverDep, settings: SettingsDep, _: Reader,
                offset: int = Query(0, ge=0, le=1_000_000),
                limit: int = Query(50, ge=1, le=500)) -> SuggestionPage:
    return list_suggestions(driver, settings, offset=offset, limit=limit)


@router.post("/decisions", response_model=Decision,
             summary="Accept (manual:merge) or reject (manual:split) one suggestion (writer)")
def decision(body: DecisionRequest, driver: DriverDep, settings: SettingsDep,
             request: Request, _: Writer) -> Decision:
    try:
        decided: Decision = request.app.state.writer.exclusive(
            lambda: decide(driver, settings, body.a, body.b, accept=body.accept))
        return decided
    except ConfigError as error:
        raise HTTPException(404, str(error)) from error
