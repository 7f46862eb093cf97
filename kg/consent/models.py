"""Typed consent facts: what a caller asks to record, and an event as the graph keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Purpose = Literal["marketing", "service", "analytics", "identity_linking"]
Status = Literal["granted", "denied", "withdrawn"]
PURPOSES: tuple[str, ...] = get_args(Purpose)
STATUSES: tuple[str, ...] = get_args(Status)
CONSENT_WITHDRAWAL_INTENT = "consent_withdrawal"
FUTURE_TOLERANCE = timedelta(days=1)  # a decision dated in the future would win for ever


def not_in_future(value: datetime, field: str) -> datetime:
    if value > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise ValueError(f"{field} {value.isoformat()} is more than a day in the future")
    return value


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"{field} needs a time zone (e.g. 2024-05-01T10:00:00Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError(f"{value.isoformat()} is outside the calendar in UTC") from error


class ConsentChange(BaseModel):
    """One consent decision to record: the same model for the API, the CLI and the loader."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    status: Status
    channel: str | None = Field(
        default=None, min_length=1, max_length=40,
        description="the channel it applies to (email, phone, twitter, …); none: all channels")
    given_at: datetime | None = Field(
        default=None, description="when the customer decided (effective time); default: now")
    expires_at: datetime | None = Field(
        default=None, description="until when a grant holds; after it, it counts as not given")
    source: str = Field(default="api", min_length=1, max_length=100,
                        description="crm, survey, api, cli or message")
    evidence: str | None = Field(default=None, max_length=2000,
                                 description="a CRM column, a survey checkbox, a message, …")
    evidence_interaction_id: str | None = Field(
        default=None, max_length=500,
        description="the interaction whose message asked for this (confirms its suggestion)")
    identity_id: str | None = Field(
        default=None, max_length=500,
        description="the identity it was given through; default: the customer's first")
    recorded_by: str = Field(default="unknown", min_length=1, max_length=200)

    @field_validator("channel", "source", "evidence", "evidence_interaction_id", "identity_id",
                     "recorded_by")
    @classmethod
    def _encodable(cls, value: str | None) -> str | None:
        """Text must be encodable: a JSON escape such as \\udc80 gives a lone surrogate that
        no store or driver accepts."""
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError(f"not valid Unicode text (a lone surrogate at character "
                                 f"{error.start})") from error
        return value

    @field_validator("given_at")
    @classmethod
    def _given(cls, value: datetime | None) -> datetime | None:
        aware = _aware(value, "given_at")
        return None if aware is None else not_in_future(aware, "given_at")

    @field_validator("expires_at")
    @classmethod
    def _expires(cls, value: datetime | None) -> datetime | None:
        return _aware(value, "expires_at")

    @model_validator(mode="after")
    def _expiry_after_given(self) -> ConsentChange:
        if (self.expires_at is not None and self.given_at is not None
                and self.expires_at <= self.given_at):
            raise ValueError("expires_at must be after given_at")
        return self


@dataclass(frozen=True)
class ConsentEvent:
    """A consent event as stored: the history of a customer's permissions is a list of them."""

    consent_id: str
    purpose: str
    status: str
    channel: str | None
    given_at: datetime
    expires_at: datetime | None = None
    recorded_at: datetime | None = None
    source: str | None = None
    evidence: str | None = None
    recorded_by: str | None = None
    identity_id: str | None = None
    evidence_interaction_id: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ConsentEvent:
        def moment(value: Any) -> datetime | None:
            value = value.to_native() if hasattr(value, "to_native") else value
            return value.astimezone(UTC) if isinstance(value, datetime) else None

        given = moment(row["givenAt"])
        assert given is not None, f"consent {row['consentId']} has no givenAt"
        return cls(consent_id=row["consentId"], purpose=row["purpose"],
                   status=row["consentStatus"], channel=row.get("channel"), given_at=given,
                   expires_at=moment(row.get("expiresAt")),
                   recorded_at=moment(row.get("recordedAt")),
                   source=row.get("consentSource"), evidence=row.get("consentEvidence"),
                   recorded_by=row.get("recordedBy"), identity_id=row.get("identityId"),
                   evidence_interaction_id=row.get("evidenceInteractionId"))

    def as_dict(self) -> dict[str, Any]:
        return {"consentId": self.consent_id, "purpose": self.purpose, "status": self.status,
                "channel": self.channel, "givenAt": self.given_at,
                "expiresAt": self.expires_at, "recordedAt": self.recorded_at,
                "source": self.source, "evidence": self.evidence,
                "recordedBy": self.recorded_by, "identityId": self.identity_id,
                "evidenceInteractionId": self.evidence_interaction_id}
