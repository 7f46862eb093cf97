"""The 360° view's sections computed live from a customer's raw interactions, and the corpus
counts computed over the whole graph: the references stored summaries and counts must equal."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations
from typing import Any

import neo4j

from kg.graph.driver import run_query
from kg.settings import Settings
from kg_api.routes.customers import CUSTOMER_INTERACTIONS, CUSTOMER_VIEW

CHANNELS = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)-[:VIA_CHANNEL]->(ch:Channel)
RETURN ch.channelId AS channel, count(i) AS interactions, max(i.occurredAt) AS lastContact
"""

CONCEPTS = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)
WITH collect(i) AS authored, max(i.occurredAt) AS newest
UNWIND authored AS i
MATCH (i)-[:ABOUT_CONCEPT]->(k:Concept)
OPTIONAL MATCH (i)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(k)
WITH k, i, newest, avg(o.polarityScore) AS score
WITH k, count(i) AS volume, avg(score) AS sentiment,
     count(CASE WHEN i.occurredAt >= newest - duration({days: 90}) THEN 1 END) AS recent
RETURN k.conceptId AS conceptId, k.prefLabel AS label, volume, sentiment, recent
"""

ENTITIES = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)-[:MENTIONS_ENTITY]->(e:Entity)
RETURN e.entityId AS entityId, e.entityName AS name, count(DISTINCT i) AS volume
"""

SIGNALS = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)
CALL (i) {
  MATCH (i)-[:HAS_INTENT]->(:Intent)-[:INTENT_CATEGORY]->(g:IntentCategory)
  RETURN 'intent' AS kind, g.categoryId AS category
  UNION
  MATCH (i)-[:HAS_EMOTION]->(:Emotion)-[:EMOTION_CATEGORY]->(g:EmotionCategory)
  RETURN 'emotion' AS kind, g.categoryId AS category
}
RETURN kind, category, count(DISTINCT i) AS volume
"""

CASES = """
MATCH (k:Case)-[:CASE_OF]->(:Customer {customerId: $customerId})
RETURN k.caseId AS caseId, k.caseStatus AS status,
       [(i:Interaction)-[:PART_OF_CASE]->(k) | i.interactionId] AS interactionIds
"""

CONCEPT_SETS = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)
RETURN [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts
"""

