"""Rewrite the summaries of the customers a refresh concerns, and move the corpus counts.

Runs inside the refresh transaction, after cases, journeys and segments. For each concerned
customer the stored summary (with its contribution to the corpus counts) is read, the new one
derived from the customer's facts (:func:`kg.derivation.summaries.summarise`), and the corpus
counts move by ``new - old`` contribution; a customer that no longer exists (erased, merged
away) or has no interaction left has its summary removed and its old contribution subtracted.
Since every count is the sum of the stored contributions, incremental refreshes and a
from-scratch derivation hold the same numbers. Summaries, counts and similarity buckets are read
models of facts the RDF mirror already has, so they are not mirrored (see ``NOT_MIRRORED``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final, LiteralString

import neo4j

from kg.consent.policy import ANALYTICS_INCLUDED
from kg.derivation.summaries import (
    CaseFacts,
    Contribution,
    CustomerFacts,
    InteractionFacts,
    Summary,
    summarise,
)
from kg.graph.driver import write_rows

# What a summary is derived from: the customer's interactions (channel, concepts, aspect
# opinions, entities, intents, emotions) and cases.
SUMMARY_FACTS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId,
       [(c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction) | {
          interactionId: i.interactionId, at: i.occurredAt,
          channel: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0],
          companyOwned: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.companyOwned][0],
          concepts: [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId],
          aspects: [(i)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(k:Concept)
                    WHERE o.polarityScore IS NOT NULL | [k.conceptId, o.polarityScore]],
          entities: [(i)-[:MENTIONS_ENTITY]->(e:Entity) | e.entityId],
          intents: [(i)-[:HAS_INTENT]->(:Intent)-[:INTENT_CATEGORY]->(g:IntentCategory)
                    | g.categoryId],
          emotions: [(i)-[:HAS_EMOTION]->(:Emotion)-[:EMOTION_CATEGORY]->(g:EmotionCategory)
                     | g.categoryId]}] AS interactions,
       [(k:Case)-[:CASE_OF]->(c) | {
          caseId: k.caseId, status: k.caseStatus, openedAt: k.openedAt, closedAt: k.closedAt,
          interactionIds: [(m:Interaction)-[:PART_OF_CASE]->(k) | m.interactionId]}] AS cases,
       NOT """ + ANALYTICS_INCLUDED + """ AS excluded
"""

READ_SUMMARIES: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (s:CustomerSummary {summaryOf: customerId})
RETURN customerId, s.summaryView AS view, s.corpusContribution AS contribution,
       [(s)-[:IN_BUCKET]->(b:SimilarityBucket) | b.bucketId] AS buckets
"""

DELETE_SUMMARIES: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (s:CustomerSummary {summaryOf: customerId})
DETACH DELETE s
"""

WRITE_SUMMARIES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (s:CustomerSummary {summaryOf: row.props.summaryOf})
SET s = row.props
"""

REMOVE_BUCKET_MEMBERSHIPS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (:CustomerSummary {summaryOf: customerId})-[r:IN_BUCKET]->(:SimilarityBucket)
DELETE r
"""

ADD_BUCKET_MEMBERSHIPS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (s:CustomerSummary {summaryOf: row.customerId})
UNWIND row.buckets AS bucketId
MERGE (b:SimilarityBucket {bucketId: bucketId})
CREATE (s)-[:IN_BUCKET]->(b)
"""

DELETE_EMPTY_BUCKETS: Final[LiteralString] = """
UNWIND $buckets AS bucketId
MATCH (b:SimilarityBucket {bucketId: bucketId})
WHERE NOT EXISTS { (b)<-[:IN_BUCKET]-(:CustomerSummary) }
DELETE b
"""

# Corpus counts move by the difference of the contributions; a count back at 0 is removed, so
# the counts hold exactly what a from-scratch sum would.
ADJUST_CORPUS_COUNTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (n:CorpusCount {countId: row.countId})
SET n.countValue = coalesce(n.countValue, 0) + row.delta
WITH n WHERE n.countValue = 0
DELETE n
"""


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def facts_of(row: dict[str, Any]) -> CustomerFacts:
    """A row of :data:`SUMMARY_FACTS` as typed facts."""
    interactions = tuple(InteractionFacts(
        interaction_id=i["interactionId"], at=_native(i["at"]), channel=i["channel"],
        company_owned=i["companyOwned"], concepts=tuple(i["concepts"]),
        aspects=tuple((k, float(s)) for k, s in i["aspects"]),
        entities=tuple(i["entities"]), intents=tuple(i["intents"]),
        emotions=tuple(i["emotions"])) for i in row["interactions"])
    cases = tuple(CaseFacts(case_id=k["caseId"], status=k["status"],
                            opened_at=_native(k["openedAt"]), closed_at=_native(k["closedAt"]),
                            interaction_ids=tuple(k["interactionIds"])) for k in row["cases"])
    return CustomerFacts(customer_id=row["customerId"], interactions=interactions, cases=cases,
                         excluded=bool(row["excluded"]))


def refresh_summaries(tx: neo4j.ManagedTransaction, customers: set[str]) -> int:
    """Derive the summaries of these customers again; returns how many were rewritten."""
    if not customers:
        return 0
    ids = sorted(customers)
    old = {r["customerId"]: r for r in tx.run(READ_SUMMARIES, customers=ids).data()}
    new: dict[str, Summary] = {}
    for row in tx.run(SUMMARY_FACTS, customers=ids).data():
        facts = facts_of(row)
        if facts.interactions:
            new[facts.customer_id] = summarise(facts)
    delta: Counter[str] = Counter()
    rewritten, rebucketed, old_buckets = [], [], set()
    for customer in ids:
        before = old.get(customer)
        after = new.get(customer)
        if before is not None:
            delta.subtract(Contribution.from_json(before["contribution"]).counts())
        if after is not None:
            delta.update(after.contribution.counts())
        if after is not None and before is not None and (
                before["view"] == after.view_json()
                and before["contribution"] == after.contribution.to_json()
                and sorted(before["buckets"]) == after.buckets):
            continue  # unchanged: nothing to write, and the delta nets to zero
        if after is not None:
            rewritten.append({"props": after.properties()})
        if before is not None and (after is None or sorted(before["buckets"]) != after.buckets):
            old_buckets |= set(before["buckets"])
            rebucketed.append(customer)
    gone = sorted(set(old) - set(new))
    write_rows(tx, DELETE_SUMMARIES, customers=gone)
    write_rows(tx, REMOVE_BUCKET_MEMBERSHIPS, customers=rebucketed)
    write_rows(tx, WRITE_SUMMARIES, rows=rewritten)
    write_rows(tx, ADD_BUCKET_MEMBERSHIPS, rows=[
        {"customerId": c, "buckets": new[c].buckets} for c in sorted(new)
        if c not in old or c in rebucketed])
    write_rows(tx, DELETE_EMPTY_BUCKETS, buckets=sorted(old_buckets))
    write_rows(tx, ADJUST_CORPUS_COUNTS, rows=[
        {"countId": key, "delta": value} for key, value in sorted(delta.items())
        if value])
    return len(rewritten) + len(gone)
