"""Consent: record a decision, list a customer's permissions, ask whether they may be contacted,
and the messages that asked to stop contact, waiting for a person to confirm them."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, Query, Request

from kg.consent.models import PURPOSES
from kg.consent.policy import Decision
from kg.services.consent import (
    CustomerConsents,
    InvalidConsent,
    consent_suggestions,
    contactable,
    customer_consents,
    record_consent,
)
from kg.services.merge_split import NotAnIdentityOf, UnknownCustomer
from kg_api.deps import DriverDep, SettingsDep
from kg_api.models import (
    ConsentRecorded,
    ConsentRequest,
    Contactable,
    CustomerPermissions,
    SuggestionPage,
)
from kg_api.security import Reader, Writer

router = APIRouter(tags=["consent"])


def permissions_view(consents: CustomerConsents) -> CustomerPermissions:
    """The response shape of a customer's permissions (also a section of the 360° view)."""
    return CustomerPermissions.model_validate({
        "decisions": [_decision(d) for d in consents.decisions],
        "current": [e.as_dict() for e in consents.current],
        "history": [e.as_dict() for e in consents.history],
        "suggestions": consents.suggestions,
    })


def _decision(decision: Decision) -> dict[str, object]:
    return {"purpose": decision.purpose, "channel": decision.channel,
            "allowed": decision.allowed, "reason": decision.reason,
            "consentId": decision.event.consent_id if decision.event else None}


def _recorder(request: Request, role: str) -> str:
    """Who recorded it: the role and a fingerprint of the key (never the key itself)."""
    key = request.headers.get("X-API-Key", "")
    return f"api:{role}:{hashlib.sha256(key.encode()).hexdigest()[:8]}"


@router.get("/customers/{customer_id}/consents", response_model=CustomerPermissions,
            summary="A customer's permissions: decisions per purpose, current events, history "
                    "and pending suggestions")
def permissions(customer_id: str, driver: DriverDep, settings: SettingsDep, _: Reader
                ) -> CustomerPermissions:
    try:
        return permissions_view(customer_consents(driver, settings, customer_id))
    except UnknownCustomer as error:
        raise HTTPException(404, str(error)) from error


@router.post("/customers/{customer_id}/consents", response_model=ConsentRecorded,
             summary="Record a consent decision (granted, denied, withdrawn) for a customer "
                     "(writer)")
def record(customer_id: str, body: ConsentRequest, driver: DriverDep, settings: SettingsDep,
           request: Request, role: Writer) -> ConsentRecorded:
    try:
        change = body.change(_recorder(request, role))
        recorded = request.app.state.writer.exclusive(
            lambda: record_consent(driver, settings, customer_id, change))
    except UnknownCustomer as error:
        raise HTTPException(404, str(error)) from error
    except (NotAnIdentityOf, InvalidConsent, ValueError) as error:
        raise HTTPException(400, str(error)) from error
    # the refresh path's own change (the customer's flags) must reach the mirror too
    mirrored = request.app.state.mirror.wait_for(recorded.settled,
                                                 settings.query_timeout_seconds)
    return ConsentRecorded(
        consentId=recorded.consent_id, customerId=customer_id,
        identityId=recorded.identity_id, sequence=recorded.sequence, mirrored=mirrored,
        permissions=permissions_view(customer_consents(driver, settings, customer_id)))


@router.get("/customers/{customer_id}/contactable", response_model=Contactable,
            summary="May the customer be contacted for a purpose on a channel? Yes or no, "
                    "with the reason")
def is_contactable(customer_id: str, driver: DriverDep, settings: SettingsDep, _: Reader,
                   purpose: str = Query(description=", ".join(PURPOSES)),
                   channel: str | None = Query(default=None, max_length=40)) -> Contactable:
    if purpose not in PURPOSES:
        raise HTTPException(400, f"purpose: {purpose!r} is not one of {', '.join(PURPOSES)}")
    try:
        decision = contactable(driver, settings, customer_id, purpose, channel)
    except UnknownCustomer as error:
        raise HTTPException(404, str(error)) from error
    except InvalidConsent as error:
        raise HTTPException(400, str(error)) from error
    return Contactable(customerId=customer_id, purpose=purpose, channel=channel,
                       allowed=decision.allowed, reason=decision.reason,
                       consentId=decision.event.consent_id if decision.event else None)


@router.get("/consents/suggestions", response_model=SuggestionPage,
            summary="Messages asking to stop contact or delete data that no consent event has "
                    "confirmed yet, newest first")
def suggestions(driver: DriverDep, settings: SettingsDep, _: Reader,
                offset: int = Query(0, ge=0, le=1_000_000),
                limit: int = Query(50, ge=1, le=500)) -> SuggestionPage:
    total, items = consent_suggestions(driver, settings, offset=offset, limit=limit)
    return SuggestionPage.model_validate({"total": total, "offset": offset, "limit": limit,
                                          "items": items})
