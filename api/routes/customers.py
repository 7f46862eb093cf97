"""Customers: search, the correlated 360° view, the timeline, and erasure."""

from __future__ import annotations

import contextlib
from typing import Final, LiteralString

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from kg.consent.models import CONSENT_WITHDRAWAL_INTENT
from kg.consent.policy import analytics_included
from kg.derivation.similarity import BUCKET_CAP, FIRST_CHECKED
from kg.graph.driver import run_query
from kg.graph.queries import CONSENT_EVENTS, CONSENT_SUGGESTION
from kg.ingestion.identities import IdentityError, normalise
from kg.services.consent import SUGGESTIONS_PER_CUSTOMER
from kg.services.erasure import erase_customer, forget_query_statistics
from kg.services.merge_split import (
    NotAnIdentityOf,
    UnknownCustomer,
    merge_customers,
    split_identity,
)
from kg_api.deps import DriverDep, GraphDep, SettingsDep
from kg_api.models import (
    Customer360,
    CustomerPage,
    Erasure,
    JourneyStep,
    MergeRequest,
    ResolutionResult,
    SplitRequest,
)
from kg_api.security import Admin, Reader
from kg_api.view_360 import SIMILAR_CUSTOMERS, view_bytes

SEARCH_CUSTOMERS: Final[LiteralString] = """
MATCH (c:Customer)
WHERE c.customerId = $q OR toLower(coalesce(c.displayName, '')) CONTAINS $lower
   OR EXISTS { MATCH (c)-[:HAS_IDENTITY]->(x:Identity)
               WHERE x.identityId = $q OR x.identifierValue IN $normalised
                  OR x.identifierValue CONTAINS $lower }
WITH c ORDER BY c.customerId
WITH collect(c) AS found
RETURN size(found) AS total,
       [c IN found[$skip..$skip + $limit] | {customerId: c.customerId,
        displayName: c.displayName}] AS items
"""

