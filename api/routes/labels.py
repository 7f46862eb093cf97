"""Analysts' labels: the labelling queue (least sure first) and one label at a time.

A label is written as a fact in the graph (:mod:`kg.services.labels`), validated by the same
parser as `kg labels import`; `kg model train` learns from them.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from kg.ontology.concept_labels import top_concepts
from kg.semantic.labels import NO_CONCEPT, RejectedLabel, parse_row
from kg.services.labels import import_labels, label_queue
from kg_api.deps import DriverDep, SettingsDep
from kg_api.security import Analyst

router = APIRouter(prefix="/labels", tags=["labels"])


class QueuedItem(BaseModel):
    interactionId: str
    text: str
    modelSentiment: str | None = Field(description="what the active model read")
    modelConfidence: float | None = Field(description="its confidence: lowest first")
    modelConcepts: list[str]


class LabelQueue(BaseModel):
    items: list[QueuedItem]


class LabelRequest(BaseModel):
    interactionId: str = Field(min_length=1, max_length=500)
    sentiment: str | None = Field(default=None, max_length=20,
                                  description="negative, neutral or positive")
    area: str | None = Field(default=None, max_length=100,
                             description="a top-level concept id, or none")
    concepts: list[str] | None = Field(default=None, max_length=20,
                                       description="concept ids (an empty list: about none)")


class LabelWritten(BaseModel):
    labelledBy: str
    sequence: int = Field(description="the write's change number in the change feed")


def labeller(request: Request, role: str) -> str:
    """Who labelled: the role and a fingerprint of the key (never the key itself)."""
    key = request.headers.get("X-API-Key", "")
    return f"api:{role}:{hashlib.sha256(key.encode()).hexdigest()[:8]}"


@router.get("/queue", response_model=LabelQueue,
            summary="Customers' messages not labelled yet, the model's least sure first")
def queue(driver: DriverDep, settings: SettingsDep, _: Analyst,
          limit: int = Query(20, ge=1, le=200)) -> LabelQueue:
    return LabelQueue(items=[
        QueuedItem(interactionId=m.interaction_id, text=m.text, modelSentiment=m.sentiment,
                   modelConfidence=m.confidence, modelConcepts=m.concepts)
        for m in label_queue(driver, settings, limit)])


@router.post("", response_model=LabelWritten,
             summary="Label one message (sentiment, area, concepts); labelling it again "
                     "replaces your label")
def label(body: LabelRequest, driver: DriverDep, settings: SettingsDep, request: Request,
          role: Analyst) -> LabelWritten:
    concepts = None if body.concepts is None else "|".join(body.concepts) or NO_CONCEPT
    parsed = parse_row({"interaction_id": body.interactionId, "sentiment": body.sentiment,
                        "area": body.area, "concept": concepts}, 1, top_concepts())
    if isinstance(parsed, RejectedLabel):
        raise HTTPException(422, f"{parsed.field}: {parsed.reason}")
    who = labeller(request, role)
    outcome = request.app.state.writer.exclusive(
        lambda: import_labels(driver, settings, [parsed], [], who))
    if outcome.rejected:
        raise HTTPException(404, f"{outcome.rejected[0].field}: {outcome.rejected[0].reason}")
    assert outcome.sequence is not None
    return LabelWritten(labelledBy=who, sequence=outcome.sequence)
