"""Seen before: the closed cases whose customer messages are closest in meaning to a message.

What an agent needs to answer without starting from nothing: for each case, the customer
message that matched, the brand's replies that closed it (in order, each with how long after
the case opened), and how long the case took. Only cases opened before the message count (what
was known when it came), never the message's own case, and only closed ones (they hold an
answer). Cases are ranked by their closest message; the vector index gives the neighbours.
"""

from __future__ import annotations

from typing import Any, Final, LiteralString

import neo4j

from kg.graph.driver import native, run_query
from kg.graph.search_indexes import VECTOR_INDEX
from kg.search.models import SimilarCase, SimilarCases
from kg.settings import Settings

NEIGHBOURS: Final = 200  # messages read from the index to find the closest cases

# No row: no such interaction. A row with no vector: it has no embedding (no English text).
SIMILAR_CASES: Final[LiteralString] = """
MATCH (i:Interaction {interactionId: $id})
OPTIONAL MATCH (i)-[:PART_OF_CASE]->(own:Case)
WITH i, collect(own) AS own
CALL (i, own) {
  WITH i, own WHERE i.embedding IS NOT NULL
  CALL db.index.vector.queryNodes('""" + VECTOR_INDEX + """', $neighbours, i.embedding)
  YIELD node AS m, score
  WITH i, own, m, score
  WHERE m <> i AND m.direction = 'inbound'
  MATCH (m)-[:PART_OF_CASE]->(k:Case {caseStatus: 'closed'})
  WHERE NOT k IN own AND k.openedAt < i.occurredAt
  WITH k, m, score ORDER BY score DESC, m.interactionId
  // the case's closest message is the first collected
  WITH k, head(collect(m)) AS m, max(score) AS score
  ORDER BY score DESC, k.caseId LIMIT $limit
  RETURN collect({
    caseId: k.caseId, openedAt: k.openedAt, closedAt: k.closedAt,
    similarity: 2 * score - 1,
    customer: [(m)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
               | {customerId: c.customerId, displayName: c.displayName}][0],
    matched: {interactionId: m.interactionId, text: m.text, occurredAt: m.occurredAt},
    replies: [(k)<-[:PART_OF_CASE]-(r:Interaction) WHERE r.direction = 'outbound'
              | {interactionId: r.interactionId, text: r.text, occurredAt: r.occurredAt}]
  }) AS cases
}
RETURN i.interactionId AS id, cases
"""


class UnknownInteraction(LookupError):
    """No interaction has the id asked for."""


def similar_cases(driver: neo4j.Driver, settings: Settings, interaction_id: str, *,
                  limit: int = 5) -> SimilarCases:
    rows = run_query(driver, settings, SIMILAR_CASES, {
        "id": interaction_id, "neighbours": NEIGHBOURS, "limit": limit})
    if not rows:
        raise UnknownInteraction(f"no interaction {interaction_id!r}")
    return SimilarCases(interactionId=interaction_id,
                        items=[_case(case) for case in rows[0]["cases"] or []])


def _case(row: dict[str, Any]) -> SimilarCase:
    opened, closed = native(row["openedAt"]), native(row["closedAt"])
    replies = sorted(row["replies"], key=lambda r: (native(r["occurredAt"]) is None,
                                                   native(r["occurredAt"]), r["interactionId"]))
    return SimilarCase.model_validate({
        "caseId": row["caseId"], "similarity": round(row["similarity"], 4),
        "openedAt": opened, "closedAt": closed,
        "secondsToClose": (closed - opened).total_seconds() if opened and closed else None,
        "customer": row["customer"],
        "matched": _message(row["matched"], opened),
        "replies": [_message(reply, opened) for reply in replies]})


def _message(row: dict[str, Any], opened: Any) -> dict[str, Any]:
    at = native(row["occurredAt"])
    return {"interactionId": row["interactionId"], "text": row["text"], "occurredAt": at,
            "secondsAfterOpening": (at - opened).total_seconds() if at and opened else None}
