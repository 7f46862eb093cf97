"""Cases, journeys and segments around the interactions and customers a change touched.

Cases are closed the same way identities are: starting from the touched interactions, add the
interactions they reply to or that reply to them, their current case-mates, every interaction
sharing an order, booking, ticket or account number with them, and, for each inbound message
in the part, the same customer's inbound messages about one of its concepts within the case
window (repeated until nothing new is reached, so chains of messages each within the window of
the next are followed to their ends). Two messages of one key further apart than the window are
joined by the rule only through messages between them, which are in the part too, so grouping
it with the pure :func:`kg.derivation.case_rules.group_cases` equals a whole-graph run, while a
customer's older history outside the window is not read again for each new message.
Journeys and segments are per customer; the one corpus-wide input, the graph's "now"
(:mod:`kg.derivation.clock`, which one record cannot move), re-segments only the customers whose
last inbound message crosses the inactivity line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, LiteralString

import neo4j

from kg.derivation.case_rules import (
    INACTIVE_SEGMENT,
    REFERENCE_KINDS,
    Activity,
    group_cases,
    row_of,
    segment_of,
)
from kg.derivation.clock import NEWEST_INTERACTION_TIMES, NOW_RANK, graph_now, shifted
from kg.feed.changes import Change
from kg.graph.driver import write_rows

READ_NEWEST_SEEN: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'})
RETURN f.newestInteractionAt AS newest
"""

WRITE_NEWEST_SEEN: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'})
SET f.newestInteractionAt = $newest
"""

# Interactions with what decides their cases, and the interactions around them.
INTERACTION_NEIGHBOURHOOD: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
RETURN i.interactionId AS interactionId, i.occurredAt AS at, i.direction AS direction,
       [(i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer) | c.customerId][0]
         AS customerId,
       [(i)-[:REPLY_TO]->(p:Interaction) | p.interactionId][0] AS parentId,
       [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channelId,
       labels(i) AS labels,
       [(i)-[:HAS_MENTION]->(m:Mention) WHERE m.referenceValue IS NOT NULL
        | m.spanLabel + ':' + m.referenceValue] AS refs,
       [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts,
       [(i)<-[:REPLY_TO]-(r:Interaction) | r.interactionId] AS replies,
       [(i)-[:PART_OF_CASE]->(:Case)<-[:PART_OF_CASE]-(o:Interaction) | o.interactionId]
         AS caseMates,
       [(i)-[:PART_OF_CASE]->(k:Case) | k.caseId] AS cases
"""

INTERACTIONS_WITH_REFERENCES: Final[LiteralString] = """
UNWIND $refs AS row
MATCH (m:Mention {referenceValue: row.value}) WHERE m.spanLabel = row.label
MATCH (o:Interaction)-[:HAS_MENTION]->(m)
RETURN DISTINCT o.interactionId AS interactionId
"""

