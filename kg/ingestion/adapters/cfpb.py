"""CFPB consumer complaints (CSV).

Quirks handled: dates as ``2019/9/24``; ZIP codes that lost leading zeros; narratives redacted
with ``XXXX`` and often empty (the complaint is still loaded, with its issue as subject). There
is no consumer id, so each complaint's consumer is an identity of its own (network
``cfpb-complaint``) unless other identifiers link it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from kg.ingestion.adapters.base import (
    AdapterOptions,
    Item,
    Rejected,
    SourceRef,
    adapter,
    build,
    csv_rows,
)
from kg.ingestion.records import InteractionRecord

CHANNELS = {"web": "webform", "phone": "phone", "email": "email", "postal mail": "postal",
            "fax": "postal", "referral": "regulator", "web referral": "regulator"}


def zip_code(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    digits, rest = raw[:5].rstrip("X"), raw[len(raw[:5].rstrip("X")):]
    return (digits.zfill(5 - len(rest)) + rest) if digits.isdigit() else raw


@adapter("cfpb")
def read_cfpb(path: Path, options: AdapterOptions) -> Iterator[Item]:
    for line, row in csv_rows(path):
        complaint = (row.get("Complaint ID") or "").strip()
        ref = SourceRef(path.name, f"line {line} (complaint {complaint or '?'})")
        try:
            received = datetime.strptime(row["Date received"].strip(), "%Y/%m/%d")
        except (KeyError, ValueError) as error:
            yield Rejected(ref, "Date received", f"not a date like 2019/9/24: {error}")
            continue
        via = (row.get("Submitted via") or "").strip().lower()
        subject = " / ".join(p for p in (row.get("Product"), row.get("Issue")) if p)
        yield build(ref, InteractionRecord, {
            "source": "cfpb", "source_id": complaint, "kind": "Ticket",
            "channel": CHANNELS.get(via, "regulator"),
            "occurred_at": received.replace(tzinfo=UTC).isoformat(),
            "text": row.get("Consumer complaint narrative") or "",
            "subject": subject or None,
            "author": {"kind": "crm", "network": "cfpb-complaint", "value": complaint,
                       "postcode": zip_code(row.get("ZIP code") or "")} if complaint else None,
            "touchpoint": f"company:{row['Company']}" if row.get("Company") else None,
        })
