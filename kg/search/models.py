"""What search and "seen before" answer: typed, shared by the CLI and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SearchMode = Literal["hybrid", "vector", "text"]
SentimentLabel = Literal["positive", "neutral", "negative"]


class SearchFilters(BaseModel):
    """Narrowing a search; every filter is optional and they combine with "and"."""

    customer_id: str | None = None
    channel: str | None = None
    concept: str | None = Field(default=None, description="a concept id; its narrower "
                                                          "concepts match too")
    sentiment: SentimentLabel | None = None
    direction: Literal["inbound", "outbound"] | None = None
    since: datetime | None = None
    until: datetime | None = None


class CustomerRef(BaseModel):
    customerId: str
    displayName: str | None = None


class CaseRef(BaseModel):
    caseId: str
    caseStatus: str | None = None


class ConceptRef(BaseModel):
    conceptId: str
    prefLabel: str | None = None


class SearchHit(BaseModel):
    interactionId: str
    occurredAt: datetime | None = None
    channelId: str | None = None
    direction: str | None = None
    sentiment: str | None = None
    customer: CustomerRef | None = None
    case: CaseRef | None = None
    concepts: list[ConceptRef] = []
    snippet: str = Field(description="the text around the searched words")
    highlights: list[tuple[int, int]] = Field(
        default=[], description="[start, end) character offsets of matched words in snippet")
    score: float = Field(description="the fused rank score (higher first)")
    vectorRank: int | None = Field(default=None, description="rank by meaning, if ranked")
    textRank: int | None = Field(default=None, description="rank by words, if ranked")


class SearchPage(BaseModel):
    query: str
    mode: SearchMode
    total: int = Field(description="matches among the nearest candidates each index gave")
    offset: int
    limit: int
    items: list[SearchHit]


class CaseMessage(BaseModel):
    interactionId: str
    text: str | None = None
    occurredAt: datetime | None = None
    secondsAfterOpening: float | None = None


class SimilarCase(BaseModel):
    caseId: str
    similarity: float = Field(description="cosine of the closest of its customer messages")
    openedAt: datetime | None = None
    closedAt: datetime | None = None
    secondsToClose: float | None = None
    customer: CustomerRef | None = None
    matched: CaseMessage = Field(description="its customer message closest to this one")
    replies: list[CaseMessage] = Field(description="the brand's replies in the case, in order")


class SimilarCases(BaseModel):
    interactionId: str
    items: list[SimilarCase]
