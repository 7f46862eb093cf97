"""Identity resolution around the identities a change touched, inside one transaction.

The part of the graph that can be affected is closed first: the touched identities, every
identity linked to them, every identity of the customers they belong to today, and every
identity whose name matches theirs under the same postcode (the fuzzy rule's block). That
closed part is resolved with the same pure :func:`kg.loading.resolution.resolve` a whole-graph
run uses, so the result equals a from-scratch derivation: customer ids come from the smallest
identity id of each group, and fuzzy links are applied best first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import neo4j

from kg.derivation.changes import Change
from kg.graph import queries
from kg.loading.resolution import FUZZY_RULE, Link, names_match, resolve


@dataclass
class ResolutionOutcome:
    identities: int = 0
    changed_customers: set[str] = field(default_factory=set)  # membership changed, still exist
    deleted_customers: set[str] = field(default_factory=set)
    fuzzy_links: int = 0


def _closure(tx: neo4j.ManagedTransaction, seeds: Iterable[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    asked: set[str] = set()
    blocks: dict[str, list[dict[str, str]]] = {}
    frontier = set(seeds)
    while frontier:
        asked |= frontier
        found = tx.run(queries.IDENTITY_NEIGHBOURHOOD, ids=sorted(frontier)).data()
        reached: set[str] = set()
        for row in found:
            rows[row["identityId"]] = row
            reached.update(row["linked"], row["mates"])
        named = [row for row in found if row["displayName"] and row["postcodeKey"]]
        missing = sorted({row["postcodeKey"] for row in named} - blocks.keys())
        if missing:
            for block in tx.run(queries.POSTCODE_BLOCKS, keys=missing):
                blocks[block["key"]] = block["members"]
        for row in named:
            reached.update(member["identityId"] for member in blocks.get(row["postcodeKey"], [])
                           if names_match(row["displayName"], member["displayName"]))
        frontier = reached - asked
    return rows


def resolve_around(tx: neo4j.ManagedTransaction, *, identities: set[str],
                   customers: set[str], key: bytes, change: Change) -> ResolutionOutcome:
    """Resolve the closed part of the graph around these identities and customers."""
    seeds = set(identities)
    if customers:
        seeds.update(r["identityId"] for r in tx.run(queries.IDENTITIES_OF_CUSTOMERS,
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
             for r in tx.run(queries.LINKS_AMONG, ids=ids) if r["rule"] != FUZZY_RULE]
    result = resolve([{"identityId": i, "displayName": rows[i]["displayName"],
                       "postcode": rows[i]["postcodeKey"]} for i in ids], links, key=key)
    tx.run(queries.DELETE_LINKS_OF_RULE, ids=ids, rule=FUZZY_RULE).consume()
    fuzzy_rows = [{"from": link.a, "to": link.b, "rule": link.rule, "score": link.score}
                  for link in result.fuzzy_links]
    tx.run(queries.MERGE_LINKS, rows=fuzzy_rows).consume()
    assign = [{"identityId": identity, "customerId": customer,
               "linkRule": result.link_of[identity][0], "linkScore": result.link_of[identity][1]}
              for identity, customer in sorted(result.customer_of.items())]
    tx.run(queries.ASSIGN_CUSTOMERS, rows=assign).consume()
    new_customers = set(result.customer_of.values())
    tx.run(queries.NAME_THESE_CUSTOMERS, customers=sorted(new_customers)).consume()
    moved = {i for i in ids if old_customer[i] != result.customer_of[i]}
    outcome.changed_customers = ({result.customer_of[i] for i in moved}
                                 | {c for i in moved if (c := old_customer[i]) is not None}
                                 | (customers & new_customers))
    outcome.deleted_customers = _delete_empty(tx, old_customers - new_customers, change)
    outcome.changed_customers -= outcome.deleted_customers
    outcome.fuzzy_links = len(fuzzy_rows)
    change.touch("Identity", ids)
    change.touch("Customer", old_customers | new_customers)
    return outcome


def _delete_empty(tx: neo4j.ManagedTransaction, candidates: set[str], change: Change
                  ) -> set[str]:
    if not candidates:
        return set()
    deleted = {r["customerId"] for r in tx.run(queries.DELETE_THESE_EMPTY_CUSTOMERS,
                                               customers=sorted(candidates))}
    change.touch("Customer", deleted)
    change.touch("Journey", (f"journey-{c}" for c in deleted))
    return deleted
