"""Messages found by meaning and by words, and the closed cases most like a message."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Query

from kg.search.models import SearchFilters, SearchMode, SearchPage, SimilarCases
from kg.services.search import (
    MAX_QUERY_CHARS,
    UnknownInteraction,
    find_similar_cases,
    search_messages,
)
from kg_api.deps import DriverDep, SettingsDep, utc_bound
from kg_api.security import Reader

router = APIRouter(tags=["search"])
MAX_OFFSET = 1000  # each index gives at most its nearest thousand


@router.get("/search", response_model=SearchPage,
            summary="Messages by meaning and words (hybrid), with filters, paged")
def search(driver: DriverDep, settings: SettingsDep, _: Reader,
           q: str = Query(min_length=1, max_length=MAX_QUERY_CHARS),
           customer: str | None = Query(None, max_length=200),
           channel: str | None = Query(None, max_length=200),
           concept: str | None = Query(None, max_length=200),
           sentiment: Literal["positive", "neutral", "negative"] | None = None,
           direction: Literal["inbound", "outbound"] | None = None,
           since: datetime | None = None, until: datetime | None = None,
           mode: SearchMode = "hybrid",
           offset: int = Query(0, ge=0, le=MAX_OFFSET),
           limit: int = Query(20, ge=1, le=100)) -> SearchPage:
    """The vector index finds messages that mean what ``q`` says, the full-text index those
    that share its words; the two rankings are fused by reciprocal rank (``mode`` picks one
    alone). Each hit carries its customer, case, concepts, sentiment and a snippet with the
    offsets of the matched words. Filters narrow each index's nearest candidates; a time
    without a zone is UTC."""
    filters = SearchFilters(customer_id=customer, channel=channel, concept=concept,
                            sentiment=sentiment, direction=direction, since=utc_bound(since),
                            until=utc_bound(until))
    return search_messages(driver, settings, q, filters=filters, mode=mode, offset=offset,
                           limit=limit)


@router.get("/interactions/{interaction_id}/similar-cases", response_model=SimilarCases,
            summary="Closed cases most like this message, with the replies that closed them")
def similar_cases(interaction_id: str, driver: DriverDep, settings: SettingsDep, _: Reader,
                  limit: int = Query(5, ge=1, le=20)) -> SimilarCases:
    try:
        return find_similar_cases(driver, settings, interaction_id, limit=limit)
    except UnknownInteraction as error:
        raise HTTPException(404, str(error)) from error
