"""Erasure: a customer removed everywhere, as one write with its change record.

The customer, their identities, the interactions they wrote and the company's answers to them,
what extraction made of those (mentions, opinions, intents, emotions, and entities no other
interaction mentions), the consent events given through their identities, their journey and
the cases left empty go in one transaction. Its change
record names every removed node, so the RDF mirror drops them, and marks the interactions that
shared a case with or replied to the removed ones for derivation, so their cases are regrouped.
The erased identities join the suppression list (keyed hashes), earlier change records are
rewritten without the removed nodes and ids (and the erasure's own record is emptied once the
mirror has applied it), and Neo4j's query statistics, which keep recent parameters, are
cleared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import neo4j

from kg.derivation.tallies import Tallies, contributions, move
from kg.errors import GraphError
from kg.feed.changes import Change, append_change, lock_feed
from kg.feed.ids import installation_key
from kg.graph import queries
from kg.graph.driver import graph_errors, run_query, write_rows
from kg.ingestion.suppression import suppression_key
from kg.settings import Settings


@dataclass
class Erasure:
    customer_id: str
    identity_ids: list[str] = field(default_factory=list)
    interaction_ids: list[str] = field(default_factory=list)
    derived_facts: int = 0
    journeys: int = 0
    cases_deleted: int = 0
    entities_deleted: int = 0
    consents_deleted: int = 0
    sequence: int = 0


def erase_in(tx: neo4j.ManagedTransaction, customer_id: str, key: bytes) -> Erasure | None:
    """Erase the customer in this transaction (None when there is no such customer); the
    caller commits, and the refresh path derives what the erasure left pending."""
    lock_feed(tx)
    scope = tx.run(queries.ERASURE_SCOPE, customerId=customer_id).single()
    if scope is None:
        return None
    gone = contributions(tx, scope["interactionIds"])
    removed = tx.run(queries.ERASE_CUSTOMER, customerId=customer_id).single()
    assert removed is not None
    emptied = tx.run(queries.DELETE_CASES_IF_EMPTY, caseIds=removed["caseIds"]).single()
    entities = tx.run(queries.DELETE_ORPHAN_ENTITIES,
                      entityIds=sorted(set(scope["entityIds"]))).single()
    tx.run(queries.SUPPRESS, keys=[suppression_key(key, identity)
                                   for identity in scope["identityIds"]]).consume()
    erased = set(scope["interactionIds"])
    change = Change(interactions=set(scope["around"]) - erased, customers={customer_id})
    change.touch("Customer", [customer_id])
    change.touch("Identity", scope["identityIds"])
    change.touch("Interaction", erased)
    change.touch("Journey", scope["journeyIds"])
    change.touch("Case", removed["caseIds"])
    change.touch("Entity", set(scope["entityIds"]))
    change.touch("Consent", scope["consentIds"])
    change.nodes.update(scope["derived"])
    move(tx, Tallies().minus(gone), change)
    sequence = append_change(tx, change, pending=True)
    tx.run(queries.MARK_ERASURE_RECORD, sequence=sequence).consume()
    _forget_in_feed(tx, sequence, change, erased | set(scope["identityIds"]) | {customer_id})
    return Erasure(customer_id=customer_id, identity_ids=sorted(scope["identityIds"]),
                   interaction_ids=sorted(erased), derived_facts=len(set(scope["derived"])),
                   journeys=len(scope["journeyIds"]),
                   cases_deleted=emptied["deleted"] if emptied else 0,
                   entities_deleted=entities["deleted"] if entities else 0,
                   consents_deleted=removed["consents"], sequence=sequence)


def _forget_in_feed(tx: neo4j.ManagedTransaction, sequence: int, change: Change,
                    ids: set[str]) -> None:
    """Rewrite the earlier change records without the nodes and ids this erasure removed.

    Their node lists and pending ids would otherwise keep the erased person's email, phone,
    handle and message ids until pruned (indefinitely on a quiet system). Nothing is lost: the
    erasure's own record names every removed node, so the mirror drops them when it applies
    it, and an erased interaction or identity has nothing left to derive. The erasure's own
    record is emptied once the mirror has applied it (:func:`kg.rdf.sync.prune_applied`)."""
    rows = []
    for record in tx.run(queries.CHANGE_RECORDS_BEFORE, sequence=sequence):
        nodes = [n for n in record["nodes"] or [] if n not in change.nodes]
        edges = [e for e in record["edges"] if e.partition(">")[2] not in change.nodes]
        pending = {kind: [i for i in record[kind] if i not in ids]
                   for kind in ("interactions", "identities", "customers")}
        if (len(nodes) < len(record["nodes"] or []) or len(edges) < len(record["edges"])
                or any(len(pending[k]) < len(record[k]) for k in pending)):
            rows.append({"sequence": record["sequence"], "nodes": nodes, "edges": edges,
                         **pending})
    write_rows(tx, queries.REWRITE_CHANGE_LISTS, rows=rows)


def erase_customer(driver: neo4j.Driver, settings: Settings, customer_id: str
                   ) -> Erasure | None:
    """Erase one customer; ``None`` when there is no such customer. Derivation and the
    mirror follow through the refresh path and the change feed."""
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        return session.execute_write(erase_in, customer_id, installation_key(settings))


def forget_query_statistics(driver: neo4j.Driver, settings: Settings) -> None:
    """Clear Neo4j's query statistics, which keep recent parameters: run after an erasure
    and everything that followed it (derivation, the mirror) has run."""
    status = run_query(driver, settings, queries.QUERY_STATISTICS_STATUS)
    collecting = bool(status) and status[0]["status"] == "collecting"
    if collecting:
        run_query(driver, settings, queries.STOP_QUERY_STATISTICS, write=True)
    [cleared] = run_query(driver, settings, queries.CLEAR_QUERY_STATISTICS, write=True)
    if not cleared["success"]:
        raise GraphError(f"Neo4j did not clear its query statistics: {cleared['message']}")
    if collecting:
        run_query(driver, settings, queries.COLLECT_QUERY_STATISTICS, write=True)
