"""The 360° view from one row of the view query: the stored summary, parsed once here, with
the names, corpus counts and similar customers the same query read beside it."""

from __future__ import annotations

import json
from typing import Any

from kg.derivation.summaries import INTERACTIONS, concept_count_id, pair_count_id
from kg_api.models import Customer360

SIMILAR_CUSTOMERS = 5


def lift(counts: dict[str, int], a: str, b: str) -> float:
    """P(a and b) / (P(a) P(b)) over every customer interaction; 0 when never together."""
    together = counts.get(pair_count_id(a, b), 0)
    with_a, with_b = counts.get(concept_count_id(a), 0), counts.get(concept_count_id(b), 0)
    if not together or not with_a or not with_b:
        return 0.0
    return together * counts.get(INTERACTIONS, 0) / (with_a * with_b)


def assemble_view(row: dict[str, Any], journey: list[dict[str, Any]], *, journey_offset: int,
                  top: int) -> Customer360:
    summary: dict[str, Any] = json.loads(row["summary"]) if row["summary"] else {}
    counts = {key: int(value) for key, value in row["counts"]}
    labels = dict(row["conceptLabels"])
    names = {e["entityId"]: e for e in row["entityNames"]}
    return Customer360.model_validate({
        "customerId": row["customerId"], "displayName": row["displayName"],
        "segment": row["segment"], "identities": row["identities"],
        "channels": summary.get("channels", []),
        "journey": journey, "journeyOffset": journey_offset,
        "cases": summary.get("cases", []),
        "concepts": [{**c, "label": labels.get(c["conceptId"]),
                      "trend": c["recent"] / c["volume"]}
                     for c in summary.get("concepts", [])[:top]],
        "entities": [{**e, "name": names.get(e["entityId"], {}).get("name"),
                      "type": names.get(e["entityId"], {}).get("type")}
                     for e in summary.get("entities", [])[:top]],
        "intents": summary.get("intents", []),
        "emotions": summary.get("emotions", []),
        "coOccurringConcepts": [{**pair, "lift": lift(counts, *pair["concepts"])}
                                for pair in summary.get("coOccurringConcepts", [])[:top]],
        "similarCustomers": row["similarCustomers"],
    })
