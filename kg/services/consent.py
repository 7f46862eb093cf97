"""Consent use cases, one function each, called by both the ``kg consent`` commands and the API.

A consent change is a write like any other: it locks the change feed, writes the event (kept as
history) and appends a change record naming the event node (for the RDF mirror) and the customer
(for derivation). The refresh path then recomputes the customer's analytics flags, which the
enforcement predicate of :mod:`kg.consent.policy` reads, so every aggregate follows at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, LiteralString

import neo4j

from kg.consent.derivation import CONSENT_EVENTS_OF_CUSTOMERS
from kg.consent.models import CONSENT_WITHDRAWAL_INTENT, PURPOSES, ConsentChange, ConsentEvent
from kg.consent.policy import Decision, current, decide
from kg.consent.rows import consent_row
from kg.derivation.refresh import refresh
from kg.errors import KgError
from kg.feed.changes import LAST_SEQUENCE, Change, append_change, lock_feed
from kg.graph.driver import graph_errors, run_query
from kg.graph.queries import CONSENT_SUGGESTION
from kg.ingestion.rows import CHANNEL_LABELS, CUSTOMER_CHOSEN
from kg.ingestion.statements import MERGE_CHANNELS, MERGE_CONSENTS
from kg.ontology.mapping import load_mapping
from kg.services.merge_split import NotAnIdentityOf, identities_of
from kg.settings import Settings

# Messages that asked to stop contact or delete data (the consent-withdrawal intent) that no
# consent event has confirmed yet: evidence for a person, never a change by itself.
CONSENT_SUGGESTIONS: Final[LiteralString] = """
MATCH (i:Interaction)-[:HAS_INTENT]->(s:Intent)-[:INTENT_CATEGORY]->
      (:IntentCategory {categoryId: $category})
MATCH (i)-[:AUTHORED_BY]->(x:Identity)<-[:HAS_IDENTITY]-(c:Customer)
WHERE ($customerId IS NULL OR c.customerId = $customerId)
  AND NOT EXISTS { MATCH (e:Consent {evidenceInteractionId: i.interactionId}) }
WITH c, x, i, s ORDER BY i.occurredAt DESC, i.interactionId
WITH collect(""" + CONSENT_SUGGESTION + """) AS found
RETURN size(found) AS total, found[$skip..$skip + $limit] AS items
"""

READ_INTERACTION_AUTHOR: Final[LiteralString] = """
MATCH (i:Interaction {interactionId: $interactionId})-[:AUTHORED_BY]->(x:Identity)
      <-[:HAS_IDENTITY]-(c:Customer)
RETURN x.identityId AS identityId, c.customerId AS customerId
"""


SUGGESTIONS_PER_CUSTOMER = 100  # pending suggestions listed with a customer's permissions


class InvalidConsent(KgError):
    """A consent change names an unknown channel or an interaction that is not the
    customer's."""


@dataclass(frozen=True)
class RecordedConsent:
    consent_id: str
    customer_id: str
    identity_id: str
    sequence: int  # the change's number in the change feed
    settled: int  # the last change after the refresh path ran (what the mirror must reach)


@dataclass
class CustomerConsents:
    """A customer's permissions: the decision per purpose, the current event per purpose and
    channel, every event (newest first) and the messages still waiting for a person."""

    customer_id: str
    decisions: list[Decision] = field(default_factory=list)
    current: list[ConsentEvent] = field(default_factory=list)
    history: list[ConsentEvent] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)


def _write(tx: neo4j.ManagedTransaction, customer_id: str, row: dict[str, Any],
           channel_row: dict[str, Any] | None) -> int:
    lock_feed(tx)
    change = Change(customers={customer_id})
    if channel_row is not None:
        tx.run(MERGE_CHANNELS, rows=[channel_row]).consume()
        change.touch("Channel", [channel_row["channelId"]])
    tx.run(MERGE_CONSENTS, rows=[row]).consume()
    change.touch("Consent", [row["consentId"]])
    return append_change(tx, change, pending=True)


def _channel_row(channel: str | None) -> dict[str, Any] | None:
    if channel is None:
        return None
    if channel not in CHANNEL_LABELS:
        raise InvalidConsent(f"channel: unknown channel {channel!r}; known: "
                             f"{', '.join(sorted(CHANNEL_LABELS))}")
    return {"channelId": channel, "companyOwned": channel not in CUSTOMER_CHOSEN,
            "labels": load_mapping().labels_of(CHANNEL_LABELS[channel])}