# Interactions a customer's inbound message may share a case with by concept: the same
# customer's other inbound messages about one of its concepts within the case window. Bounded
# by time, so a customer's long history is not read again for each new message.
CASE_WINDOW_NEIGHBOURS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (:Customer {customerId: row.customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(o:Interaction)
WHERE o.occurredAt >= row.since AND o.occurredAt <= row.until
  AND coalesce(o.direction, '') <> 'outbound'
  AND EXISTS { (o)-[:ABOUT_CONCEPT]->(k:Concept) WHERE k.conceptId IN row.concepts }
RETURN DISTINCT o.interactionId AS interactionId
"""

DELETE_THESE_EMPTY_CASES: Final[LiteralString] = """
UNWIND $cases AS caseId
MATCH (k:Case {caseId: caseId}) WHERE NOT ()-[:PART_OF_CASE]->(k)
DETACH DELETE k
"""

# What journeys and segments of these customers are made of.
CUSTOMER_ACTIVITY: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId,
       [(c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        WHERE i.occurredAt IS NOT NULL
        | {interactionId: i.interactionId, at: i.occurredAt, direction: i.direction,
           channelId: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0],
           replies: EXISTS { (i)-[:REPLY_TO]->(:Interaction) }}] AS interactions,
       [(j:Journey)-[:JOURNEY_OF]->(c) | j.journeyId] AS journeys
"""

DELETE_THESE_JOURNEYS: Final[LiteralString] = """
UNWIND $journeys AS journeyId
MATCH (j:Journey {journeyId: journeyId})
DETACH DELETE j
"""

CUSTOMERS_LAST_INBOUND_BETWEEN: Final[LiteralString] = """
MATCH (c:Customer) WHERE c.lastInboundAt >= $low AND c.lastInboundAt <= $high
RETURN c.customerId AS customerId
"""

# Customers whose last inbound message lies in [low, until): those the inactivity line passed
# when it moved forward from low to until.
CUSTOMERS_LAST_INBOUND_FROM_UNTIL: Final[LiteralString] = """
MATCH (c:Customer) WHERE c.lastInboundAt >= $low AND c.lastInboundAt < $until
RETURN c.customerId AS customerId
"""

WRITE_LAST_INBOUND: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
SET c.lastInboundAt = row.lastInboundAt
"""

ASSIGN_CASES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (k:Case {caseId: row.caseId})
MERGE (i)-[:PART_OF_CASE]->(k)
WITH i, k
OPTIONAL MATCH (i)-[stale:PART_OF_CASE]->(other:Case) WHERE other <> k
DELETE stale
"""

DESCRIBE_CASES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (k:Case {caseId: row.caseId})
SET k.caseStatus = row.caseStatus, k.openedAt = row.openedAt, k.closedAt = row.closedAt
WITH k, row
OPTIONAL MATCH (k)-[old:CASE_OF]->(:Customer)
DELETE old
WITH DISTINCT k, row
UNWIND row.customers AS customerId
MATCH (c:Customer {customerId: customerId})
MERGE (k)-[:CASE_OF]->(c)
"""

WRITE_JOURNEYS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
MERGE (j:Journey {journeyId: row.journeyId})
MERGE (j)-[:JOURNEY_OF]->(c)
WITH j, row
OPTIONAL MATCH (j)-[old:HAS_STEP]->(:Interaction)
DELETE old
WITH DISTINCT j, row
UNWIND range(0, size(row.steps) - 1) AS n
MATCH (i:Interaction {interactionId: row.steps[n]})
MERGE (j)-[h:HAS_STEP]->(i)
SET h.position = n + 1
"""

ASSIGN_SEGMENTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
OPTIONAL MATCH (c)-[old:IN_SEGMENT]->(:Segment)
DELETE old
WITH DISTINCT c, row
MERGE (s:Segment {segmentId: row.segmentId})
MERGE (c)-[:IN_SEGMENT]->(s)
"""


@dataclass
class CaseOutcome:
    interactions: int = 0
    cases: int = 0
    customers_of_interactions: set[str] = field(default_factory=set)
    # Every customer of the regrouped part: their cases may have changed.
    customers_in_closure: set[str] = field(default_factory=set)
    regrouped: set[str] = field(default_factory=set)  # every interaction of the closure


def _case_closure(tx: neo4j.ManagedTransaction, seeds: set[str], window_days: int
                  ) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    asked: set[str] = set()
    refs_done: set[str] = set()
    frontier = set(seeds)
    while frontier:
        asked |= frontier
        found = tx.run(INTERACTION_NEIGHBOURHOOD, ids=sorted(frontier)).data()
        reached: set[str] = set()
        for row in found:
            rows[row["interactionId"]] = row
            reached.update(row["replies"], row["caseMates"])
            if row["parentId"]:
                reached.add(row["parentId"])
        refs = {ref for row in found for ref in row["refs"]
                if ref.startswith(REFERENCE_KINDS)} - refs_done
        if refs:
            refs_done |= refs
            pairs = [dict(zip(("label", "value"), ref.split(":", 1), strict=True))
                     for ref in sorted(refs)]
            reached.update(r["interactionId"]
                           for r in tx.run(INTERACTIONS_WITH_REFERENCES, refs=pairs))
        timed = [probe for row in found
                 if (probe := _window_probe(row, timedelta(days=window_days))) is not None]
        if timed:
            reached.update(r["interactionId"] for r in tx.run(
                CASE_WINDOW_NEIGHBOURS, rows=timed))
        frontier = reached - asked
    return rows


def _window_probe(row: dict[str, Any], window: timedelta) -> dict[str, Any] | None:
    """What to ask for the case-mates an inbound message may have by concept: the same
    customer's messages about one of its concepts within the window around it."""
    at = row_of(row).at
    if at is None or not row["customerId"] or not row["concepts"] \
            or row["direction"] == "outbound":
        return None
    return {"customerId": row["customerId"], "concepts": sorted(row["concepts"]),
            "since": shifted(at, -window), "until": shifted(at, window)}


def cases_around(tx: neo4j.ManagedTransaction, *, interactions: set[str], window_days: int,
                 change: Change) -> CaseOutcome:
    rows = _case_closure(tx, interactions, window_days)
    outcome = CaseOutcome(interactions=len(rows), regrouped=set(rows))
    outcome.customers_of_interactions = {
        c for i in interactions if i in rows and (c := rows[i]["customerId"]) is not None}
    outcome.customers_in_closure = {
        c for row in rows.values() if (c := row["customerId"]) is not None}
    old_case = {i: (row["cases"] or [None])[0] for i, row in rows.items()}
    old_cases = {c for c in old_case.values() if c is not None}
    by_id = {i: row_of(row) for i, row in rows.items()}
    grouped = group_cases(list(by_id.values()), timedelta(days=window_days))
    assignments, described = [], []
    for case_id, members in sorted(grouped.items()):
        timed = sorted((by_id[m] for m in members if by_id[m].at is not None),
                       key=lambda r: (r.at, r.interaction))
        closed = bool(timed) and timed[-1].outbound
        described.append({
            "caseId": case_id, "caseStatus": "closed" if closed else "open",
            "openedAt": timed[0].at if timed else None,
            "closedAt": timed[-1].at if closed else None,
            "customers": sorted({c for m in members if (c := by_id[m].customer) is not None}),
        })
        assignments += [{"interactionId": m, "caseId": case_id} for m in members
                        if old_case[m] != case_id]
    write_rows(tx, ASSIGN_CASES, rows=assignments)
    write_rows(tx, DESCRIBE_CASES, rows=described)
    gone = sorted(old_cases - grouped.keys())
    write_rows(tx, DELETE_THESE_EMPTY_CASES, cases=gone)
    # Regrouping moves an interaction's case edge and nothing else about it.
    change.touch_edges("Interaction", (a["interactionId"] for a in assignments), "PART_OF_CASE")
    change.touch("Case", old_cases | grouped.keys())
    outcome.cases = len(grouped)
    return outcome


def journeys_and_segments(tx: neo4j.ManagedTransaction, *, customers: set[str],
                          inactive_days: int, change: Change) -> int:
    """Rewrite the journeys and segments of these customers (and of those whose inactivity
    the newest interaction's move decides); returns how many customers were segmented."""
    newest_row = tx.run(NEWEST_INTERACTION_TIMES, rank=NOW_RANK).single()
    newest = graph_now(newest_row["times"]) if newest_row else None
    seen_row = tx.run(READ_NEWEST_SEEN).single()
    seen = _native(seen_row["newest"]) if seen_row else None
    segment_only: set[str] = set()
    went_inactive: set[str] = set()
    if newest != seen:
        line = timedelta(days=inactive_days)
        if newest is not None and seen is not None and newest > seen:
            # Time moved on: exactly the customers whose last inbound message now falls
            # behind the line become inactive, whatever else they did, so their segment is
            # written without reading their history (after a historic load, the first live
            # message can move the line past most of the customer base).
            went_inactive = {r["customerId"] for r in tx.run(
                CUSTOMERS_LAST_INBOUND_FROM_UNTIL, low=shifted(seen, -line),
                until=shifted(newest, -line))} - customers
        else:
            bounds = sorted(shifted(t, -line) for t in (newest, seen) if t is not None)
            segment_only = {r["customerId"] for r in tx.run(
                CUSTOMERS_LAST_INBOUND_BETWEEN, low=bounds[0], high=bounds[-1])}
        tx.run(WRITE_NEWEST_SEEN, newest=newest).consume()
    if went_inactive:
        write_rows(tx, ASSIGN_SEGMENTS, rows=[
            {"customerId": c, "segmentId": INACTIVE_SEGMENT} for c in sorted(went_inactive)])
        # Only their segment edge changed: the mirror rewrites that edge, not the customers.
        change.touch_edges("Customer", went_inactive, "IN_SEGMENT")
    everyone = customers | segment_only
    if not everyone:
        return len(went_inactive)
    journeys, stale_journeys, segments, last_inbound = [], [], [], []
    for record in tx.run(CUSTOMER_ACTIVITY, customers=sorted(everyone)):
        customer = record["customerId"]
        activity = sorted((Activity(a["interactionId"], _timestamp(a["at"]),
                                    a["direction"] == "outbound", a["channelId"], a["replies"])
                           for a in record["interactions"]),
                          key=lambda a: (a.at, a.interaction))
        segments.append({"customerId": customer,
                         "segmentId": segment_of(activity, newest, inactive_days)})
        inbound = [a.at for a in activity if not a.outbound]
        last_inbound.append({"customerId": customer,
                             "lastInboundAt": max(inbound) if inbound else None})
        if customer not in customers:
            continue
        journey_id = f"journey-{customer}"
        if activity:
            journeys.append({"customerId": customer, "journeyId": journey_id,
                             "steps": [a.interaction for a in activity]})
        stale_journeys += [j for j in record["journeys"] if j != journey_id or not activity]
        change.touch("Journey", [journey_id, *record["journeys"]])
    write_rows(tx, DELETE_THESE_JOURNEYS, journeys=stale_journeys)
    write_rows(tx, WRITE_JOURNEYS, rows=journeys)
    write_rows(tx, ASSIGN_SEGMENTS, rows=segments)
    write_rows(tx, WRITE_LAST_INBOUND, rows=last_inbound)
    change.touch("Customer", everyone)
    return len(segments) + len(went_inactive)


def _native(value: Any) -> datetime | None:
    if value is None:
        return None
    native = value.to_native() if hasattr(value, "to_native") else value
    assert isinstance(native, datetime)
    return native


def _timestamp(value: Any) -> datetime:
    native = _native(value)
    assert native is not None, "the activity query keeps timed interactions only"
    return native
