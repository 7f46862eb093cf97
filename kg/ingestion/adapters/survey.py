"""Survey answers (CSV): an NPS or CSAT score and a free-text answer per row.

Columns (case-insensitive): ``response_id``; ``submitted_at``; ``email`` and/or
``customer_id``; ``nps`` (0-10) or ``csat`` (1-5); ``comment`` (or ``feedback``, ``text``);
optionally ``name``, ``postcode`` and the person attributes of
:mod:`kg.ingestion.adapters.person_columns`, which go on the respondent's identity; consent
checkboxes (``marketing_consent``, ``analytics_consent``, … of
:mod:`kg.ingestion.adapters.consent_columns`), given when the survey was submitted unless a
column says otherwise.
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
from kg.ingestion.records import InteractionRecord

SCORES = {"nps": (0, 10), "csat": (1, 5)}


@adapter("survey")
def read_survey(path: Path, options: AdapterOptions) -> Iterator[Item]:
    for line, row in csv_rows(path, lower_keys=True):
        ref = SourceRef(path.name, f"line {line}")
        rating = None
        for column, (low, high) in SCORES.items():
            if row.get(column):
                try:
                    rating = float(row[column])
                except ValueError:
                    rating = None
                if rating is None or not low <= rating <= high:
                    yield Rejected(ref, column, f"{row[column]!r} is not a score {low}-{high}")
                    break
        else:
            identities: list[dict[str, Any]] = (
                [{"kind": "email", "value": row["email"]}] if row.get("email") else [])
            if row.get("customer_id"):
                identities.append({"kind": "crm", "value": row["customer_id"],
                                   "network": "crm"})
            person = person_from_row(row)
            if identities and (person or row.get("postcode") or row.get("name")):
                identities[0].update(person=person, postcode=row.get("postcode") or None,
                                     display_name=row.get("name") or full_name(person))
            text = row.get("comment") or row.get("feedback") or row.get("text") or ""
            yield build(ref, InteractionRecord, {
                "source": f"survey:{path.stem}", "source_id": row.get("response_id", ""),
                "kind": "SurveyResponse", "channel": "survey",
                "occurred_at": row.get("submitted_at"), "text": text, "rating": rating,
                "author": identities[0] if identities else None,
                "also_known_as": identities[1:],
                "consents": consents_from_row(row, f"{path.name} line {line}",
                                              default_at=row.get("submitted_at")),
            })
