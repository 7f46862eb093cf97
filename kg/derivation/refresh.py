"""The one refresh path: derive what pending changes touched, and nothing else.

Every write (a load batch, an ingested record, an erasure, a merge or split) commits a change
record marked ``derivationPending``. :func:`refresh` takes pending records in sequence order and,
in one transaction per group of records, resolves the identities around them, regroups the
cases around their interactions, rewrites the journeys and segments of the customers concerned
and their summaries (moving the corpus counts by the difference of their contributions),
appends its own change record (the nodes it rewrote, for the RDF mirror) and marks the records
derived. A crash anywhere rolls the transaction back and leaves the records pending, so running
``refresh`` again (``kg derive``) finishes the work. ``derive_everything`` removes the read models
(summaries, corpus counts, similarity buckets), marks every identity and interaction pending
and refreshes: the repair path, and the reference for equality tests.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, fields
from typing import Any, Final, LiteralString

import neo4j

from kg.consent.derivation import customers_of_identities, refresh_consent_flags
from kg.derivation.by_customer import INTERACTIONS_OF_CUSTOMERS, derive_covered
from kg.derivation.cases import cases_around, journeys_and_segments
from kg.derivation.identities import resolve_around
from kg.derivation.population import population_due, resolve_population
from kg.derivation.quarantine import (
    NOT_THE_RECORDS_FAULT,
    DerivationFailed,
    describe,
    quarantine,
    split,
)
from kg.derivation.summary_refresh import refresh_summaries
from kg.derivation.tallies import recount, refresh_open_case_counts
from kg.feed.changes import MARK_DERIVED, Change, append_change, lock_feed
from kg.feed.ids import installation_key
from kg.graph.driver import graph_errors, run_query
from kg.settings import Settings

READ_PENDING_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true
RETURN r.sequenceNumber AS sequence, r.pendingInteractions AS interactions,
       r.pendingIdentities AS identities, r.pendingCustomers AS customers
ORDER BY sequence LIMIT $limit
"""

ALL_IDENTITY_IDS: Final[LiteralString] = """
MATCH (x:Identity) RETURN x.identityId AS id ORDER BY id
"""

ALL_INTERACTION_IDS: Final[LiteralString] = """
MATCH (i:Interaction) RETURN i.interactionId AS id ORDER BY id
"""

