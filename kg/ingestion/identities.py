"""Normalising identifiers into identity keys: the deterministic half of identity resolution.

Two records with the same normalised email, phone, CRM id, loyalty number, or handle on the same
network name the same :class:`Identity` node, and so the same customer.
"""

from __future__ import annotations

import re

from kg.ingestion.records import IdentityRef
from kg.unicode_forms import canonical_text

IDENTITY_LABELS = {"handle": "SocialHandle", "email": "EmailAddress", "phone": "PhoneNumber",
                   "crm": "CrmId", "loyalty": "LoyaltyNumber"}


class IdentityError(ValueError):
    """An identifier that cannot be normalised; the message names the problem."""


def normalise(kind: str, value: str) -> str:
    value = canonical_text(value).strip()
    if kind == "email":
        value = value.lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise IdentityError(f"{value!r} is not an email address")
        return value
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15:
            raise IdentityError(f"{value!r} is not a phone number")
        return ("+" if value.startswith(("+", "00")) else "") + digits.removeprefix(
            "00" if value.startswith("00") else "")
    if kind == "handle":
        return value.lstrip("@").lower()
    return value


def network_of(ref: IdentityRef) -> str:
    if ref.kind == "handle":
        if not ref.network:
            raise IdentityError("a handle needs its network (twitter, facebook, ...)")
        return canonical_text(ref.network).strip().lower()
    return canonical_text(ref.network or ref.kind).strip().lower()


def identity_id(ref: IdentityRef) -> str:
    """``kind:network:normalised-value``: the Identity node's key, and so what matching,
    suppression and the keyed hashes see (the identifier as written stays on the record)."""
    return f"{ref.kind}:{network_of(ref)}:{normalise(ref.kind, ref.value)}"
