"""Identity resolution around the identities a change touched, inside one transaction.

The touched identities are scored first against their blocking candidates (the probabilistic
model of :mod:`kg.resolution`), which stores or drops their scored links. Then the part of the
graph that can be affected is closed: the touched identities, every identity linked to them by
any evidence, and every identity of the customers they belong to today. That closed part is
resolved with the same pure :func:`kg.derivation.linkage.resolve` a whole-graph run uses, so the
result equals a from-scratch derivation: customer ids come from the smallest identity id of each
group, and probabilistic links are applied most probable first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, LiteralString

import neo4j

from kg.consent.derivation import links_permitted_by_consent
from kg.derivation.linkage import Link, resolve, score_touched
from kg.feed.changes import Change
from kg.graph.driver import write_rows
from kg.settings import Settings

# The identities around a set of identities: linked ones, those of the same customer today.
IDENTITY_NEIGHBOURHOOD: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (x:Identity {identityId: id})
RETURN x.identityId AS identityId, x.displayName AS displayName,
       [(x)-[:LINKED_WITH]-(y:Identity) | y.identityId] AS linked,
       [(x)<-[:HAS_IDENTITY]-(:Customer)-[:HAS_IDENTITY]->(y:Identity) | y.identityId] AS mates,
       [(x)<-[:HAS_IDENTITY]-(c:Customer) | c.customerId] AS customers,
       x.identityId STARTS WITH 'crm:' AS isCrm
"""

IDENTITIES_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (:Customer {customerId: customerId})-[:HAS_IDENTITY]->(x:Identity)
RETURN DISTINCT x.identityId AS identityId
"""

LINKS_AMONG: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (a:Identity {identityId: id})-[l:LINKED_WITH]->(b:Identity)
WHERE b.identityId IN $ids
RETURN a.identityId AS a, b.identityId AS b, l.linkRule AS rule, l.linkScore AS score
"""

NAME_THESE_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})-[:HAS_IDENTITY]->(x:Identity)
WITH c, min(x.displayName) AS name
SET c.displayName = name
"""

# Customers left without identities go, with their journeys; their ids are returned.
DELETE_THESE_EMPTY_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId}) WHERE NOT (c)-[:HAS_IDENTITY]->(:Identity)
OPTIONAL MATCH (j:Journey)-[:JOURNEY_OF]->(c)
DETACH DELETE c, j
RETURN customerId
"""

# Moves each identity to its resolved customer; links to any other customer are removed.
ASSIGN_CUSTOMERS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (x:Identity {identityId: row.identityId})
MERGE (c:Customer {customerId: row.customerId})
MERGE (c)-[h:HAS_IDENTITY]->(x)
SET h.linkRule = row.linkRule, h.linkScore = row.linkScore
WITH x, c
OPTIONAL MATCH (other:Customer)-[stale:HAS_IDENTITY]->(x) WHERE other <> c
DELETE stale
"""


@dataclass
class ResolutionOutcome:
    identities: int = 0
    changed_customers: set[str] = field(default_factory=set)  # membership changed, still exist
    deleted_customers: set[str] = field(default_factory=set)
    scored_pairs: int = 0
    applied_links: int = 0


def _closure(tx: neo4j.ManagedTransaction, seeds: Iterable[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    asked: set[str] = set()
    frontier = set(seeds)
    while frontier:
        asked |= frontier
        reached: set[str] = set()
        for row in tx.run(IDENTITY_NEIGHBOURHOOD, ids=sorted(frontier)).data():
            rows[row["identityId"]] = row
            reached.update(row["linked"], row["mates"])
        frontier = reached - asked
    return rows


def resolve_around(tx: neo4j.ManagedTransaction, *, identities: set[str],
                   customers: set[str], key: bytes, settings: Settings, change: Change
                   ) -> ResolutionOutcome:
    """Score the touched identities, then resolve the closed part of the graph around them
    and these customers."""
    def run(statement: LiteralString, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        return tx.run(statement, parameters).data()

    outcome_scored = score_touched(run, settings, identities)
    seeds = set(identities)
    if customers:
        seeds.update(r["identityId"] for r in tx.run(IDENTITIES_OF_CUSTOMERS,
                                                     customers=sorted(customers)))
    rows = _closure(tx, seeds)
    outcome = ResolutionOutcome(identities=len(rows))
    old_customer = {identity: (row["customers"] or [None])[0] for identity, row in rows.items()}
    old_customers = {c for c in old_customer.values() if c is not None} | customers
    if not rows:
        outcome.deleted_customers = _delete_empty(tx, old_customers, change)
        return outcome
    ids = sorted(rows)
    links = [Link(r["a"], r["b"], r["rule"], float(r["score"]))
             for r in tx.run(LINKS_AMONG, ids=ids)]
    if settings.consent_linking_required:
        # Links that join identities across channels need the identity_linking permission;
        # vetoes (score 0) always count.
        permitted = links_permitted_by_consent(
            tx, sorted({(link.a, link.b) for link in links if link.score > 0}), settings)
        links = [link for link in links if link.score <= 0 or (link.a, link.b) in permitted]
    result = resolve(ids, links, key=key,
                     link_probability=settings.resolution_link_probability)
    assign = [{"identityId": identity, "customerId": customer,
               "linkRule": result.link_of[identity][0], "linkScore": result.link_of[identity][1]}
              for identity, customer in sorted(result.customer_of.items())]
    write_rows(tx, ASSIGN_CUSTOMERS, rows=assign)
    new_customers = set(result.customer_of.values())
    write_rows(tx, NAME_THESE_CUSTOMERS, customers=sorted(new_customers))
    moved = {i for i in ids if old_customer[i] != result.customer_of[i]}
    outcome.changed_customers = ({result.customer_of[i] for i in moved}
                                 | {c for i in moved if (c := old_customer[i]) is not None}
                                 | (customers & new_customers))
    outcome.deleted_customers = _delete_empty(tx, old_customers - new_customers, change)
    outcome.changed_customers -= outcome.deleted_customers
    outcome.scored_pairs = outcome_scored
    outcome.applied_links = len(result.applied)
    change.touch("Identity", ids)
    change.touch("Customer", old_customers | new_customers)
    return outcome


def _delete_empty(tx: neo4j.ManagedTransaction, candidates: set[str], change: Change
                  ) -> set[str]:
    if not candidates:
        return set()
    deleted = {r["customerId"] for r in tx.run(DELETE_THESE_EMPTY_CUSTOMERS,
                                               customers=sorted(candidates))}
    change.touch("Customer", deleted)
    change.touch("Journey", (f"journey-{c}" for c in deleted))
    return deleted
