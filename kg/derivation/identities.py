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
from typing import Any, LiteralString

import neo4j

from kg.consent.derivation import links_permitted_by_consent
from kg.derivation.linkage import Link, resolve, score_touched
from kg.feed.changes import Change
from kg.graph import queries
from kg.graph.driver import write_rows
from kg.settings import Settings


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
        for row in tx.run(queries.IDENTITY_NEIGHBOURHOOD, ids=sorted(frontier)).data():
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
             for r in tx.run(queries.LINKS_AMONG, ids=ids)]
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
    write_rows(tx, queries.ASSIGN_CUSTOMERS, rows=assign)
    new_customers = set(result.customer_of.values())
    write_rows(tx, queries.NAME_THESE_CUSTOMERS, customers=sorted(new_customers))
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
    deleted = {r["customerId"] for r in tx.run(queries.DELETE_THESE_EMPTY_CUSTOMERS,
                                               customers=sorted(candidates))}
    change.touch("Customer", deleted)
    change.touch("Journey", (f"journey-{c}" for c in deleted))
    return deleted