CUSTOMER_PROFILE: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
RETURN c.customerId AS customerId
"""

# The 360° view in one round trip (the paged journey aside): profile, identities with their
# evidence, segment, the stored summary, the corpus counts its pairs' lift needs, the names of
# its entities and concepts, and similar customers from the summary's similarity buckets (at
# most $bucketCap members read per bucket, ranked by exact Jaccard on the summaries' concepts).
# One step of a customer's journey, over ``i`` with its optional channel ``ch`` and case ``k``:
# the timeline and the 360° view's first page return the same fields.
JOURNEY_STEP: Final[LiteralString] = """{interactionId: i.interactionId, occurredAt: i.occurredAt,
  channel: ch.channelId, kind: [l IN labels(i) WHERE l <> 'Interaction'][0],
  direction: i.direction, text: i.text, sentiment: i.sentimentLabel,
  score: i.sentimentScore, caseId: k.caseId}"""

def similar_allowed_at_ranks(into: LiteralString) -> LiteralString:
    """Over ``ranked`` and a ``rank`` per row: the similar-customer candidates at those ranks
    whose customers may be counted in analytics, in rank order, collected as ``into``."""
    return ("""WITH ranked[rank] AS x, rank
    MATCH (oc:Customer {customerId: x.customerId}) WHERE """ + analytics_included("oc") + """
    WITH x ORDER BY rank
    RETURN collect(x) AS """ + into)

# The whole 360° view in one round trip: the stored summary with the names, corpus counts and
# similar customers it needs, the first page of the journey, and the permissions' inputs (every
# consent event and the newest pending suggestions); the policy decides in Python.
CUSTOMER_VIEW: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[:IN_SEGMENT]->(seg:Segment)
OPTIONAL MATCH (s:CustomerSummary {summaryOf: $customerId})
CALL (s) {
  UNWIND coalesce(s.corpusCountKeys, []) AS key
  MATCH (n:CorpusCount {countId: key})
  RETURN collect([key, n.countValue]) AS counts
}
CALL (s) {
  UNWIND coalesce(s.summaryEntities, []) AS id
  MATCH (e:Entity {entityId: id})
  RETURN collect({entityId: id, name: e.entityName,
                  type: [l IN labels(e) WHERE l <> 'Entity'][0]}) AS entityNames
}
CALL (s) {
  UNWIND coalesce(s.summaryConcepts, []) AS id
  MATCH (k:Concept {conceptId: id})
  RETURN collect([id, k.prefLabel]) AS conceptLabels
}
CALL (s) {
  OPTIONAL MATCH (s)-[:IN_BUCKET]->(b:SimilarityBucket)
  CALL (b) {
    MATCH (b)<-[:IN_BUCKET]-(o)  // only summaries are in buckets: no label check per member
    RETURN o LIMIT $bucketCap
  }
  WITH DISTINCT s, o WHERE o <> s
  WITH o, [k IN o.summaryConcepts WHERE k IN s.summaryConcepts] AS shared,
       size(s.summaryConcepts) AS mine
  WHERE size(shared) > 0
  WITH o, shared, toFloat(size(shared)) / (mine + size(o.summaryConcepts) - size(shared))
       AS jaccard
  ORDER BY jaccard DESC, o.summaryOf
  WITH collect({customerId: o.summaryOf, sharedConcepts: shared, jaccard: jaccard}) AS ranked
  // Permission is looked up in rank order on the first $firstChecked candidates, and on the
  // rest only when too few of those pass. A permission that ran out since the last refresh
  // takes effect here at once. (An EXISTS per list element costs a nested plan each: about
  // ten times the two UNWINDs at 1M.)
  CALL (ranked) {
    UNWIND range(0, size(ranked[..$firstChecked]) - 1) AS rank
    """ + similar_allowed_at_ranks("first") + """
  }
  CALL (ranked, first) {
    WITH ranked, first WHERE size(first) < $similar AND size(ranked) > $firstChecked
    UNWIND range($firstChecked, size(ranked) - 1) AS rank
    """ + similar_allowed_at_ranks("rest") + """
  }
  RETURN (first + rest)[..$similar] AS similarCustomers
}
CALL (c) {
  MATCH (c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
  OPTIONAL MATCH (i)-[:VIA_CHANNEL]->(ch:Channel)
  OPTIONAL MATCH (i)-[:PART_OF_CASE]->(k:Case)
  WITH i, ch, k ORDER BY i.occurredAt DESC, i.interactionId SKIP $skip LIMIT $limit
  RETURN collect(""" + JOURNEY_STEP + """) AS journey
}
CALL (c) {
  MATCH (c)-[:HAS_IDENTITY]->(x:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        -[:HAS_INTENT]->(s:Intent)-[:INTENT_CATEGORY]->(:IntentCategory {categoryId: $category})
  WHERE NOT EXISTS { MATCH (e:Consent {evidenceInteractionId: i.interactionId}) }
  WITH c, x, i, s ORDER BY i.occurredAt DESC, i.interactionId LIMIT $suggestions
  RETURN collect(""" + CONSENT_SUGGESTION + """) AS consentSuggestions
}
RETURN c.customerId AS customerId, c.displayName AS displayName, seg.segmentId AS segment,
       [(c)-[h:HAS_IDENTITY]->(x:Identity) | {
          identityId: x.identityId, kind: x.identityKind, network: x.network,
          value: x.identifierValue, displayName: x.displayName,
          linkRule: h.linkRule, linkScore: h.linkScore,
          evidence: [(x)-[l:LINKED_WITH]-(y:Identity) | {rule: l.linkRule, score: l.linkScore,
                                                         with: y.identityId,
                                                         matchWeight: l.matchWeight,
                                                         matchWeights: l.matchWeights}]}]
         AS identities,
       s.summaryView AS summary, counts, entityNames, conceptLabels, similarCustomers,
       journey, """ + CONSENT_EVENTS + """ AS consentEvents, consentSuggestions
"""

