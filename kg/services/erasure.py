"""Erasure: a customer removed everywhere, as one write with its change record.

The customer, their identities, the interactions they wrote and the company's answers to them,
what extraction made of those (mentions, opinions, intents, emotions, and entities no other
interaction mentions), analysts' labels of those messages, the consent events given through
their identities, their journey and
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
from typing import Final, LiteralString

import neo4j

from kg.derivation.question_groups import recompute_groups
from kg.derivation.tallies import Tallies, contributions, move
from kg.errors import GraphError
from kg.feed.changes import Change, append_change, lock_feed
from kg.feed.ids import installation_key
from kg.graph.driver import graph_errors, run_query, write_rows
from kg.ingestion.suppression import suppression_key
from kg.settings import Settings

# Erasure (kg.services.erasure): the change records before an erasure that name what it
# removed, and the rewrite of their lists without those names.
CHANGE_RECORDS_BEFORE: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.sequenceNumber < $sequence
RETURN r.sequenceNumber AS sequence, r.touchedNodes AS nodes,
       coalesce(r.touchedEdges, []) AS edges,
       coalesce(r.pendingInteractions, []) AS interactions,
       coalesce(r.pendingIdentities, []) AS identities,
       coalesce(r.pendingCustomers, []) AS customers
"""

REWRITE_CHANGE_LISTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (r:ChangeRecord {sequenceNumber: row.sequence})
SET r.touchedNodes = row.nodes, r.touchedEdges = row.edges,
    r.pendingInteractions = row.interactions, r.pendingIdentities = row.identities,
    r.pendingCustomers = row.customers
"""

MARK_ERASURE_RECORD: Final[LiteralString] = """
MATCH (r:ChangeRecord {sequenceNumber: $sequence})
SET r.holdsErasedKeys = true
"""

# A customer, their identities and every interaction erasure removes with them (what they
# wrote and the company's answers to it): read by the erasure's scope and its deletion.
CUSTOMER_FOOTPRINT: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[:HAS_IDENTITY]->(x:Identity)
OPTIONAL MATCH (x)<-[:AUTHORED_BY]-(i:Interaction)
WITH c, collect(DISTINCT x) AS identities, collect(DISTINCT i) AS authored
CALL (authored) {
  UNWIND authored AS i
  MATCH (i)<-[:REPLY_TO]-(answer:Interaction {direction: 'outbound'})
  RETURN collect(DISTINCT answer) AS answers
}
WITH c, identities, authored + answers AS interactions
"""

# Everything that exists only because of this customer: identities, what they authored, the
# mentions, opinions, intents and emotions of it, the journey, and cases left without members.
ERASE_CUSTOMER: Final[LiteralString] = CUSTOMER_FOOTPRINT + """
CALL (interactions) {
  UNWIND interactions AS i
  MATCH (i)-[:HAS_MENTION|HAS_OPINION|HAS_INTENT|HAS_EMOTION]->(d)
  RETURN collect(DISTINCT d) AS derived
}
CALL (c) {
  OPTIONAL MATCH (j:Journey)-[:JOURNEY_OF]->(c)
  RETURN collect(j) AS journeys
}
CALL (c) {
  OPTIONAL MATCH (k:Case)-[:CASE_OF]->(c)
  RETURN collect(k) AS cases
}
CALL (identities) {
  UNWIND identities AS x
  MATCH (e:Consent)-[:CONSENT_OF]->(x)
  RETURN collect(DISTINCT e) AS consents
}
CALL (interactions) {
  UNWIND interactions AS i
  MATCH (l:AnalystLabel)-[:LABEL_OF]->(i)
  RETURN collect(DISTINCT l) AS labels
}
FOREACH (n IN labels | DETACH DELETE n)
WITH c, identities, interactions, derived, journeys, cases, consents,
     [x IN identities | x.identityId] AS identityIds,
     [i IN interactions | i.interactionId] AS interactionIds
FOREACH (n IN consents | DETACH DELETE n)
FOREACH (n IN derived | DETACH DELETE n)
FOREACH (n IN interactions | DETACH DELETE n)
FOREACH (n IN identities | DETACH DELETE n)
FOREACH (n IN journeys | DETACH DELETE n)
DETACH DELETE c
RETURN identityIds, interactionIds, size(derived) AS derived, size(journeys) AS journeys,
       [k IN cases | k.caseId] AS caseIds, size(consents) AS consents
"""

