"""After a whole-population resolution: derive the records it covered, customer by customer.

The record-by-record path (:func:`kg.derivation.refresh.refresh`) regroups, in each transaction,
the cases of every customer its records' identities moved, reading all their interactions.
After a first load or ``kg derive --all`` nearly every customer moved, and one customer's
interactions are spread over many records, so each history would be read again for every
record naming it (a measured load: docs/figures.md, "Timings behind design choices").
This pass takes each concerned customer once instead:

1. the concerned customers: those the covered records' identities, interactions and customers
   now belong to, plus every customer the population run moved an identity out of or into;
2. chunks of them holding about :data:`INTERACTIONS_PER_TRANSACTION` interactions, one
   transaction each (under the feed lock, like every refresh): cases around all their
   interactions, journeys and segments, consent flags, summaries, and a change record for the
   mirror;
3. the covered interactions no customer authored (brand replies, say) that no chunk's case
   closure reached, in chunks of their own;
4. one last transaction drops the summaries of customers that no longer exist (deleted by
   the run, by an erasure among the records, or by a crashed earlier attempt) and marks the
   records derived.

The records stay pending until step 4, so a crash anywhere leaves them pending and the next
refresh repeats the whole pass (every step recomputes from the graph's facts, so repeating it
is harmless). Each customer's part is what :func:`kg.derivation.refresh.refresh` computes for
it, so both paths end in the same graph; the equality tests compare them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, LiteralString

import neo4j

from kg.consent.derivation import refresh_consent_flags
from kg.derivation.cases import cases_around, journeys_and_segments
from kg.derivation.population import PopulationResolution
from kg.derivation.summary_refresh import refresh_summaries
from kg.derivation.tallies import refresh_open_case_counts
from kg.feed.changes import MARK_DERIVED, Change, append_change, lock_feed
from kg.settings import Settings

INTERACTIONS_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (:Customer {customerId: customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(o:Interaction)
RETURN DISTINCT o.interactionId AS interactionId
"""

# The customers the pending records up to a sequence concern now: those their identities and
# authored interactions belong to, and those they name.
CUSTOMERS_OF_PENDING_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingIdentities, []) AS id
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity {identityId: id})
RETURN DISTINCT c.customerId AS customerId
UNION
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingInteractions, []) AS id
MATCH (:Interaction {interactionId: id})-[:AUTHORED_BY]->(:Identity)
      <-[:HAS_IDENTITY]-(c:Customer)
RETURN DISTINCT c.customerId AS customerId
UNION
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingCustomers, []) AS id
MATCH (c:Customer {customerId: id})
RETURN DISTINCT c.customerId AS customerId
"""

INTERACTION_COUNTS_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId,
       COUNT { (c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(:Interaction) } AS interactions
"""

# Pending interactions no customer authored (a brand's replies): their cases are regrouped too.
UNAUTHORED_PENDING_INTERACTIONS_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingInteractions, []) AS id
MATCH (o:Interaction {interactionId: id})
WHERE NOT EXISTS { (o)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(:Customer) }
RETURN DISTINCT o.interactionId AS interactionId
"""

# Summaries whose customer no longer exists (erased, merged away, emptied by resolution).
SUMMARIES_WITHOUT_CUSTOMER: Final[LiteralString] = """
MATCH (s:CustomerSummary)
WHERE NOT EXISTS { MATCH (:Customer {customerId: s.summaryOf}) }
RETURN s.summaryOf AS customerId
"""

PENDING_SEQUENCES_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
RETURN r.sequenceNumber AS sequence
"""


INTERACTIONS_PER_TRANSACTION = 20_000


def customer_chunks(counts: dict[str, int], limit: int) -> Iterator[list[str]]:
    """Customers in id order, grouped so that each group weighs about ``limit``, a customer
    weighing one plus its interactions (so customers without any are bounded too; a customer
    heavier than the limit is a group of its own)."""
    chunk: list[str] = []
    held = 0
    for customer in sorted(counts):
        weight = 1 + counts[customer]
        if chunk and held + weight > limit:
            yield chunk
            chunk, held = [], 0
        chunk.append(customer)
        held += weight
    if chunk:
        yield chunk


def concerned_customers(session: neo4j.Session, population: PopulationResolution) -> set[str]:
    """Every customer whose derived facts the covered records may have changed."""
    found = {r["customerId"] for r in session.run(CUSTOMERS_OF_PENDING_UP_TO,
                                                   upTo=population.up_to)}
    return (found | population.customers_around(population.new_customer)) - population.deleted


def derive_covered(session: neo4j.Session, population: PopulationResolution,
                   settings: Settings, *, inactive_days: int, window_days: int) -> dict[str, int]:
    """Derive every record the population run covered (see the module docstring); returns
    counts in the shape of :class:`kg.derivation.refresh.RefreshSummary`'s fields."""
    totals = {"interactions": 0, "cases": 0, "segmented": 0, "consent_flags": 0,
              "summaries": 0, "changes": 0}
    customers = concerned_customers(session, population)
    counts = {r["customerId"]: int(r["interactions"]) for r in session.run(
        INTERACTION_COUNTS_OF_CUSTOMERS, customers=sorted(customers))}
    counts.update({c: 0 for c in customers - counts.keys()})
    reached: set[str] = set()

    def derive_part(tx: neo4j.ManagedTransaction, part: list[str], loose: list[str]
                    ) -> dict[str, Any]:
        lock_feed(tx)
        change = Change()
        interactions = set(loose) | {r["interactionId"] for r in tx.run(
            INTERACTIONS_OF_CUSTOMERS, customers=part)}
        cases = cases_around(tx, interactions=interactions, window_days=window_days,
                             change=change)
        concerned = set(part) | cases.customers_of_interactions
        segmented = journeys_and_segments(tx, customers=concerned,
                                          inactive_days=inactive_days, change=change)
        flagged = refresh_consent_flags(tx, concerned, settings, change)
        summaries = refresh_summaries(tx, concerned | cases.customers_in_closure)
        refresh_open_case_counts(tx, concerned | cases.customers_in_closure, change)
        append_change(tx, change, pending=False)
        # Returned, not added to the totals here: the driver may run this function again.
        return {"counts": {"interactions": cases.interactions, "cases": cases.cases,
                           "segmented": segmented, "consent_flags": flagged,
                           "summaries": summaries},
                "regrouped": cases.regrouped}

    def run(part: list[str], loose: list[str]) -> None:
        done = session.execute_write(derive_part, part, loose)
        reached.update(done["regrouped"])
        for name, value in done["counts"].items():
            totals[name] += value

    for part in customer_chunks(counts, INTERACTIONS_PER_TRANSACTION):
        run(part, [])
    loose = sorted({r["interactionId"] for r in session.run(
        UNAUTHORED_PENDING_INTERACTIONS_UP_TO, upTo=population.up_to)} - reached)
    for start in range(0, len(loose), INTERACTIONS_PER_TRANSACTION):
        run([], loose[start:start + INTERACTIONS_PER_TRANSACTION])

    def finish(tx: neo4j.ManagedTransaction) -> tuple[int, int]:
        lock_feed(tx)
        gone = {r["customerId"] for r in tx.run(SUMMARIES_WITHOUT_CUSTOMER)}
        dropped = refresh_summaries(tx, gone | population.deleted)
        sequences = [r["sequence"] for r in tx.run(PENDING_SEQUENCES_UP_TO,
                                                   upTo=population.up_to)]
        tx.run(MARK_DERIVED, sequences=sequences).consume()
        return dropped, len(sequences)

    dropped, totals["changes"] = session.execute_write(finish)
    totals["summaries"] += dropped
    return totals
