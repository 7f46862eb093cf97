"""Response models, one per purpose; every fact lists the interactions it came from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator


class CustomerSummary(BaseModel):
    customerId: str
    displayName: str | None = None


class CustomerPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[CustomerSummary]


class LinkEvidence(BaseModel):
    rule: str
    score: float
    with_: str = Field(alias="with")
    matchWeight: float | None = Field(
        default=None, description="probabilistic links: total match weight (log2 odds)")
    matchWeights: dict[str, float] | None = Field(
        default=None, description="probabilistic links: the per-attribute match weights")

    @field_validator("matchWeights", mode="before")
    @classmethod
    def _from_json(cls, value: object) -> object:
        """The graph keeps the weights as one JSON string property."""
        return json.loads(value) if isinstance(value, str) else value


class IdentityView(BaseModel):
    identityId: str
    kind: str
    network: str | None = None
    value: str
    displayName: str | None = None
    linkRule: str | None = None
    linkScore: float | None = None
    evidence: list[LinkEvidence] = []


class ChannelUse(BaseModel):
    channel: str
    companyOwned: bool | None = None
    interactions: int
    lastContact: datetime | None = None
    interactionIds: list[str]


class JourneyStep(BaseModel):
    interactionId: str
    occurredAt: datetime | None = None
    channel: str | None = None
    kind: str | None = None
    direction: str | None = None
    text: str | None = None
    sentiment: str | None = None
    score: float | None = None
    caseId: str | None = None


class CaseSummary(BaseModel):
    caseId: str
    status: str | None = None
    openedAt: datetime | None = None
    closedAt: datetime | None = None
    interactionIds: list[str]


class ConceptFact(BaseModel):
    conceptId: str
    label: str | None = None
    volume: int
    sentiment: float | None = Field(default=None, description="mean aspect polarity")
    trend: float = Field(description="share of the volume in the recent window")
    interactionIds: list[str]


class EntityFact(BaseModel):
    entityId: str
    name: str | None = None
    type: str | None = None
    volume: int
    interactionIds: list[str]


class SignalFact(BaseModel):
    category: str
    volume: int
    interactionIds: list[str]


class CoOccurrence(BaseModel):
    concepts: tuple[str, str]
    together: int
    lift: float = Field(description="P(a and b) / (P(a) P(b)) over every customer interaction "
                                   "(the corpus counts the refresh path keeps)")
    interactionIds: list[str]


class SimilarCustomer(BaseModel):
    customerId: str
    sharedConcepts: list[str]
    jaccard: float


class Customer360(BaseModel):
    customerId: str
    displayName: str | None = None
    segment: str | None = None
    identities: list[IdentityView]
    channels: list[ChannelUse]
    journey: list[JourneyStep]
    journeyOffset: int
    cases: list[CaseSummary]
    concepts: list[ConceptFact]
    entities: list[EntityFact]
    intents: list[SignalFact]
    emotions: list[SignalFact]
    coOccurringConcepts: list[CoOccurrence]
    similarCustomers: list[SimilarCustomer]


class Erasure(BaseModel):
    customerId: str
    identityIds: list[str]
    interactionIds: list[str]
    derivedFacts: int
    journeys: int
    casesDeleted: int
    entitiesDeleted: int = Field(description="entities only the erased texts mentioned")
    sequence: int = Field(description="the erasure's change number in the change feed")
    mirrored: bool = Field(description="true when the RDF mirror already reflects the erasure; "
                                       "otherwise it follows within moments")


class CypherRequest(BaseModel):
    query: str = Field(min_length=1, max_length=20_000)
    parameters: dict[str, Any] = {}


class CypherResult(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


class IngestResult(BaseModel):
    received: int
    loaded: int
    sequence: int = Field(description="the write's change number in the change feed")
    mirrored: bool = Field(description="true when SPARQL already sees the write (read your "
                                       "writes); otherwise the mirror follows within moments")
    mirrorLagMs: float = Field(description="from the write's commit until derivation and the "
                                           "mirror had applied it, in milliseconds")
    rejected: list[dict[str, str]]


class MergeRequest(BaseModel):
    other: str = Field(min_length=1, max_length=500, description="the customer id to merge in")


class SplitRequest(BaseModel):
    identityId: str = Field(min_length=1, max_length=500,
                            description="the identity to take out of the customer")


class ResolutionResult(BaseModel):
    customers: int = Field(description="customers in the graph after the change")
    customerIds: dict[str, str] = Field(description="identity id -> its customer id now")


class SessionInfo(BaseModel):
    role: str = Field(description="the role of the key sent: reader, analyst, writer or admin")
