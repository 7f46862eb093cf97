"""Writing one graph batch to Neo4j in one transaction, retried with backoff.

A batch is all or nothing: if Neo4j goes away mid-batch the transaction rolls back, the driver
retries the batch with exponential backoff for up to its retry time, and then the load stops
with a clear error. Nothing of a failed batch stays in the graph. A batch naming an identity
erased since it was prepared is refused whole
(:class:`~kg.ingestion.suppression.SuppressedMeanwhile`): an erased person never comes back
through a write that was already on its way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import neo4j

from kg.derivation.refresh import derive_pending
from kg.derivation.tallies import contributions, move
from kg.errors import GraphUnavailable
from kg.feed.changes import Change, append_change, lock_feed
from kg.feed.ids import installation_key
from kg.graph.driver import graph_errors
from kg.ingestion.rows import GraphBatch
from kg.ingestion.statements import BATCH_STATEMENTS
from kg.ingestion.suppression import refuse_suppressed
from kg.settings import Settings

# Node keys each batch statement writes (statement, row field, label): the batch's change
# record lists them so the RDF mirror exports exactly these nodes again.
TOUCHES: tuple[tuple[str, str, str], ...] = (
    ("channels", "channelId", "Channel"),
    ("interactions", "interactionId", "Interaction"),
    ("identities", "identityId", "Identity"),
    ("links", "from", "Identity"),
    ("consents", "consentId", "Consent"),
    ("replies", "interactionId", "Interaction"),
    ("replies", "parentId", "Interaction"),
    ("touchpoints", "touchpointId", "Touchpoint"),
    ("concept_mentions", "mentionId", "Mention"),
    ("concept_mentions", "conceptId", "Concept"),
    ("entity_mentions", "entityId", "Entity"),
    ("entity_mentions", "mentionId", "Mention"),
    ("identifier_mentions", "mentionId", "Mention"),
    ("opinions", "opinionId", "Opinion"),
    ("opinions", "conceptId", "Concept"),
    ("intents", "signalId", "Intent"),
    ("intents", "categoryId", "IntentCategory"),
    ("emotions", "signalId", "Emotion"),
    ("emotions", "categoryId", "EmotionCategory"),
)


def change_of(batch: GraphBatch) -> Change:
    """What a batch touches: nodes for the mirror, interactions and identities to derive."""
    change = Change()
    for statement, key, label in TOUCHES:
        change.touch(label, (row[key] for row in batch.rows.get(statement, [])))
    change.interactions = {row["interactionId"] for row in batch.rows.get("interactions", [])}
    change.identities = {row["identityId"] for row in batch.rows.get("identities", [])}
    return change


def _write(tx: neo4j.ManagedTransaction, batch: GraphBatch, key: bytes) -> int:
    lock_feed(tx)
    change = change_of(batch)
    refuse_suppressed(tx, key, change.identities)
    before = contributions(tx, change.interactions)  # of the interactions written again
    for name, statement in BATCH_STATEMENTS:
        rows = batch.rows.get(name)
        if not rows:
            continue
        result = tx.run(statement, rows=rows)
        if name == "derived":  # the derived facts it removed: the mirror drops them too
            for row in result:
                change.touch(row["label"], [row["key"]])
        else:
            result.consume()
    move(tx, contributions(tx, change.interactions).minus(before), change)
    return append_change(tx, change, pending=True)


def write_in(tx: neo4j.ManagedTransaction, batch: GraphBatch, key: bytes) -> int:
    """Write the batch and its change record in this transaction (the caller holds or takes
    the feed's lock and commits); returns the record's sequence number."""
    return _write(tx, batch, key)


def write_and_derive_in(tx: neo4j.ManagedTransaction, batch: GraphBatch, key: bytes,
                        settings: Settings) -> tuple[int, bool]:
    """Write the batch and derive the first pending records in this transaction (see
    :func:`write_and_derive`); the caller commits."""
    sequence = _write(tx, batch, key)
    derived = derive_pending(tx, key, settings, locked=True)
    return sequence, derived is not None and derived[1]


def write_batch(driver: neo4j.Driver, settings: Settings, batch: GraphBatch) -> int:
    """Write the batch and its change record; returns the record's sequence number."""
    sequence: int = _run(driver, settings, _write, batch, installation_key(settings))
    return sequence


def write_and_derive(driver: neo4j.Driver, settings: Settings, batch: GraphBatch
                     ) -> tuple[int, bool]:
    """Write the batch and derive it in the same transaction, saving a live write the second
    transaction a separate refresh costs (its session, lock and commit). Returns the
    record's sequence and whether every pending record was derived; when not (a backlog of
    other writers' records), :func:`kg.derivation.refresh.refresh` derives the rest. When
    deriving fails (:class:`~kg.derivation.quarantine.DerivationFailed`) nothing is written:
    the caller writes the batch alone and lets the refresh quarantine the failing record."""
    done: tuple[int, bool] = _run(driver, settings, write_and_derive_in, batch,
                                  installation_key(settings), settings)
    return done


def _run(driver: neo4j.Driver, settings: Settings, work: Callable[..., Any], *args: Any
         ) -> Any:
    """Run ``work`` in a write transaction. The driver retries it with exponential backoff
    while Neo4j is away or asks for a retry, for up to the driver's retry time (the one retry
    layer: :func:`kg.graph.driver.create_driver`); then the write stops with a clear error."""
    try:
        with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database
        ) as session:
            return session.execute_write(work, *args)
    except GraphUnavailable as error:
        raise GraphUnavailable(
            f"{error}; gave up after retrying for {settings.neo4j_retry_seconds:g} s "
            "(KG_NEO4J_RETRY_SECONDS). The batch was not written; run the same load again "
            "when Neo4j is back (it resumes safely)") from error
