"""An analyst's word on identity resolution: merge two customers, split an identity out.

Both write auditable ``LINKED_WITH`` evidence (``manual:merge``, score 1; ``manual:split``,
score 0, which vetoes every other link between the pair) with a change record that marks the
identities for derivation, then run the refresh path, which resolves them again (and the cases,
journeys and segments that follow). The ``kg customers`` commands, the API's admin routes and
merge suggestions all call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, LiteralString

import neo4j

from kg.derivation.refresh import refresh
from kg.errors import KgError
from kg.feed.changes import Change, append_change, lock_feed
from kg.graph.driver import graph_errors, run_query
from kg.ingestion.statements import MERGE_LINKS
from kg.settings import Settings

COUNT_CUSTOMERS: Final[LiteralString] = "MATCH (c:Customer) RETURN count(c) AS n"

READ_IDENTITIES_OF_CUSTOMER: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(x:Identity)
RETURN x.identityId AS identityId ORDER BY identityId
"""

READ_CUSTOMERS_OF_IDENTITY_LIST: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity) WHERE x.identityId IN $identityIds
RETURN x.identityId AS identityId, c.customerId AS customerId
"""


class UnknownCustomer(KgError):
    """The customer id names no customer."""


class NotAnIdentityOf(KgError):
    """The identity to split out does not belong to the customer."""


@dataclass(frozen=True)
class ResolutionChange:
    """Where the identities went: customer ids derive from identities, so they may change."""

    customers: int
    customer_ids: dict[str, str]  # identity id -> its customer id after the change
    sequence: int  # the change's number in the change feed


def identities_of(driver: neo4j.Driver, settings: Settings, customer_id: str) -> list[str]:
    rows = run_query(driver, settings, READ_IDENTITIES_OF_CUSTOMER,
                     {"customerId": customer_id})
    if not rows:
        raise UnknownCustomer(f"no customer {customer_id!r} (see GET /customers or the graph)")
    return [row["identityId"] for row in rows]


def _link(tx: neo4j.ManagedTransaction, rows: list[dict[str, object]]) -> int:
    lock_feed(tx)
    tx.run(MERGE_LINKS, rows=rows).consume()
    change = Change(identities={str(r["from"]) for r in rows} | {str(r["to"]) for r in rows})
    change.touch("Identity", (str(r["from"]) for r in rows))
    return append_change(tx, change, pending=True)


def link_identities(driver: neo4j.Driver, settings: Settings, rows: list[dict[str, object]]
                    ) -> int:
    """Write an analyst's links between identities with their change record; returns the
    change's sequence number (the refresh path resolves them)."""
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        return session.execute_write(_link, rows)


def _resolved(driver: neo4j.Driver, settings: Settings, identities: list[str], sequence: int
              ) -> ResolutionChange:
    refresh(driver, settings)
    rows = run_query(driver, settings, READ_CUSTOMERS_OF_IDENTITY_LIST,
                     {"identityIds": identities})
    customers = run_query(driver, settings, COUNT_CUSTOMERS)[0]["n"]
    return ResolutionChange(customers=customers, sequence=sequence,
                            customer_ids={r["identityId"]: r["customerId"] for r in rows})


def merge_customers(driver: neo4j.Driver, settings: Settings, first: str, second: str
                    ) -> ResolutionChange:
    """Declare two customers one: a manual:merge link between them, then refresh."""
    a = identities_of(driver, settings, first)[0]
    b = identities_of(driver, settings, second)[0]
    low, high = sorted((a, b))
    sequence = link_identities(driver, settings, [
        {"from": low, "to": high, "rule": "manual:merge", "score": 1.0}])
    return _resolved(driver, settings, [a, b], sequence)


def split_identity(driver: neo4j.Driver, settings: Settings, customer_id: str, identity: str
                   ) -> ResolutionChange:
    """Take an identity out of a customer: manual:split links (score 0) veto every link."""
    members = identities_of(driver, settings, customer_id)
    if identity not in members:
        raise NotAnIdentityOf(f"{identity!r} is not an identity of {customer_id!r}: {members}")
    rows: list[dict[str, object]] = [
        dict(zip(("from", "to"), sorted((identity, other)), strict=True),
             rule="manual:split", score=0.0) for other in members if other != identity]
    sequence = link_identities(driver, settings, rows) if rows else 0
    return _resolved(driver, settings, members, sequence)
