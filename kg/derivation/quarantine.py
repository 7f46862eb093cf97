"""Quarantine: a change record whose derivation fails is set aside, and the feed goes on.

Derivation reads pending change records in sequence order. If one of them cannot be derived (a
value no rule foresaw, a bug), retrying it forever would stop every later write: each write
derives the pending records in its own transaction, and the refresh after a load or a consent
change would fail on the same record. So the refresh path (:func:`kg.derivation.refresh.refresh`)
narrows a failing group of records down to the one that fails alone; a record naming several
interactions, identities or customers (a load batch names up to a thousand) is split into one
pending record for each, so that only what fails is set aside; a record naming one is marked
quarantined with its error (no longer pending, kept out of pruning). Everything after it is
derived. The facts
the record wrote stay in the graph and in the mirror; what it would have derived waits.
``kg derive --check`` reports quarantined records, ``kg derive --quarantined`` lists them, and
``kg derive --retry`` marks them pending again once the cause is fixed (a record that still
fails is quarantined again, with its new error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, LiteralString

import neo4j
from neo4j import exceptions as neo4j_errors

from kg.feed.changes import LOCK_FEED, MARK_DERIVED, Change, append_change
from kg.graph.driver import graph_errors, run_query
from kg.settings import Settings

# A record whose derivation failed: set aside with its error (kg.derivation.quarantine), no
# longer pending, so the records after it are derived; kept until `kg derive --retry`.
QUARANTINE_CHANGE: Final[LiteralString] = """
MATCH (r:ChangeRecord {sequenceNumber: $sequence})
SET r.derivationPending = false, r.derivationQuarantined = true,
    r.derivationError = $error, r.quarantinedAt = datetime()
"""

READ_CHANGE_TO_DERIVE: Final[LiteralString] = """
MATCH (r:ChangeRecord {sequenceNumber: $sequence})
RETURN r.pendingInteractions AS interactions, r.pendingIdentities AS identities,
       r.pendingCustomers AS customers
"""

READ_QUARANTINED_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationQuarantined = true
RETURN r.sequenceNumber AS sequence, r.derivationError AS error,
       r.quarantinedAt AS quarantinedAt, coalesce(r.pendingInteractions, []) AS interactions,
       coalesce(r.pendingIdentities, []) AS identities,
       coalesce(r.pendingCustomers, []) AS customers
ORDER BY sequence
"""

RELEASE_QUARANTINED_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationQuarantined = true
SET r.derivationPending = true
REMOVE r.derivationQuarantined, r.derivationError, r.quarantinedAt
RETURN count(r) AS released
"""


# Errors that are not the record's fault: the server went away or asked for a retry. They
# propagate (the driver retries, or the caller reports Neo4j unavailable); nothing is
# quarantined for them.
NOT_THE_RECORDS_FAULT = (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired,
                         neo4j_errors.TransientError, OSError)
MAX_ERROR_CHARS = 2_000


class DerivationFailed(Exception):
    """Deriving these pending records failed for a reason of theirs (``cause``)."""

    def __init__(self, sequences: list[int], cause: BaseException, *, named: int) -> None:
        super().__init__(f"deriving change records {sequences[0]} to {sequences[-1]} failed: "
                         f"{describe(cause)}")
        self.sequences = sequences
        self.cause = cause
        self.named = named  # interactions, identities and customers the records name


@dataclass(frozen=True)
class Quarantined:
    """A change record set aside: what it names and why its derivation failed."""

    sequence: int
    error: str
    quarantined_at: datetime | None
    interactions: list[str]
    identities: list[str]
    customers: list[str]


def describe(error: BaseException) -> str:
    """The error as stored: its type and message, bounded."""
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "…"


def quarantine(tx: neo4j.ManagedTransaction, sequence: int, error: str) -> None:
    """Set one record aside (the caller holds the feed lock)."""
    tx.run(QUARANTINE_CHANGE, sequence=sequence, error=error).consume()


def split(tx: neo4j.ManagedTransaction, sequence: int) -> int:
    """Replace a pending record by one pending record per interaction, identity and customer
    it names (the caller holds the feed lock); returns how many. The new records name no node
    for the mirror: the original record's nodes were exported already, and derivation itself
    appends what it rewrites."""
    row = tx.run(READ_CHANGE_TO_DERIVE, sequence=sequence).single()
    if row is None:
        return 0
    parts = [Change(**{kind: {item}}) for kind in ("interactions", "identities", "customers")
             for item in row[kind] or []]
    for part in parts:
        append_change(tx, part, pending=True)
    tx.run(MARK_DERIVED, sequences=[sequence]).consume()
    return len(parts)


def quarantined(driver: neo4j.Driver, settings: Settings) -> list[Quarantined]:
    """Every quarantined record, in sequence order: the derivation's dead-letter list."""
    return [Quarantined(sequence=int(r["sequence"]), error=str(r["error"]),
                        quarantined_at=_native(r["quarantinedAt"]),
                        interactions=list(r["interactions"]), identities=list(r["identities"]),
                        customers=list(r["customers"]))
            for r in run_query(driver, settings, READ_QUARANTINED_CHANGES)]


def release(driver: neo4j.Driver, settings: Settings) -> int:
    """Mark every quarantined record pending again; returns how many."""
    def work(tx: neo4j.ManagedTransaction) -> int:
        tx.run(LOCK_FEED).consume()
        row = tx.run(RELEASE_QUARANTINED_CHANGES).single()
        return int(row["released"]) if row else 0

    with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database) as session:
        released: int = session.execute_write(work)
    return released


def _native(value: object) -> datetime | None:
    native = value.to_native() if hasattr(value, "to_native") else value
    return native if isinstance(native, datetime) else None
