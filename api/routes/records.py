"""Cases and interactions: read them, and ingest new interactions through the loader's path."""

from __future__ import annotations

import time
from typing import Any, Final, LiteralString

from fastapi import APIRouter, HTTPException, Request

from kg.ontology.mapping import load_mapping
from kg.services.ingest import canonical_items, ingest
from kg_api.deps import DriverDep, GraphDep, SettingsDep
from kg_api.models import IngestResult
from kg_api.security import Reader, Writer

CASE_DETAIL: Final[LiteralString] = """
MATCH (k:Case {caseId: $caseId})
RETURN k.caseId AS caseId, k.caseStatus AS status, k.openedAt AS openedAt,
       k.closedAt AS closedAt, [(k)-[:CASE_OF]->(c:Customer) | c.customerId] AS customers,
       [(i:Interaction)-[:PART_OF_CASE]->(k) | {interactionId: i.interactionId,
         occurredAt: i.occurredAt, direction: i.direction, text: i.text,
         channel: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0]}] AS interactions
"""

INTERACTION_DETAIL: Final[LiteralString] = """
MATCH (i:Interaction {interactionId: $interactionId})
RETURN i.interactionId AS interactionId, i.occurredAt AS occurredAt, i.direction AS direction,
       i.text AS text, i.language AS language, i.rating AS rating,
       [l IN labels(i) WHERE l <> 'Interaction'][0] AS kind,
       [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channel,
       [(i)-[:AUTHORED_BY]->(x:Identity) | x.identityId][0] AS author,
       [(i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer) | c.customerId][0]
         AS customerId,
       [(i)-[:PART_OF_CASE]->(k:Case) | k.caseId][0] AS caseId,
       [(i)-[:REPLY_TO]->(p:Interaction) | p.interactionId][0] AS replyTo,
       [(i)-[:HAS_MENTION]->(m:Mention) | {start: m.startOffset, end: m.endOffset,
         text: m.spanText, label: m.spanLabel, extractor: m.extractor,
         extractorVersion: m.extractorVersion, referenceValue: m.referenceValue,
         refersTo: [(m)-[:REFERS_TO]->(t) | coalesce(t.conceptId, t.entityId)][0]}] AS spans,
       [(i)-[:HAS_OPINION]->(o:Opinion) | {opinionId: o.opinionId, polarity: o.polarity,
         score: o.polarityScore,
         confidence: o.confidence, algorithm: o.algorithm,
         aspect: [(o)-[:ABOUT_ASPECT]->(k:Concept) | k.conceptId][0]}] AS opinions,
       [(i)-[:HAS_INTENT]->(s:Intent)-[:INTENT_CATEGORY]->(g) | {category: g.categoryId,
         confidence: s.confidence, evidence: s.evidence}] AS intents,
       [(i)-[:HAS_EMOTION]->(s:Emotion)-[:EMOTION_CATEGORY]->(g) | {category: g.categoryId,
         confidence: s.confidence, evidence: s.evidence}] AS emotions
"""


router = APIRouter(tags=["records"])
MAX_BATCH = 1000


@router.get("/cases/{case_id}", summary="A case with its interactions and customers")
def case(case_id: str, graph: GraphDep, _: Reader) -> dict[str, Any]:
    rows = graph.rows(CASE_DETAIL, caseId=case_id)
    if not rows:
        raise HTTPException(404, f"no case {case_id!r}")
    return rows[0]


@router.get("/interactions/{interaction_id}",
            summary="An interaction with its extraction spans, opinions, intents and emotions")
def interaction(interaction_id: str, graph: GraphDep, _: Reader) -> dict[str, Any]:
    rows = graph.rows(INTERACTION_DETAIL, interactionId=interaction_id)
    if not rows:
        raise HTTPException(404, f"no interaction {interaction_id!r}")
    return rows[0]


@router.post("/interactions", response_model=IngestResult, status_code=200,
             summary="Ingest one interaction or a batch (canonical records), as the loader does")
def ingest_interactions(body: dict[str, Any] | list[dict[str, Any]], request: Request,
                        driver: DriverDep, settings: SettingsDep, _: Writer) -> IngestResult:
    records = body if isinstance(body, list) else [body]
    if len(records) > MAX_BATCH:
        raise HTTPException(413, f"at most {MAX_BATCH} records per request")
    done = ingest(canonical_items(records, "request"), driver=driver, settings=settings,
                  nlp=request.app.state.nlp(), mapping=load_mapping(),
                  writer=request.app.state.writer)
    rejected = [{"position": r.ref.position, "field": r.field, "reason": r.reason}
                for r in done.rejected]
    if not done.loaded and rejected:
        # Nothing of the request could be written: the request as a whole is refused, and
        # the detail names each record's field (a partly loaded batch is 200 with the list).
        raise HTTPException(422, [{"loc": ["body", r["position"], r["field"]],
                                   "msg": r["reason"], **r} for r in rejected])
    mirrored = request.app.state.mirror.wait_for(done.sequence, settings.query_timeout_seconds)
    return IngestResult(received=len(records), loaded=done.loaded, sequence=done.sequence,
                        mirrored=mirrored,
                        mirrorLagMs=round((time.perf_counter() - done.committed_at) * 1000, 1),
                        rejected=rejected)
