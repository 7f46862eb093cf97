"""A CRM customer master (CSV): one customer per row with every identifier the CRM knows.

Columns (case-insensitive): ``customer_id`` (required), ``name``, ``email``, ``phone``,
``twitter``, ``facebook``, ``instagram``, ``loyalty``, ``segment``, ``postcode``, and the person
attributes of :mod:`kg.ingestion.adapters.person_columns` (given and family name, birth date,
address lines, city, region, country), and the consent columns of
:mod:`kg.ingestion.adapters.consent_columns` (``marketing_consent``, ``analytics_consent``, …
with their dates). A row's identifiers are linked to one customer because
the CRM itself asserts it; its person attributes are evidence for probabilistic linkage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.ingestion.adapters.base import (
    AdapterOptions,
    Item,
    Rejected,
    SourceRef,
    adapter,
    build,
    csv_rows,
)
from kg.ingestion.adapters.consent_columns import consents_from_row
from kg.ingestion.adapters.person_columns import full_name, person_from_row
from kg.ingestion.records import CustomerRecord

NETWORKS = ("twitter", "facebook", "instagram")


@adapter("crm")
def read_crm(path: Path, options: AdapterOptions) -> Iterator[Item]:
    for line, row in csv_rows(path, lower_keys=True):
        ref = SourceRef(path.name, f"line {line}")
        if not row.get("customer_id"):
            yield Rejected(ref, "customer_id", "empty")
            continue
        person = person_from_row(row)
        name, postcode = row.get("name") or full_name(person), row.get("postcode") or None
        identities: list[dict[str, Any]] = [
            {"kind": "crm", "network": "crm", "value": row["customer_id"],
             "display_name": name, "postcode": postcode}]
        for kind in ("email", "phone", "loyalty"):
            if row.get(kind):
                identities.append({"kind": kind, "value": row[kind], "display_name": name,
                                   "network": "loyalty" if kind == "loyalty" else None})
        for network in NETWORKS:
            if row.get(network):
                identities.append({"kind": "handle", "network": network,
                                   "value": row[network]})
        yield build(ref, CustomerRecord, {
            "source": "crm", "source_id": row["customer_id"], "name": name,
            "identities": identities, "segment": row.get("segment") or None,
            "postcode": postcode, "person": person,
            "consents": consents_from_row(row, f"{path.name} line {line}"),
        })
