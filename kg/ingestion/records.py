"""The canonical records every source adapter produces.

An :class:`InteractionRecord` is one message or contact; a :class:`CustomerRecord` is one row
of a customer master. Both name their source and the record's id in it, which together make
the stable keys that keep loads idempotent.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kg.consent.models import Purpose, Status, not_in_future

IdentityKind = Literal["handle", "email", "phone", "crm", "loyalty"]
ChannelId = Literal["twitter", "facebook", "instagram", "social", "email", "phone", "chat",
                    "survey", "forum", "review", "webform", "store", "postal", "regulator"]
InteractionKind = Literal["Post", "Reply", "DirectMessage", "EmailMessage", "Call", "ChatSession",
                          "SurveyResponse", "Review", "Ticket"]


def _valid_text(value: object) -> object:
    """Text must be encodable: a JSON escape such as \\udc80 gives a lone surrogate that no
    store or driver accepts."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(f"not valid Unicode text (a lone surrogate at character "
                             f"{error.start})") from error
    return value


class PersonAttributes(BaseModel):
    """What a source knows about the person behind an identity: the evidence of probabilistic
    identity resolution (schema.org / vCard terms in the ontology). The postcode stays on the
    identity or customer record itself."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _encodable(cls, value: object) -> object:
        return _valid_text(value)

    given_name: str | None = None
    family_name: str | None = None
    birth_date: str | None = Field(
        default=None, description="YYYY-MM-DD (or YYYYMMDD); a calendar-invalid date that a "
        "source mistyped is kept as written, because it is still evidence")
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    region: str | None = Field(default=None, description="state, county or province")
    country: str | None = None

    @field_validator("birth_date")
    @classmethod
    def _date_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digits = value.strip()
        if re.fullmatch(r"\d{8}", digits):
            digits = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", digits):
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD or YYYYMMDD)")
        return digits

    def is_empty(self) -> bool:
        return all(value is None for value in self.model_dump().values())


def _in_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone (e.g. 2024-05-01T10:00:00Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError(f"{value.isoformat()} is outside the calendar in UTC") from error


class ConsentStatement(BaseModel):
    """A permission a source states for the record's customer: a CRM column, a survey checkbox.
    It becomes a consent event on the record's own identity (a CRM row's id, a message's
    author); the newest event per purpose and channel is the customer's permission."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _encodable(cls, value: object) -> object:
        return _valid_text(value)

    purpose: Purpose
    status: Status
    channel: ChannelId | None = Field(default=None, description="none: every channel")
    given_at: datetime = Field(description="when the customer decided (effective time)")
    expires_at: datetime | None = Field(default=None, description="until when a grant holds")
    evidence: str | None = Field(default=None, description="e.g. the CRM column or checkbox")

    @field_validator("given_at")
    @classmethod
    def _given(cls, value: datetime) -> datetime:
        return not_in_future(_in_utc(value), "given_at")

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _in_utc(value)

    @model_validator(mode="after")
    def _expiry_after_given(self) -> ConsentStatement:
        if self.expires_at is not None and self.expires_at <= self.given_at:
            raise ValueError("expires_at must be after given_at")
        return self


class IdentityRef(BaseModel):
    """An identifier as a source states it; normalised when the graph key is made."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _encodable(cls, value: object) -> object:
        return _valid_text(value)

    kind: IdentityKind
    value: str = Field(min_length=1)
    network: str | None = Field(default=None, description="e.g. twitter; required for handles")
    display_name: str | None = None
    postcode: str | None = None
    person: PersonAttributes | None = Field(
        default=None, description="the person's attributes as this source knows them")


class InteractionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, description="source system, e.g. twcs, zendesk")
    source_id: str = Field(min_length=1, description="the record's id in its source")
    kind: InteractionKind
    channel: ChannelId
    occurred_at: datetime
    direction: Literal["inbound", "outbound"] = "inbound"
    text: str = ""
    author: IdentityRef | None = Field(default=None, description="who wrote it, if known")
    also_known_as: list[IdentityRef] = Field(
        default_factory=list,
        description="other identifiers the source itself attaches to the author (not text)")
    reply_to: str | None = Field(default=None, description="source_id of the answered record")
    thread_id: str | None = None
    touchpoint: str | None = Field(default=None, description="company account, inbox, store")
    rating: float | None = Field(
        default=None, allow_inf_nan=False,
        description="a finite number (NaN, Infinity and 1e400 are refused)")
    subject: str | None = None
    about_product: str | None = Field(default=None, description="product id the record is about")
    consents: list[ConsentStatement] = Field(
        default_factory=list, description="permissions the author states in this record (a "
        "survey's checkboxes); they need an author")

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2024-05-01T10:00:00Z)")
        try:
            value.astimezone(UTC)
        except OverflowError as error:
            raise ValueError(f"{value.isoformat()} is outside the calendar in UTC") from error
        return value  # the accepted window is the loader's check (kg/ingestion/time_window.py)

    @field_validator("*")
    @classmethod
    def _encodable(cls, value: object) -> object:
        return _valid_text(value)

    @model_validator(mode="after")
    def _consents_need_an_author(self) -> InteractionRecord:
        if self.consents and self.author is None:
            raise ValueError("consents need an author: whose permission is it?")
        return self


class CustomerRecord(BaseModel):
    """A customer master row: identifiers one system already knows to be one customer."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1)
    source_id: str = Field(min_length=1)
    name: str | None = None
    identities: list[IdentityRef] = Field(
        min_length=1, description="the first is the record's own id (a CRM id), which carries "
        "the postcode and person attributes")
    segment: str | None = None
    postcode: str | None = None
    person: PersonAttributes | None = None
    consents: list[ConsentStatement] = Field(
        default_factory=list, description="permissions the master states (consent columns)")

    @field_validator("*")
    @classmethod
    def _encodable(cls, value: object) -> object:
        return _valid_text(value)


def interaction_json_schema() -> str:
    """The published JSON Schema of the canonical interaction record."""
    schema = InteractionRecord.model_json_schema()
    schema["$id"] = "https://w3id.org/customer-kg/schema/interaction.json"
    schema["title"] = "Canonical customer interaction"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