# Every customer interaction with its concepts (an interaction nobody's customer wrote does not
# count): the corpus the counts describe.
CORPUS = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
RETURN c.customerId AS customerId, [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts
"""


def _rows(driver: neo4j.Driver, settings: Settings, query: str, **params: Any
          ) -> list[dict[str, Any]]:
    return [{k: v.to_native() if hasattr(v, "to_native") else v for k, v in row.items()}
            for row in run_query(driver, settings, query, params)]  # type: ignore[arg-type]


def live_sections(driver: neo4j.Driver, settings: Settings, customer: str) -> dict[str, Any]:
    """The sections as comparable values: counts, times, rounded means and id sets."""
    signals = _rows(driver, settings, SIGNALS, customerId=customer)
    pairs: Counter[tuple[str, str]] = Counter()
    for row in _rows(driver, settings, CONCEPT_SETS, customerId=customer):
        pairs.update(combinations(sorted(set(row["concepts"])), 2))
    return {
        "channels": sorted((r["channel"], r["interactions"], r["lastContact"])
                           for r in _rows(driver, settings, CHANNELS, customerId=customer)),
        "concepts": sorted((r["conceptId"], r["label"], r["volume"],
                            None if r["sentiment"] is None else round(r["sentiment"], 9),
                            r["recent"])
                           for r in _rows(driver, settings, CONCEPTS, customerId=customer)),
        "entities": sorted((r["entityId"], r["name"], r["volume"])
                           for r in _rows(driver, settings, ENTITIES, customerId=customer)),
        "intents": sorted((r["category"], r["volume"]) for r in signals
                          if r["kind"] == "intent"),
        "emotions": sorted((r["category"], r["volume"]) for r in signals
                           if r["kind"] == "emotion"),
        "cases": sorted((r["caseId"], r["status"], tuple(sorted(r["interactionIds"])))
                        for r in _rows(driver, settings, CASES, customerId=customer)),
        "pairs": sorted((list(pair), n) for pair, n in pairs.items()),
    }


def view_sections(view: dict[str, Any]) -> dict[str, Any]:
    """The same values from a 360° view response (top 100)."""
    def when(value: str | None) -> Any:
        from datetime import datetime
        return None if value is None else datetime.fromisoformat(value)

    return {
        "channels": sorted((c["channel"], c["interactions"], when(c["lastContact"]))
                           for c in view["channels"]),
        "concepts": sorted((c["conceptId"], c["label"], c["volume"],
                            None if c["sentiment"] is None else round(c["sentiment"], 9),
                            round(c["trend"] * c["volume"])) for c in view["concepts"]),
        "entities": sorted((e["entityId"], e["name"], e["volume"]) for e in view["entities"]),
        "intents": sorted((s["category"], s["volume"]) for s in view["intents"]),
        "emotions": sorted((s["category"], s["volume"]) for s in view["emotions"]),
        "cases": sorted((k["caseId"], k["status"], tuple(sorted(k["interactionIds"])))
                        for k in view["cases"]),
        "pairs": sorted((list(p["concepts"]), p["together"]) for p in view["coOccurringConcepts"]),
    }


def corpus_counts(driver: neo4j.Driver, settings: Settings) -> dict[str, int]:
    """Interactions, per concept and per pair, counted from scratch over the whole graph."""
    counts: Counter[str] = Counter()
    for row in run_query(driver, settings, CORPUS):
        concepts = sorted(set(row["concepts"]))
        counts["interactions"] += 1
        counts.update(f"concept:{k}" for k in concepts)
        counts.update(f"pair:{a}|{b}" for a, b in combinations(concepts, 2))
    return dict(counts)


def concept_sets(driver: neo4j.Driver, settings: Settings) -> dict[str, set[str]]:
    sets: dict[str, set[str]] = {}
    for row in run_query(driver, settings, CORPUS):
        sets.setdefault(row["customerId"], set()).update(row["concepts"])
    return sets


def validated_view(driver: neo4j.Driver, settings: Settings, customer: str, *,
                   journey_offset: int, journey_limit: int, top: int) -> bytes | None:
    """The 360° view as separate reads put it together, validated by its response model: the
    summary's row, the journey's page (``CUSTOMER_INTERACTIONS``, as the timeline reads it) and
    the permissions of ``customer_consents`` (the consents endpoint's reads); None if unknown."""
    from kg.derivation.similarity import BUCKET_CAP, FIRST_CHECKED
    from kg.services.consent import customer_consents
    from kg_api.deps import native
    from kg_api.models import Customer360
    from kg_api.routes.consents import permissions_view
    from kg_api.view_360 import SIMILAR_CUSTOMERS, lift

    rows = run_query(driver, settings, CUSTOMER_VIEW, {
        "customerId": customer, "bucketCap": BUCKET_CAP, "firstChecked": FIRST_CHECKED,
        "similar": SIMILAR_CUSTOMERS,
        "skip": 0, "limit": 1, "category": "none", "suggestions": 0})
    if not rows:
        return None
    row = native(rows[0])
    journey = [native(r["step"]) for r in run_query(
        driver, settings, CUSTOMER_INTERACTIONS,
        {"customerId": customer, "skip": journey_offset, "limit": journey_limit})]
    summary: dict[str, Any] = json.loads(row["summary"]) if row["summary"] else {}
    counts = {key: int(value) for key, value in row["counts"]}
    labels = dict(row["conceptLabels"])
    names = {e["entityId"]: e for e in row["entityNames"]}
    view = Customer360.model_validate({
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
        "permissions": permissions_view(customer_consents(driver, settings, customer)),
    })
    return view.model_dump_json(by_alias=True).encode()
