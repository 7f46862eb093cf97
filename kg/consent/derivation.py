"""The consent step of the refresh path: analytics flags and the identity-linking policy.

Called inside the refresh path's transaction (:mod:`kg.derivation.refresh`,
:mod:`kg.derivation.identities`), so whatever changes a customer (a consent event, a merge, a
split, a new identity) changes what the enforcement predicate sees in the same commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, LiteralString

import neo4j

from kg.consent.models import ConsentEvent
from kg.consent.policy import analytics_flags, channel_of_identity, linking_permitted
from kg.feed.changes import Change
from kg.graph.queries import CONSENT_EVENTS
from kg.settings import Settings

# Every consent event of these customers (through any of their identities), with its channel.
CONSENT_EVENTS_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId, c.analyticsExcluded AS excluded, c.analyticsAllowedUntil AS allowedUntil,
       """ + CONSENT_EVENTS + """ AS events
"""

CONSENT_EVENTS_OF_IDENTITIES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (x:Identity {identityId: id})<-[:CONSENT_OF]-(e:Consent)
RETURN x.identityId AS identityId, e.consentId AS consentId, e.purpose AS purpose,
       e.consentStatus AS consentStatus, e.givenAt AS givenAt, e.expiresAt AS expiresAt,
       e.recordedAt AS recordedAt, e.consentSource AS consentSource,
       e.recordedBy AS recordedBy,
       [(e)-[:CONSENT_FOR_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channel
"""

CUSTOMERS_OF_IDENTITIES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity {identityId: id})
RETURN DISTINCT c.customerId AS customerId
"""

# What the enforcement predicate reads, maintained by the refresh path.
WRITE_CONSENT_FLAGS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
SET c.analyticsExcluded = row.excluded, c.analyticsAllowedUntil = row.allowedUntil
"""


def refresh_consent_flags(tx: neo4j.ManagedTransaction, customers: set[str],
                          settings: Settings, change: Change, *,
                          now: datetime | None = None) -> int:
    """Recompute ``analyticsExcluded`` / ``analyticsAllowedUntil`` of these customers from
    their consent events; only customers whose flags changed are rewritten (and mirrored)."""
    if not customers:
        return 0
    moment = now or datetime.now(UTC)
    rows = []
    for record in tx.run(CONSENT_EVENTS_OF_CUSTOMERS, customers=sorted(customers)):
        events = [ConsentEvent.from_row(event) for event in record["events"]]
        flags = analytics_flags(events, now=moment, settings=settings)
        old_until = record["allowedUntil"]
        old_until = old_until.to_native() if hasattr(old_until, "to_native") else old_until
        if record["excluded"] != flags.excluded or old_until != flags.allowed_until:
            rows.append({"customerId": record["customerId"], "excluded": flags.excluded,
                         "allowedUntil": flags.allowed_until})
    if rows:
        tx.run(WRITE_CONSENT_FLAGS, rows=rows).consume()
        change.touch("Customer", (row["customerId"] for row in rows))
    return len(rows)


def customers_of_identities(tx: neo4j.ManagedTransaction, identities: set[str]) -> set[str]:
    if not identities:
        return set()
    return {r["customerId"] for r in tx.run(CUSTOMERS_OF_IDENTITIES,
                                            ids=sorted(identities))}


def links_permitted_by_consent(tx: neo4j.ManagedTransaction, pairs: list[tuple[str, str]],
                               settings: Settings, *, now: datetime | None = None
                               ) -> set[tuple[str, str]]:
    """Of these identity pairs, those that may be linked: pairs on one channel always; pairs
    across channels when the identity_linking permission of both identities' events allows."""
    across = [(a, b) for a, b in pairs if channel_of_identity(a) != channel_of_identity(b)]
    ids = sorted({i for pair in across for i in pair})
    events: dict[str, list[ConsentEvent]] = {i: [] for i in ids}
    for row in tx.run(CONSENT_EVENTS_OF_IDENTITIES, ids=ids):
        events[row["identityId"]].append(ConsentEvent.from_row(dict(row)))
    moment = now or datetime.now(UTC)
    refused = {(a, b) for a, b in across if not linking_permitted(
        events[a] + events[b], now=moment, settings=settings)}
    return set(pairs) - refused
