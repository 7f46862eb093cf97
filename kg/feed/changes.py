"""Change records: what one write touched, written in the same transaction as the write.

A change record carries three kinds of lists. ``touchedNodes`` (``Label:key``) tells the RDF
mirror which nodes to export again, whole; ``touchedEdges`` (``TYPE>Label:key``) names nodes of
which only the outgoing relationships of one type changed, so the mirror rewrites just those (a
segment sweep can move a hundred thousand customers, and rewriting every one of them whole would
cost the mirror minutes); ``pending*`` tells derivation which interactions, identities and
customers still need their customers, cases, journeys and segments refreshed. Every write
transaction first locks the feed head (:data:`LOCK_FEED`), so writes commit
one at a time and sequence numbers follow commit order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, LiteralString

import neo4j

# Every write transaction starts by locking the feed head, so writes commit one after another
# and sequence numbers follow commit order; it ends by appending its change record.
LOCK_FEED: Final[LiteralString] = """
MERGE (f:ChangeFeed {feedId: 'main'})
WITH f CALL apoc.lock.nodes([f])
RETURN f.lastSequence AS last
"""

APPEND_CHANGE: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'})
SET f.lastSequence = coalesce(f.lastSequence, 0) + 1
CREATE (r:ChangeRecord {sequenceNumber: f.lastSequence, touchedNodes: $nodes,
        touchedEdges: $edges,
        pendingInteractions: $interactions, pendingIdentities: $identities,
        pendingCustomers: $customers, derivationPending: $pending, committedAt: datetime()})
RETURN r.sequenceNumber AS sequence
"""

LAST_SEQUENCE: Final[LiteralString] = """
OPTIONAL MATCH (f:ChangeFeed {feedId: 'main'})
RETURN coalesce(f.lastSequence, 0) AS last
"""

MARK_DERIVED: Final[LiteralString] = """
UNWIND $sequences AS sequence
MATCH (r:ChangeRecord {sequenceNumber: sequence})
SET r.derivationPending = false
"""


# Bookkeeping and read models derived from facts the mirror already holds: a customer's
# summary, corpus counts and similarity buckets would only repeat those facts in another form.
NOT_MIRRORED = frozenset({"ChangeFeed", "ChangeRecord", "Suppression", "CustomerSummary",
                          "CorpusCount", "SimilarityBucket"})


def node_key(label: str, key: str) -> str:
    """``Label:key``; labels never contain a colon, keys may."""
    return f"{label}:{key}"


def split_node_key(value: str) -> tuple[str, str]:
    label, _, key = value.partition(":")
    return label, key


def edge_key(relationship: str, label: str, key: str) -> str:
    """``TYPE>Label:key``: this node's outgoing ``TYPE`` relationships (types hold no ``>``)."""
    return f"{relationship}>{node_key(label, key)}"


def split_edge_key(value: str) -> tuple[str, str, str]:
    relationship, _, node = value.partition(">")
    return (relationship, *split_node_key(node))


@dataclass
class Change:
    """What one write did: nodes to mirror again, and what derivation must look at."""

    nodes: set[str] = field(default_factory=set)
    edges: set[str] = field(default_factory=set)
    interactions: set[str] = field(default_factory=set)
    identities: set[str] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)

    def touch(self, label: str, keys: Iterable[str | None]) -> None:
        self.nodes.update(node_key(label, key) for key in keys if key is not None)

    def touch_edges(self, label: str, keys: Iterable[str], relationship: str) -> None:
        """Only these nodes' outgoing ``relationship`` edges changed (not their properties)."""
        self.edges.update(edge_key(relationship, label, key) for key in keys)

    def update(self, other: Change) -> None:
        self.nodes |= other.nodes
        self.edges |= other.edges
        self.interactions |= other.interactions
        self.identities |= other.identities
        self.customers |= other.customers

    @property
    def needs_derivation(self) -> bool:
        return bool(self.interactions or self.identities or self.customers)


def lock_feed(tx: neo4j.ManagedTransaction) -> None:
    """Serialise this transaction with every other write (held until commit)."""
    tx.run(LOCK_FEED).consume()


def append_change(tx: neo4j.ManagedTransaction, change: Change, *, pending: bool) -> int:
    """Write the change record of this transaction; returns its sequence number."""
    record = tx.run(APPEND_CHANGE, nodes=sorted(change.nodes),
                    edges=sorted(change.edges),
                    interactions=sorted(change.interactions),
                    identities=sorted(change.identities), customers=sorted(change.customers),
                    pending=pending).single()
    assert record is not None
    return int(record["sequence"])