# Before an erasure: every node it will delete or leave changed, for the change record.
ERASURE_SCOPE: Final[LiteralString] = CUSTOMER_FOOTPRINT + """
RETURN [x IN identities | x.identityId] AS identityIds,
       [i IN interactions | i.interactionId] AS interactionIds,
       reduce(all = [], i IN interactions | all +
         [(i)-[:HAS_MENTION|HAS_OPINION|HAS_INTENT|HAS_EMOTION]->(d) |
          [l IN labels(d) WHERE l IN ['Mention', 'Opinion', 'Intent', 'Emotion']][0] + ':' +
          coalesce(d.mentionId, d.opinionId, d.intentId, d.emotionId)]) AS derived,
       reduce(all = [], i IN interactions | all +
         [(i)-[:MENTIONS_ENTITY]->(e:Entity) | e.entityId]) AS entityIds,
       reduce(all = [], i IN interactions | all +
         [(i)-[:PART_OF_CASE]->(:Case)<-[:PART_OF_CASE]-(o:Interaction) | o.interactionId] +
         [(i)<-[:REPLY_TO]-(o:Interaction) | o.interactionId]) AS around,
       [(j:Journey)-[:JOURNEY_OF]->(c) | j.journeyId] AS journeyIds,
       reduce(all = [], x IN identities | all +
         [(x)<-[:CONSENT_OF]-(e:Consent) | e.consentId]) AS consentIds,
       reduce(all = [], i IN interactions | all +
         [(i)<-[:LABEL_OF]-(l:AnalystLabel) | l.labelId]) AS labelIds,
       reduce(all = [], i IN interactions | all +
         [(i)-[:IN_QUESTION_GROUP]->(g:QuestionGroup) | g.groupId]) AS groupIds
"""

SUPPRESS: Final[LiteralString] = """
UNWIND $keys AS key
MERGE (s:Suppression {suppressionKey: key})
SET s.suppressedAt = datetime()
"""

# Query statistics keep recent queries with their parameters: an erased value must not stay.
# They cannot be cleared while collecting: stop, clear, and collect again if it was running.
QUERY_STATISTICS_STATUS: Final[LiteralString] = """
CALL db.stats.status() YIELD section, status
WHERE section = 'QUERIES' RETURN status
"""

STOP_QUERY_STATISTICS: Final[LiteralString] = "CALL db.stats.stop('QUERIES')"

CLEAR_QUERY_STATISTICS: Final[LiteralString] = "CALL db.stats.clear('QUERIES')"

COLLECT_QUERY_STATISTICS: Final[LiteralString] = "CALL db.stats.collect('QUERIES')"

# Entities no interaction mentions any more (after an erasure, those made from its texts).
DELETE_ORPHAN_ENTITIES: Final[LiteralString] = """
UNWIND $entityIds AS entityId
MATCH (e:Entity {entityId: entityId})
WHERE NOT ()-[:MENTIONS_ENTITY]->(e) AND NOT ()-[:REFERS_TO]->(e)
DETACH DELETE e
RETURN count(*) AS deleted
"""

DELETE_CASES_IF_EMPTY: Final[LiteralString] = """
UNWIND $caseIds AS caseId
MATCH (k:Case {caseId: caseId}) WHERE NOT ()-[:PART_OF_CASE]->(k)
DETACH DELETE k
RETURN count(*) AS deleted
"""


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
    scope = tx.run(ERASURE_SCOPE, customerId=customer_id).single()
    if scope is None:
        return None
    gone = contributions(tx, scope["interactionIds"])
    removed = tx.run(ERASE_CUSTOMER, customerId=customer_id).single()
    assert removed is not None
    emptied = tx.run(DELETE_CASES_IF_EMPTY, caseIds=removed["caseIds"]).single()
    entities = tx.run(DELETE_ORPHAN_ENTITIES,
                      entityIds=sorted(set(scope["entityIds"]))).single()
    tx.run(SUPPRESS, keys=[suppression_key(key, identity)
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
    change.touch("AnalystLabel", scope["labelIds"])
    change.nodes.update(scope["derived"])
    # the groups its messages were in: centroids without them, or gone when left empty
    recompute_groups(tx, scope["groupIds"], change)
    move(tx, Tallies().minus(gone), change)
    sequence = append_change(tx, change, pending=True)
    tx.run(MARK_ERASURE_RECORD, sequence=sequence).consume()
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
    for record in tx.run(CHANGE_RECORDS_BEFORE, sequence=sequence):
        nodes = [n for n in record["nodes"] or [] if n not in change.nodes]
        edges = [e for e in record["edges"] if e.partition(">")[2] not in change.nodes]
        pending = {kind: [i for i in record[kind] if i not in ids]
                   for kind in ("interactions", "identities", "customers")}
        if (len(nodes) < len(record["nodes"] or []) or len(edges) < len(record["edges"])
                or any(len(pending[k]) < len(record[k]) for k in pending)):
            rows.append({"sequence": record["sequence"], "nodes": nodes, "edges": edges,
                         **pending})
    write_rows(tx, REWRITE_CHANGE_LISTS, rows=rows)


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
    status = run_query(driver, settings, QUERY_STATISTICS_STATUS)
    collecting = bool(status) and status[0]["status"] == "collecting"
    if collecting:
        run_query(driver, settings, STOP_QUERY_STATISTICS, write=True)
    [cleared] = run_query(driver, settings, CLEAR_QUERY_STATISTICS, write=True)
    if not cleared["success"]:
        raise GraphError(f"Neo4j did not clear its query statistics: {cleared['message']}")
    if collecting:
        run_query(driver, settings, COLLECT_QUERY_STATISTICS, write=True)
