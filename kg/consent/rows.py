"""Consent events as graph rows: one shape for the loader's batches and the service's writes.

The id is a hash of everything that makes the decision (identity, purpose, channel, status,
effective time, source, evidence), so loading the same source row twice writes one event, and a
new decision is always a new event: history is kept, never overwritten.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any


def consent_id(identity_id: str, purpose: str, channel: str | None, status: str,
               given_at: datetime, source: str, evidence: str | None) -> str:
    parts = (identity_id, purpose, channel or "*", status, given_at.isoformat(), source,
             evidence or "")
    return "consent-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def consent_row(*, identity_id: str, purpose: str, status: str, channel: str | None,
                given_at: datetime, expires_at: datetime | None, source: str,
                evidence: str | None, recorded_by: str,
                evidence_interaction_id: str | None = None) -> dict[str, Any]:
    """A row of :data:`kg.ingestion.statements.MERGE_CONSENTS`."""
    props: dict[str, Any] = {"purpose": purpose, "consentStatus": status, "givenAt": given_at,
                             "consentSource": source, "recordedBy": recorded_by}
    if expires_at is not None:
        props["expiresAt"] = expires_at
    if evidence:
        props["consentEvidence"] = evidence
    if evidence_interaction_id:
        props["evidenceInteractionId"] = evidence_interaction_id
    return {"identityId": identity_id, "channelId": channel, "props": props,
            "consentId": consent_id(identity_id, purpose, channel, status, given_at, source,
                                    evidence or evidence_interaction_id)}
