"""Customers: search, the correlated 360° view, the timeline, and erasure."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from kg.consent.models import CONSENT_WITHDRAWAL_INTENT
from kg.derivation.similarity import BUCKET_CAP, FIRST_CHECKED
from kg.graph import queries
from kg.graph.driver import run_query
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

router = APIRouter(prefix="/customers", tags=["customers"])
MAX_OFFSET = 1_000_000  # keeps paging within Cypher's integer range


@router.get("", response_model=CustomerPage, summary="Search by name, email, phone, handle or id")
def search(graph: GraphDep, _: Reader, q: str = Query(min_length=1, max_length=200),
           offset: int = Query(0, ge=0, le=MAX_OFFSET),
           limit: int = Query(20, ge=1, le=200)) -> CustomerPage:
    normalised = {q.strip().lower(), q.strip().lstrip("@").lower()}
    with contextlib.suppress(IdentityError):
        normalised.add(normalise("phone", q))
    [row] = graph.rows(queries.SEARCH_CUSTOMERS, q=q.strip(), lower=q.strip().lower(),
                       normalised=sorted(normalised), skip=offset, limit=limit)
    return CustomerPage(total=row["total"], offset=offset, limit=limit, items=row["items"])


def _profile(graph: GraphDep, customer_id: str) -> None:
    if not graph.rows(queries.CUSTOMER_PROFILE, customerId=customer_id):
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
    rows = run_query(graph.driver, graph.settings, queries.CUSTOMER_VIEW, {
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
    rows = graph.rows(queries.CUSTOMER_INTERACTIONS, customerId=customer_id, skip=offset,
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