# The repair path starts the read models afresh (run as an auto-commit transaction).
RESET_READ_MODELS: Final[LiteralString] = """
MATCH (n) WHERE n:CustomerSummary OR n:CorpusCount OR n:SimilarityBucket
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


log = logging.getLogger(__name__)

RECORDS_PER_TRANSACTION = 20
# A transaction stops taking pending records once they name this many nodes: the cost of one
# transaction grows faster than its size (measured: docs/figures.md, "Timings behind design
# choices"), so a big write is derived in several moderate transactions.
NODES_PER_TRANSACTION = 20_000
IDS_PER_RECORD = 2_000
# Rows per round trip of the whole-population reads (the driver's default is 1,000).
POPULATION_FETCH_SIZE = 20_000
CASE_WINDOW_DAYS = 7
INACTIVE_DAYS = 180


@dataclass
class RefreshSummary:
    changes: int = 0
    identities: int = 0
    scored_pairs: int = 0
    customers_deleted: int = 0
    interactions: int = 0
    cases: int = 0
    segmented: int = 0
    consent_flags: int = 0
    summaries: int = 0
    population_identities: int = 0  # identities resolved by one whole-population run
    quarantined: int = 0  # records set aside because their derivation failed

    def add(self, other: RefreshSummary) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def as_dict(self) -> dict[str, int]:
        return {item.name.replace("_", " "): getattr(self, item.name) for item in fields(self)}


def derive_pending(tx: neo4j.ManagedTransaction, key: bytes, settings: Settings, *,
                   locked: bool = False, limit: int = RECORDS_PER_TRANSACTION
                   ) -> tuple[RefreshSummary, bool] | None:
    """Derive the first pending records (at most ``limit``) in this transaction: the refresh
    path's one step. None when there were none, else what was done and whether these were all
    the records pending when read. ``locked``: the transaction holds the feed lock already (a
    write that derives its own change before it commits). Raises :class:`DerivationFailed`
    naming the records when deriving them fails for a reason of theirs."""
    if not locked:
        lock_feed(tx)
    read = tx.run(READ_PENDING_CHANGES, limit=limit).data()
    pending = _moderate(read)
    if not pending:
        return None
    drained = len(read) < limit and len(pending) == len(read)
    try:
        return _derive(tx, pending, key, settings), drained
    except NOT_THE_RECORDS_FAULT:
        raise
    except Exception as error:
        raise DerivationFailed([r["sequence"] for r in pending], error,
                               named=_named(pending)) from error


def _derive(tx: neo4j.ManagedTransaction, pending: list[dict[str, Any]], key: bytes,
            settings: Settings) -> RefreshSummary:
    interactions = {i for record in pending for i in record["interactions"] or []}
    identities = {i for record in pending for i in record["identities"] or []}
    customers = {c for record in pending for c in record["customers"] or []}
    change = Change()
    resolution = resolve_around(tx, identities=identities, customers=customers, key=key,
                                settings=settings, change=change)
    if resolution.changed_customers:
        interactions |= {r["interactionId"] for r in tx.run(
            INTERACTIONS_OF_CUSTOMERS, customers=sorted(resolution.changed_customers))}
    cases = cases_around(tx, interactions=interactions, window_days=CASE_WINDOW_DAYS,
                         change=change)
    concerned = (resolution.changed_customers | cases.customers_of_interactions
                 | (customers - resolution.deleted_customers))
    segmented = journeys_and_segments(tx, customers=concerned, inactive_days=INACTIVE_DAYS,
                                      change=change)
    # Consent events arrive on identities (a load) or customers (a consent change): the
    # analytics flags of every customer around them are recomputed from their events.
    flag_checked = ((concerned | customers_of_identities(tx, identities))
                    - resolution.deleted_customers)
    flagged = refresh_consent_flags(tx, flag_checked, settings, change)
    # Summaries also follow cases regrouped around other customers' interactions, a change of
    # analytics permission (an excluded customer contributes nothing), and drop the customers
    # that no longer exist.
    summaries = refresh_summaries(tx, concerned | cases.customers_in_closure | customers
                                  | flag_checked | resolution.deleted_customers)
    # Open-case counts follow the cases just regrouped (an erased customer has no node left).
    refresh_open_case_counts(tx, concerned | cases.customers_in_closure, change)
    append_change(tx, change, pending=False)
    tx.run(MARK_DERIVED, sequences=[r["sequence"] for r in pending]).consume()
    return RefreshSummary(changes=len(pending), identities=resolution.identities,
                          scored_pairs=resolution.scored_pairs,
                          customers_deleted=len(resolution.deleted_customers),
                          interactions=cases.interactions, cases=cases.cases,
                          segmented=segmented, consent_flags=flagged,
                          summaries=summaries)


def _moderate(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first pending records, in order, up to :data:`NODES_PER_TRANSACTION` named nodes
    (always at least one record)."""
    taken: list[dict[str, Any]] = []
    named = 0
    for record in pending:
        size = _named([record])
        if taken and named + size > NODES_PER_TRANSACTION:
            break
        taken.append(record)
        named += size
    return taken


def _named(records: list[dict[str, Any]]) -> int:
    return sum(len(record[key] or []) for record in records
               for key in ("interactions", "identities", "customers"))


def refresh(driver: neo4j.Driver, settings: Settings) -> RefreshSummary:
    """Derive every pending change; returns what was looked at.

    When the pending records name a large share of all identities, identities are first
    resolved for the whole population at once (:mod:`kg.derivation.population`) and the
    records it covered are derived customer by customer (:mod:`kg.derivation.by_customer`);
    records committed meanwhile follow record by record."""
    total = RefreshSummary()
    key = installation_key(settings)
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        if (up_to := population_due(session, settings)) is not None:
            try:
                total.add(_derive_population(driver, settings, key, up_to))
            except NOT_THE_RECORDS_FAULT:
                raise
            except Exception:
                # The covered records stay pending: the record-by-record path below derives
                # them, and quarantines the one that fails.
                log.exception("whole-population derivation failed; deriving record by record")
        _derive_records(session, key, settings, total)
    return total


