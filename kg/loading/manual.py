"""An analyst's word on identity resolution: merge two customers, split an identity out.

Both write ``LINKED_WITH`` evidence (``manual:merge``, score 1; ``manual:split``, score 0, which
vetoes every other link between the pair) with a change record that marks the identities and
customers for derivation; the refresh path then resolves them again.
"""

from __future__ import annotations

import neo4j

from kg.derivation.changes import Change, append_change, lock_feed
from kg.errors import ConfigError
from kg.graph import queries
from kg.graph.driver import graph_errors, run_query
from kg.settings import Settings


def identities_of(driver: neo4j.Driver, settings: Settings, customer_id: str) -> list[str]:
    rows = run_query(driver, settings, queries.READ_IDENTITIES_OF_CUSTOMER,
                     {"customerId": customer_id})
    if not rows:
        raise ConfigError(f"no customer {customer_id!r} (see GET /customers or the graph)")
    return [row["identityId"] for row in rows]


def _link(tx: neo4j.ManagedTransaction, rows: list[dict[str, object]], customers: set[str]
          ) -> int:
    lock_feed(tx)
    tx.run(queries.MERGE_LINKS, rows=rows).consume()
    change = Change(identities={str(r["from"]) for r in rows} | {str(r["to"]) for r in rows},
                    customers=customers)
    change.touch("Identity", (str(r["from"]) for r in rows))
    return append_change(tx, change, pending=True)


def link_identities(driver: neo4j.Driver, settings: Settings, rows: list[dict[str, object]]
                    ) -> int:
    """Write an analyst's links between identities (and their change record); the refresh
    path resolves them. Returns the change's sequence number."""
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        return session.execute_write(_link, rows, set())


def merge_customers(driver: neo4j.Driver, settings: Settings, first: str, second: str) -> int:
    """Declare two customers one; returns the change's sequence number."""
    a = identities_of(driver, settings, first)[0]
    b = identities_of(driver, settings, second)[0]
    if first == second:
        raise ConfigError(f"{first!r} is one customer already")
    low, high = sorted((a, b))
    rows: list[dict[str, object]] = [{"from": low, "to": high, "rule": "manual:merge",
                                      "score": 1.0}]
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        return session.execute_write(_link, rows, {first, second})


def split_identity(driver: neo4j.Driver, settings: Settings, customer_id: str,
                   identity: str) -> int:
    """Take an identity out of a customer; returns the change's sequence number."""
    members = identities_of(driver, settings, customer_id)
    if identity not in members:
        raise ConfigError(f"{identity!r} is not an identity of {customer_id!r}: {members}")
    rows: list[dict[str, object]] = [
        dict(zip(("from", "to"), sorted((identity, other)), strict=True),
             rule="manual:split", score=0.0) for other in members if other != identity]
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        return session.execute_write(_link, rows, {customer_id})
