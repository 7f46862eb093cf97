"""An analyst's word on identity resolution: merge two customers, split an identity out.

Both add auditable links (``manual:merge`` with score 1, ``manual:split`` with score 0, which
vetoes every other link between the two identities) and then derive everything again, so the
graph, its cases, journeys, segments and the RDF mirror agree. The ``kg customers`` commands and
the API's admin routes both call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import neo4j

from kg.errors import KgError
from kg.graph import queries
from kg.graph.driver import run_query
from kg.loading.loader import derive_all
from kg.ontology.mapping import load_mapping
from kg.settings import Settings


class UnknownCustomer(KgError):
    """The customer id names no customer."""


class NotAnIdentityOf(KgError):
    """The identity to split out does not belong to the customer."""


@dataclass(frozen=True)
class ResolutionChange:
    """Where the identities went: customer ids derive from identities, so they may change."""

    customers: int
    customer_ids: dict[str, str]  # identity id -> its customer id after the change


def identities_of(driver: neo4j.Driver, settings: Settings, customer_id: str) -> list[str]:
    rows = run_query(driver, settings, queries.READ_IDENTITIES_OF_CUSTOMER,
                     {"customerId": customer_id})
    if not rows:
        raise UnknownCustomer(f"no customer {customer_id!r} (see GET /customers or the graph)")
    return [row["identityId"] for row in rows]


def _rederive(driver: neo4j.Driver, settings: Settings, identities: list[str]
              ) -> ResolutionChange:
    counts = derive_all(driver, settings, load_mapping())
    rows = run_query(driver, settings, queries.READ_CUSTOMERS_OF_IDENTITY_LIST,
                     {"identityIds": identities})
    return ResolutionChange(customers=counts["customers"],
                            customer_ids={r["identityId"]: r["customerId"] for r in rows})


def merge_customers(driver: neo4j.Driver, settings: Settings, first: str, second: str
                    ) -> ResolutionChange:
    """Declare two customers one: a manual:merge link between them, then derive again."""
    a = identities_of(driver, settings, first)[0]
    b = identities_of(driver, settings, second)[0]
    low, high = sorted((a, b))
    run_query(driver, settings, queries.MERGE_LINKS, {"rows": [
        {"from": low, "to": high, "rule": "manual:merge", "score": 1.0}]}, write=True)
    return _rederive(driver, settings, [a, b])


def split_identity(driver: neo4j.Driver, settings: Settings, customer_id: str, identity: str
                   ) -> ResolutionChange:
    """Take an identity out of a customer: manual:split links (score 0) veto every link."""
    members = identities_of(driver, settings, customer_id)
    if identity not in members:
        raise NotAnIdentityOf(f"{identity!r} is not an identity of {customer_id!r}: {members}")
    rows = [dict(zip(("from", "to"), sorted((identity, other)), strict=True),
                 rule="manual:split", score=0.0) for other in members if other != identity]
    if rows:
        run_query(driver, settings, queries.MERGE_LINKS, {"rows": rows}, write=True)
    return _rederive(driver, settings, members)
