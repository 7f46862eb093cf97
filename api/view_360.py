"""The 360° view from the one row of the view query, written straight to JSON bytes.

The row holds the stored summary (JSON text), the names, corpus counts and similar customers
read beside it, the journey's first page and the customer's consent events and pending
suggestions. The body is built once from these parts and encoded by orjson: every section is
projected onto the fields of its response model (:class:`~kg_api.models.Customer360`, which
still documents the route), with the same values pydantic would write (floats as floats,
aliases, times in ISO 8601 with ``Z`` for UTC), so the bytes need no validation pass.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from datetime import datetime
from typing import Any, Union, get_args, get_origin

import orjson
from pydantic import BaseModel

from kg.consent.models import ConsentEvent
from kg.consent.policy import Decision
from kg.derivation.summaries import INTERACTIONS, concept_count_id, pair_count_id
from kg.services.consent import CustomerConsents, consents_from, history_of
from kg.settings import Settings
from kg_api.models import (
    CaseSummary,
    ChannelUse,
    ConceptFact,
    ConsentDecisionView,
    ConsentEventView,
    ConsentSuggestion,
    CoOccurrence,
    EntityFact,
    IdentityView,
    JourneyStep,
    SignalFact,
    SimilarCustomer,
)

SIMILAR_CUSTOMERS = 5

Projector = Callable[[Any], Any]


def lift(counts: dict[str, int], a: str, b: str) -> float:
    """P(a and b) / (P(a) P(b)) over every customer interaction; 0 when never together."""
    together = counts.get(pair_count_id(a, b), 0)
    with_a, with_b = counts.get(concept_count_id(a), 0), counts.get(concept_count_id(b), 0)
    if not together or not with_a or not with_b:
        return 0.0
    return together * counts.get(INTERACTIONS, 0) / (with_a * with_b)


def iso(value: datetime) -> str:
    """A time as pydantic writes it: ISO 8601, ``Z`` for UTC."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _time(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):  # as the stored summary keeps it (datetime.isoformat)
        return value[:-6] + "Z" if value.endswith("+00:00") else value
    if hasattr(value, "to_native"):  # a Neo4j temporal value
        value = value.to_native()
    return iso(value) if isinstance(value, datetime) else value


def _float(value: Any) -> Any:
    return None if value is None else float(value)


def _float_map(value: Any) -> Any:
    """A JSON object of floats, which the graph may keep as one JSON string property."""
    if value is None:
        return None
    found = json.loads(value) if isinstance(value, str) else value
    return {key: float(number) for key, number in found.items()}


def _pair(value: Any) -> Any:
    return list(value)


def _plain(value: Any) -> Any:
    return value


def _leaf(annotation: Any) -> Projector:
    """The conversion pydantic applies to one field's value on its way to JSON."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        [inner] = [a for a in get_args(annotation) if a is not type(None)]
        return _leaf(inner)
    if annotation is float:
        return _float
    if annotation is datetime:
        return _time
    if origin is tuple:
        return _pair
    if origin is dict and get_args(annotation)[1] is float:
        return _float_map
    if origin is list and isinstance(get_args(annotation)[0], type) \
            and issubclass(get_args(annotation)[0], BaseModel):
        item = projector(get_args(annotation)[0])
        return lambda values: [item(v) for v in values]
    return _plain


def projector(model: type[BaseModel]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Maps a dict onto ``model``'s fields (by alias, in the model's order, missing ones at their
    default), converting each value as the model would: what validating and dumping gave."""
    fields = [(field.alias or name, _leaf(field.annotation), field.get_default())
              for name, field in model.model_fields.items()]

    def project(value: dict[str, Any]) -> dict[str, Any]:
        return {key: convert(value[key]) if key in value else default
                for key, convert, default in fields}
    return project


IDENTITY = projector(IdentityView)
CHANNEL = projector(ChannelUse)
STEP = projector(JourneyStep)
CASE = projector(CaseSummary)
CONCEPT = projector(ConceptFact)
ENTITY = projector(EntityFact)
SIGNAL = projector(SignalFact)
PAIR = projector(CoOccurrence)
SIMILAR = projector(SimilarCustomer)
EVENT = projector(ConsentEventView)
DECISION = projector(ConsentDecisionView)
SUGGESTION = projector(ConsentSuggestion)


def _decision(decision: Decision) -> dict[str, Any]:
    return DECISION({"purpose": decision.purpose, "channel": decision.channel,
                     "allowed": decision.allowed, "reason": decision.reason,
                     "consentId": decision.event.consent_id if decision.event else None})


def _event(event: ConsentEvent) -> dict[str, Any]:
    return EVENT(event.as_dict())


def permissions_body(consents: CustomerConsents) -> dict[str, Any]:
    """The permissions section, as :class:`~kg_api.models.CustomerPermissions` writes it."""
    return {"decisions": [_decision(d) for d in consents.decisions],
            "current": [_event(e) for e in consents.current],
            "history": [_event(e) for e in consents.history],
            "suggestions": [SUGGESTION(s) for s in consents.suggestions]}


def view_body(row: dict[str, Any], *, journey_offset: int, top: int, settings: Settings
              ) -> dict[str, Any]:
    """The view as a JSON-ready dict: the stored summary decoded once, every section projected
    onto its response model, the permissions decided by the consent policy."""
    summary: dict[str, Any] = orjson.loads(row["summary"]) if row["summary"] else {}
    counts = {key: int(value) for key, value in row["counts"]}
    labels = dict(row["conceptLabels"])
    names = {e["entityId"]: e for e in row["entityNames"]}
    consents = consents_from(row["customerId"], history_of(row["consentEvents"]),
                             row["consentSuggestions"], settings=settings)
    return {
        "customerId": row["customerId"], "displayName": row["displayName"],
        "segment": row["segment"],
        "identities": [IDENTITY(x) for x in row["identities"]],
        "channels": [CHANNEL(c) for c in summary.get("channels", [])],
        "journey": [STEP(step) for step in row["journey"]], "journeyOffset": journey_offset,
        "cases": [CASE(c) for c in summary.get("cases", [])],
        "concepts": [CONCEPT({**c, "label": labels.get(c["conceptId"]),
                              "trend": c["recent"] / c["volume"]})
                     for c in summary.get("concepts", [])[:top]],
        "entities": [ENTITY({**e, "name": names.get(e["entityId"], {}).get("name"),
                             "type": names.get(e["entityId"], {}).get("type")})
                     for e in summary.get("entities", [])[:top]],
        "intents": [SIGNAL(s) for s in summary.get("intents", [])],
        "emotions": [SIGNAL(s) for s in summary.get("emotions", [])],
        "coOccurringConcepts": [PAIR({**pair, "lift": lift(counts, *pair["concepts"])})
                                for pair in summary.get("coOccurringConcepts", [])[:top]],
        "similarCustomers": [SIMILAR(s) for s in row["similarCustomers"]],
        "permissions": permissions_body(consents),
    }


def _unknown(value: Any) -> Any:
    """What orjson cannot write by itself: Neo4j's temporal values."""
    converted = _time(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {value!r}")
    return converted


def view_bytes(row: dict[str, Any], *, journey_offset: int, top: int,
               settings: Settings) -> bytes:
    return orjson.dumps(view_body(row, journey_offset=journey_offset, top=top,
                                  settings=settings), default=_unknown)
