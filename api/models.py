"""Response models, one per purpose; every fact lists the interactions it came from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kg.consent.models import ConsentChange, Purpose, Status


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
    permissions: CustomerPermissions | None = Field(
        default=None, description="current permissions, their history and pending suggestions")


class Erasure(BaseModel):
    customerId: str
    identityIds: list[str]
    interactionIds: list[str]
    derivedFacts: int
    journeys: int
    casesDeleted: int
    entitiesDeleted: int = Field(description="entities only the erased texts mentioned")
    consentsDeleted: int = Field(default=0, description="consent events of the customer")
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


class ConsentRequest(BaseModel):
    """A consent decision to record for a customer."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose = Field(description="marketing, service, analytics or identity_linking")
    status: Status = Field(description="granted, denied or withdrawn")
    channel: str | None = Field(default=None, min_length=1, max_length=40,
                                description="the channel it applies to; none: every channel")
    givenAt: datetime | None = Field(default=None, description="when the customer decided; "
                                     "default: now. The newest decision wins")
    expiresAt: datetime | None = Field(default=None, description="until when a grant holds")
    evidence: str | None = Field(default=None, max_length=2000,
                                 description="what shows it: a form, a call note, a message")
    identityId: str | None = Field(default=None, max_length=500,
                                   description="the identity it was given through")
    evidenceInteractionId: str | None = Field(
        default=None, max_length=500,
        description="the customer's message that asked for it (confirms its suggestion)")

    def change(self, recorded_by: str) -> ConsentChange:
        return ConsentChange(purpose=self.purpose, status=self.status, channel=self.channel,
                             given_at=self.givenAt, expires_at=self.expiresAt, source="api",
                             evidence=self.evidence, identity_id=self.identityId,
                             evidence_interaction_id=self.evidenceInteractionId,
                             recorded_by=recorded_by)


class ConsentEventView(BaseModel):
    consentId: str
    purpose: str
    status: str
    channel: str | None = None
    givenAt: datetime
    expiresAt: datetime | None = None
    recordedAt: datetime | None = None
    source: str | None = None
    evidence: str | None = None
    recordedBy: str | None = None
    identityId: str | None = None
    evidenceInteractionId: str | None = None


class ConsentDecisionView(BaseModel):
    purpose: str
    channel: str | None = None
    allowed: bool
    reason: str
    consentId: str | None = Field(default=None, description="the event that decided, if any")


class ConsentSuggestion(BaseModel):
    """A message asking to stop contact or delete data: for a person to confirm."""

    customerId: str
    displayName: str | None = None
    identityId: str
    interactionId: str
    occurredAt: datetime | None = None
    channel: str | None = None
    text: str | None = None
    evidence: str | None = None
    confidence: float | None = None


class CustomerPermissions(BaseModel):
    decisions: list[ConsentDecisionView] = Field(
        description="per purpose, across channels: what the policy allows now and why")
    current: list[ConsentEventView] = Field(
        description="the newest event per purpose and channel")
    history: list[ConsentEventView] = Field(description="every consent event, newest first")
    suggestions: list[ConsentSuggestion] = Field(
        description="messages asking to stop contact or delete data, not yet confirmed")


class ConsentRecorded(BaseModel):
    consentId: str
    customerId: str
    identityId: str
    sequence: int = Field(description="the change's number in the change feed")
    mirrored: bool = Field(description="true when the RDF mirror already has the event")
    permissions: CustomerPermissions


class Contactable(BaseModel):
    customerId: str
    purpose: str
    channel: str | None = None
    allowed: bool
    reason: str
    consentId: str | None = None


class SuggestionPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ConsentSuggestion]


Customer360.model_rebuild()
