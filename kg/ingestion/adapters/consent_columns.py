"""Consent columns of CSV sources (CRM masters, surveys), shared by their adapters.

For each purpose (``marketing``, ``service``, ``analytics``, ``identity_linking``), a column
``<purpose>_consent`` holds the decision: ``yes``/``true``/``1``/``granted``/``opt-in`` grants,
``no``/``false``/``0``/``denied``/``opt-out`` refuses, ``withdrawn`` withdraws, empty says
nothing. When it was given: ``<purpose>_consent_at``, else ``consent_at`` or ``consent_date``,
else the record's own time (a survey's submission). Optional ``<purpose>_consent_until`` (expiry)
and ``<purpose>_consent_channel`` (the channel it applies to; empty: all). Any other value is
passed on as written, so the record is set aside naming the field.
"""

from __future__ import annotations

from typing import Any

from kg.consent.models import PURPOSES

VALUES: dict[str, str] = {
    "yes": "granted", "y": "granted", "true": "granted", "1": "granted", "granted": "granted",
    "opt-in": "granted", "opt_in": "granted", "opted in": "granted", "checked": "granted",
    "no": "denied", "n": "denied", "false": "denied", "0": "denied", "denied": "denied",
    "refused": "denied", "opt-out": "denied", "opt_out": "denied", "opted out": "denied",
    "withdrawn": "withdrawn", "revoked": "withdrawn", "unsubscribed": "withdrawn",
}


def consents_from_row(row: dict[str, str], where: str, default_at: str | None = None
                      ) -> list[dict[str, Any]]:
    """The consent statements of a row (dicts of :class:`ConsentStatement`)."""
    found: list[dict[str, Any]] = []
    for purpose in PURPOSES:
        column = f"{purpose}_consent"
        raw = row.get(column, "")
        if not raw:
            continue
        given = (row.get(f"{column}_at") or row.get("consent_at") or row.get("consent_date")
                 or default_at)
        statement: dict[str, Any] = {
            "purpose": purpose, "status": VALUES.get(raw.strip().lower(), raw),
            "given_at": given, "evidence": f"{where} column {column}={raw}"}
        if row.get(f"{column}_until"):
            statement["expires_at"] = row[f"{column}_until"]
        if row.get(f"{column}_channel"):
            statement["channel"] = row[f"{column}_channel"].lower()
        found.append(statement)
    return found