CUSTOMER_INTERACTIONS: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)
OPTIONAL MATCH (i)-[:VIA_CHANNEL]->(ch:Channel)
OPTIONAL MATCH (i)-[:PART_OF_CASE]->(k:Case)
WITH i, ch, k ORDER BY i.occurredAt DESC, i.interactionId SKIP $skip LIMIT $limit
RETURN """ + JOURNEY_STEP + """ AS step
"""


router = APIRouter(prefix="/customers", tags=["customers"])
MAX_OFFSET = 1_000_000  # keeps paging within Cypher's integer range


@router.get("", response_model=CustomerPage, summary="Search by name, email, phone, handle or id")
def search(graph: GraphDep, _: Reader, q: str = Query(min_length=1, max_length=200),
           offset: int = Query(0, ge=0, le=MAX_OFFSET),
           limit: int = Query(20, ge=1, le=200)) -> CustomerPage:
    normalised = {q.strip().lower(), q.strip().lstrip("@").lower()}
    with contextlib.suppress(IdentityError):
        normalised.add(normalise("phone", q))
    [row] = graph.rows(SEARCH_CUSTOMERS, q=q.strip(), lower=q.strip().lower(),
                       normalised=sorted(normalised), skip=offset, limit=limit)
    return CustomerPage(total=row["total"], offset=offset, limit=limit, items=row["items"])


def _profile(graph: GraphDep, customer_id: str) -> None:
    if not graph.rows(CUSTOMER_PROFILE, customerId=customer_id):
        raise HTTPException(404, f"no customer {customer_id!r}")


@router.get("/{customer_id}/360", response_model=Customer360,
            summary="Profile, identities, channels, journey, cases and correlated knowledge")
def view_360(customer_id: str, graph: GraphDep, _: Reader,
             journey_offset: int = Query(0, ge=0, le=MAX_OFFSET),
             journey_limit: int = Query(20, ge=1, le=200),
             top: int = Query(10, ge=1, le=100)) -> Response:
    # One round trip: the customer's stored summary (kept by the refresh path) with what it
    # names, the journey's page and the permissions' inputs; the body is written by orjson
    # in the shape of Customer360 (see kg_api.view_360), so nothing is validated twice.
    rows = run_query(graph.driver, graph.settings, CUSTOMER_VIEW, {
        "customerId": customer_id, "bucketCap": BUCKET_CAP, "firstChecked": FIRST_CHECKED,
        "similar": SIMILAR_CUSTOMERS,
        "skip": journey_offset, "limit": journey_limit,
        "category": CONSENT_WITHDRAWAL_INTENT, "suggestions": SUGGESTIONS_PER_CUSTOMER})
    if not rows:
        raise HTTPException(404, f"no customer {customer_id!r}")
    return Response(view_bytes(rows[0], journey_offset=journey_offset, top=top,
                               settings=graph.settings), media_type="application/json")


@router.get("/{customer_id}/timeline", response_model=list[JourneyStep],
            summary="The customer's interactions, newest first")
def timeline(customer_id: str, graph: GraphDep, _: Reader,
             offset: int = Query(0, ge=0, le=MAX_OFFSET),
             limit: int = Query(50, ge=1, le=500)) -> list[JourneyStep]:
    _profile(graph, customer_id)
    rows = graph.rows(CUSTOMER_INTERACTIONS, customerId=customer_id, skip=offset,
                      limit=limit)
    return [JourneyStep.model_validate(row["step"]) for row in rows]


@router.delete("/{customer_id}", response_model=Erasure,
               summary="Erase a customer everywhere: graph and RDF mirror (admin)")
def erase(customer_id: str, driver: DriverDep, settings: SettingsDep,
          request: Request, _: Admin) -> Erasure:
    # In turn with the concurrent ingests (no waiting on their locks), derived on return.
    erased = request.app.state.writer.exclusive(
        lambda: erase_customer(driver, settings, customer_id))
    if erased is None:
        raise HTTPException(404, f"no customer {customer_id!r}")
    mirrored = request.app.state.mirror.wait_for(erased.sequence,
                                                 settings.query_timeout_seconds)
    forget_query_statistics(driver, settings)
    return Erasure(customerId=customer_id, identityIds=erased.identity_ids,
                   interactionIds=erased.interaction_ids, derivedFacts=erased.derived_facts,
                   journeys=erased.journeys, casesDeleted=erased.cases_deleted,
                   entitiesDeleted=erased.entities_deleted,
                   consentsDeleted=erased.consents_deleted, sequence=erased.sequence,
                   mirrored=mirrored)


@router.post("/{customer_id}/merge", response_model=ResolutionResult,
             summary="Declare another customer the same person: a manual:merge link (admin)")
def merge(customer_id: str, body: MergeRequest, graph: GraphDep, driver: DriverDep,
          settings: SettingsDep, request: Request, _: Admin) -> ResolutionResult:
    _profile(graph, customer_id)
    _profile(graph, body.other)
    if body.other == customer_id:
        raise HTTPException(400, "other: a customer cannot be merged with itself")
    try:  # either may be erased or merged away while the request waits its turn
        change = request.app.state.writer.exclusive(
            lambda: merge_customers(driver, settings, customer_id, body.other))
    except UnknownCustomer as error:
        raise HTTPException(404, str(error)) from error
    request.app.state.mirror.wait_for(change.sequence, settings.query_timeout_seconds)
    return ResolutionResult(customers=change.customers, customerIds=change.customer_ids)


@router.post("/{customer_id}/split", response_model=ResolutionResult,
             summary="Take an identity out of a customer: manual:split links (admin)")
def split(customer_id: str, body: SplitRequest, graph: GraphDep, driver: DriverDep,
          settings: SettingsDep, request: Request, _: Admin) -> ResolutionResult:
    _profile(graph, customer_id)
    try:
        change = request.app.state.writer.exclusive(
            lambda: split_identity(driver, settings, customer_id, body.identityId))
    except NotAnIdentityOf as error:
        raise HTTPException(400, f"identityId: {error}") from error
    except UnknownCustomer as error:
        raise HTTPException(404, str(error)) from error
    request.app.state.mirror.wait_for(change.sequence, settings.query_timeout_seconds)
    return ResolutionResult(customers=change.customers, customerIds=change.customer_ids)
