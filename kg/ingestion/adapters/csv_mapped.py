"""Any CSV, with a JSON mapping file from canonical fields to columns.

Mapping file example::

    {"source": "helpdesk", "kind": "Ticket", "channel": "webform",
     "columns": {"source_id": "Ticket ID", "occurred_at": "Created", "text": "Description",
                 "author.email": "Requester email", "author.display_name": "Requester"},
     "time_format": "%d/%m/%Y %H:%M", "timezone": "+00:00"}

``author.<kind>`` columns (email, phone, crm, loyalty, handle) make the author identity; the
first non-empty one is the author, the rest are attached as its other identifiers.
``author.postcode`` and the person attributes ``author.given_name``, ``author.family_name``,
``author.birth_date``, ``author.address_line1``, ``author.address_line2``, ``author.city``,
``author.region``, ``author.country`` go on the author identity.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from kg.errors import ConfigError
from kg.ingestion.adapters.base import AdapterOptions, Item, Rejected, SourceRef, adapter, build
from kg.ingestion.adapters.person_columns import COLUMNS, person_from_row
from kg.ingestion.records import InteractionRecord

IDENTITY_KINDS = ("email", "phone", "crm", "loyalty", "handle")


def load_mapping(path: Path | None) -> dict[str, Any]:
    if path is None:
        raise ConfigError("the csv source needs --mapping FILE (JSON: columns, kind, channel)")
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"mapping file {path}: {error}") from error
    for key in ("source", "kind", "channel", "columns"):
        if key not in mapping:
            raise ConfigError(f"mapping file {path}: missing key {key!r}")
    for needed in ("source_id", "occurred_at"):
        if needed not in mapping["columns"]:
            raise ConfigError(f"mapping file {path}: columns needs {needed!r}")
    return dict(mapping)


def parse_time(value: str, time_format: str | None, timezone: str) -> str:
    if not time_format:
        return value
    moment = datetime.strptime(value, time_format)
    return moment.isoformat() + ("" if moment.tzinfo else timezone)


@adapter("csv")
def read_csv(path: Path, options: AdapterOptions) -> Iterator[Item]:
    mapping = load_mapping(options.mapping)
    columns: dict[str, str] = mapping["columns"]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns.values() if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{path}: columns {missing} named in the mapping are not in the file")
        for line, row in enumerate(reader, start=2):
            ref = SourceRef(path.name, f"line {line}")
            value = {field: (row.get(column) or "").strip() for field, column in columns.items()}
            try:
                occurred = parse_time(value["occurred_at"], mapping.get("time_format"),
                                      mapping.get("timezone", "+00:00"))
            except ValueError as error:
                yield Rejected(ref, columns["occurred_at"], str(error))
                continue
            identities = [{"kind": kind, "value": value[f"author.{kind}"],
                           "network": mapping.get("network") if kind == "handle" else None}
                          for kind in IDENTITY_KINDS if value.get(f"author.{kind}")]
            author = identities[0] if identities else None
            if author and value.get("author.display_name"):
                author["display_name"] = value["author.display_name"]
            if author:
                person = person_from_row({f: value.get(f"author.{f}", "") for f in COLUMNS})
                author.update(person=person, postcode=value.get("author.postcode") or None)
            yield build(ref, InteractionRecord, {
                "source": mapping["source"], "source_id": value["source_id"],
                "kind": mapping["kind"], "channel": mapping["channel"],
                "occurred_at": occurred, "direction": value.get("direction") or "inbound",
                "text": value.get("text", ""), "author": author,
                "also_known_as": identities[1:], "reply_to": value.get("reply_to") or None,
                "subject": value.get("subject") or None,
                "rating": value.get("rating") or None,
            })
