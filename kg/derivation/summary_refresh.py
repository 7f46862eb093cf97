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
from typing import Any

import neo4j

from kg.derivation.summaries import (
    CaseFacts,
    Contribution,
    CustomerFacts,
    InteractionFacts,
    Summary,
    summarise,
)
from kg.graph import queries
from kg.graph.driver import write_rows


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def facts_of(row: dict[str, Any]) -> CustomerFacts:
    """A row of :data:`~kg.graph.queries.SUMMARY_FACTS` as typed facts."""
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
    old = {r["customerId"]: r for r in tx.run(queries.READ_SUMMARIES, customers=ids).data()}
    new: dict[str, Summary] = {}
    for row in tx.run(queries.SUMMARY_FACTS, customers=ids).data():
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
    write_rows(tx, queries.DELETE_SUMMARIES, customers=gone)
    write_rows(tx, queries.REMOVE_BUCKET_MEMBERSHIPS, customers=rebucketed)
    write_rows(tx, queries.WRITE_SUMMARIES, rows=rewritten)
    write_rows(tx, queries.ADD_BUCKET_MEMBERSHIPS, rows=[
        {"customerId": c, "buckets": new[c].buckets} for c in sorted(new)
        if c not in old or c in rebucketed])
    write_rows(tx, queries.DELETE_EMPTY_BUCKETS, buckets=sorted(old_buckets))
    write_rows(tx, queries.ADJUST_CORPUS_COUNTS, rows=[
        {"countId": key, "delta": value} for key, value in sorted(delta.items())
        if value])
    return len(rewritten) + len(gone)