def _derive_population(driver: neo4j.Driver, settings: Settings, key: bytes, up_to: int
                       ) -> RefreshSummary:
    with driver.session(database=settings.neo4j_database,
                        fetch_size=POPULATION_FETCH_SIZE) as streaming:
        began = time.perf_counter()
        population = resolve_population(streaming, settings, key, up_to=up_to)
        resolved = time.perf_counter()
        covered = derive_covered(streaming, population, settings,
                                 inactive_days=INACTIVE_DAYS, window_days=CASE_WINDOW_DAYS)
        log.info("whole-population resolution of %d identities: %.1f s; the records it "
                 "covered, customer by customer: %.1f s", population.identities,
                 resolved - began, time.perf_counter() - resolved)
    return RefreshSummary(population_identities=population.identities,
                          scored_pairs=population.scored_pairs,
                          customers_deleted=len(population.deleted), **covered)


def _derive_records(session: neo4j.Session, key: bytes, settings: Settings,
                    total: RefreshSummary) -> None:
    """Pending records group by group, until a transaction finds none pending or took every
    record pending when it read them (everything committed before the refresh began is then
    derived, and the empty transaction that would only prove it is saved). A group that
    fails is derived again one record at a time, up to its last record, and the record that
    fails alone is quarantined."""
    one_by_one = 0  # records still to derive one per transaction (a failed group's size)
    while True:
        limit = 1 if one_by_one else RECORDS_PER_TRANSACTION
        try:
            done = session.execute_write(derive_pending, key, settings, limit=limit)
        except DerivationFailed as failure:
            if len(failure.sequences) > 1:
                one_by_one = len(failure.sequences)
                continue
            (sequence,) = failure.sequences
            if failure.named > 1:
                # Narrowed further: one record per interaction, identity and customer, derived
                # one by one, so only what fails is set aside.
                one_by_one = max(0, one_by_one - 1) + session.execute_write(_split, sequence)
                continue
            log.error("change record %d quarantined: %s", sequence, describe(failure.cause))
            session.execute_write(_quarantine, sequence, describe(failure.cause))
            total.quarantined += 1
            one_by_one = max(0, one_by_one - 1)
            continue
        if done is None:
            return
        total.add(done[0])
        one_by_one = max(0, one_by_one - 1)
        if done[1] and not one_by_one:
            return


def _quarantine(tx: neo4j.ManagedTransaction, sequence: int, error: str) -> None:
    lock_feed(tx)
    quarantine(tx, sequence, error)


def _split(tx: neo4j.ManagedTransaction, sequence: int) -> int:
    lock_feed(tx)
    return split(tx, sequence)


def _mark_pending(tx: neo4j.ManagedTransaction, change: Change) -> None:
    lock_feed(tx)
    append_change(tx, change, pending=True)


def derive_everything(driver: neo4j.Driver, settings: Settings) -> RefreshSummary:
    """Start the read models afresh, mark every identity and interaction pending, then
    refresh: the repair path (every customer with an interaction is concerned, so every
    summary and corpus count is rebuilt from the graph's facts), also after a change of the
    consent policy's settings (every customer's flags are recomputed)."""
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        session.run(RESET_READ_MODELS).consume()
    recount(driver, settings.neo4j_database)
    identity_ids = [r["id"] for r in run_query(driver, settings, ALL_IDENTITY_IDS)]
    interaction_ids = [r["id"] for r in run_query(driver, settings,
                                                  ALL_INTERACTION_IDS)]
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        for start in range(0, max(len(identity_ids), len(interaction_ids)), IDS_PER_RECORD):
            change = Change(identities=set(identity_ids[start:start + IDS_PER_RECORD]),
                            interactions=set(interaction_ids[start:start + IDS_PER_RECORD]))
            session.execute_write(_mark_pending, change)
    return refresh(driver, settings)