def _identity_for(driver: neo4j.Driver, settings: Settings, customer_id: str,
                  change: ConsentChange) -> str:
    members = identities_of(driver, settings, customer_id)
    if change.evidence_interaction_id is not None:
        authors = run_query(driver, settings, READ_INTERACTION_AUTHOR,
                            {"interactionId": change.evidence_interaction_id})
        if not authors or authors[0]["customerId"] != customer_id:
            raise InvalidConsent(f"evidence_interaction_id: "
                                 f"{change.evidence_interaction_id!r} is not a message of "
                                 f"customer {customer_id!r}")
        if change.identity_id is None:
            return str(authors[0]["identityId"])
    if change.identity_id is None:
        return members[0]  # the identity the customer id derives from
    if change.identity_id not in members:
        raise NotAnIdentityOf(f"identity_id: {change.identity_id!r} is not an identity of "
                              f"{customer_id!r}: {members}")
    return change.identity_id


def record_consent(driver: neo4j.Driver, settings: Settings, customer_id: str,
                   change: ConsentChange, *, now: datetime | None = None) -> RecordedConsent:
    """Record one consent decision of a customer, then run the refresh path."""
    identity = _identity_for(driver, settings, customer_id, change)
    channel_row = _channel_row(change.channel)
    given_at = change.given_at or (now or datetime.now(UTC))
    if change.expires_at is not None and change.expires_at <= given_at:
        raise InvalidConsent("expires_at: must be after given_at")
    row = consent_row(identity_id=identity, purpose=change.purpose, status=change.status,
                      channel=change.channel, given_at=given_at, expires_at=change.expires_at,
                      source=change.source, evidence=change.evidence,
                      recorded_by=change.recorded_by,
                      evidence_interaction_id=change.evidence_interaction_id)
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        sequence = session.execute_write(_write, customer_id, row, channel_row)
    refresh(driver, settings)
    settled = int(run_query(driver, settings, LAST_SEQUENCE)[0]["last"])
    return RecordedConsent(consent_id=row["consentId"], customer_id=customer_id,
                           identity_id=identity, sequence=sequence, settled=settled)


def events_of(driver: neo4j.Driver, settings: Settings, customer_id: str
              ) -> list[ConsentEvent]:
    rows = run_query(driver, settings, CONSENT_EVENTS_OF_CUSTOMERS,
                     {"customers": [customer_id]})
    if not rows:
        identities_of(driver, settings, customer_id)  # raises UnknownCustomer
        return []
    return history_of(rows[0]["events"])


def history_of(event_rows: list[dict[str, Any]]) -> list[ConsentEvent]:
    """Consent events as read from the graph, newest first (the history's one order)."""
    events = [ConsentEvent.from_row(event) for event in event_rows]
    return sorted(events, key=lambda e: (e.given_at, e.consent_id), reverse=True)


def contactable(driver: neo4j.Driver, settings: Settings, customer_id: str, purpose: str,
                channel: str | None, *, now: datetime | None = None) -> Decision:
    """May the customer be contacted (or their data used) for a purpose on a channel?"""
    if channel is not None:
        _channel_row(channel)
    return decide(events_of(driver, settings, customer_id), purpose, channel,
                  now=now or datetime.now(UTC), settings=settings)


def customer_consents(driver: neo4j.Driver, settings: Settings, customer_id: str, *,
                      now: datetime | None = None) -> CustomerConsents:
    """Everything ``GET /customers/{id}/consents`` and ``kg consent show`` list about a
    customer's permissions (the 360° view reads the same inputs in its own query)."""
    events = events_of(driver, settings, customer_id)
    suggestions = consent_suggestions(driver, settings, customer_id=customer_id,
                                      limit=SUGGESTIONS_PER_CUSTOMER)[1]
    return consents_from(customer_id, events, suggestions, settings=settings, now=now)


def consents_from(customer_id: str, events: list[ConsentEvent],
                  suggestions: list[dict[str, Any]], *, settings: Settings,
                  now: datetime | None = None) -> CustomerConsents:
    """The policy's decisions over a customer's events (newest first), whichever query read
    them: the one place a customer's permissions are put together."""
    moment = now or datetime.now(UTC)
    return CustomerConsents(
        customer_id=customer_id,
        decisions=[decide(events, purpose, None, now=moment, settings=settings)
                   for purpose in PURPOSES],
        current=current(events), history=events, suggestions=suggestions)


def consent_suggestions(driver: neo4j.Driver, settings: Settings, *,
                        customer_id: str | None = None, offset: int = 0, limit: int = 50
                        ) -> tuple[int, list[dict[str, Any]]]:
    """Messages that ask to stop contact or delete data, not yet confirmed by a consent event:
    (total, one page), newest first."""
    [row] = run_query(driver, settings, CONSENT_SUGGESTIONS,
                      {"category": CONSENT_WITHDRAWAL_INTENT, "customerId": customer_id,
                       "skip": offset, "limit": limit})
    items = [{k: (v.to_native() if hasattr(v, "to_native") else v) for k, v in item.items()}
             for item in row["items"]]
    return int(row["total"]), items
