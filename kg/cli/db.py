"""``kg db``: schema bootstrap and a write/read round trip against the configured Neo4j."""

from __future__ import annotations

import json
from typing import Final, LiteralString

import typer
from rich.console import Console

from kg.derivation.tallies import recount_unless_counted
from kg.graph.driver import create_driver, run_query
from kg.graph.schema import backfill_message_sentiment, init_schema, seed_reference_data
from kg.ingestion.identities import identity_id
from kg.ingestion.records import IdentityRef
from kg.ontology.mapping import load_mapping
from kg.settings import load_settings

# A customer with one identity, as written by the example of `kg db example`.
MERGE_CUSTOMER_WITH_IDENTITY: Final[LiteralString] = """
MERGE (c:Customer {customerId: $customerId})
SET c.displayName = $displayName
MERGE (i:Identity {identityId: $identityId})
SET i.identifierValue = $identifierValue, i.identityKind = $identityKind
MERGE (c)-[l:HAS_IDENTITY]->(i)
SET l.linkRule = $linkRule, l.linkScore = $linkScore
"""

READ_CUSTOMER_WITH_IDENTITIES: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[l:HAS_IDENTITY]->(i:Identity)
RETURN c.customerId AS customerId, c.displayName AS displayName,
       collect({identityId: i.identityId, identifierValue: i.identifierValue,
                linkRule: l.linkRule, linkScore: l.linkScore}) AS identities
"""


app = typer.Typer(no_args_is_help=True, help="Schema and checks on the configured Neo4j.")
console = Console(soft_wrap=True)


@app.command()
def init() -> None:
    """Apply the ontology's uniqueness constraints and indexes (idempotent)."""
    settings = load_settings()
    with create_driver(settings) as driver:
        report = init_schema(driver, settings, load_mapping())
        seeded = seed_reference_data(driver, settings)
        backfilled = backfill_message_sentiment(driver, settings)
        recounted = recount_unless_counted(driver, settings.neo4j_database,
                                           force=backfilled > 0)
    console.print(
        f"schema ready on {settings.neo4j_uri}: {len(report.constraints)} constraints, "
        f"{len(report.indexes)} indexes ({len(report.created)} created now); "
        f"{seeded} concepts and reference nodes"
        + (f"; message sentiment copied onto {backfilled} interactions loaded before it was "
           "a property" if backfilled else "")
        + (f"; tallies counted afresh ({recounted} nodes changed)"
           if recounted is not None else "")
    )


@app.command()
def example() -> None:
    """Write one example customer with an identity, read it back, print it as JSON."""
    settings = load_settings()
    email = IdentityRef(kind="email", value="ada@example.org")
    row = {
        "customerId": "example-customer-1", "displayName": "Ada Example",
        "identityId": identity_id(email), "identifierValue": email.value,
        "identityKind": email.kind, "linkRule": "record:example", "linkScore": 1.0,
    }
    with create_driver(settings) as driver:
        run_query(driver, settings, MERGE_CUSTOMER_WITH_IDENTITY, row, write=True)
        read = run_query(driver, settings, READ_CUSTOMER_WITH_IDENTITIES,
                         {"customerId": row["customerId"]})
    console.print_json(json.dumps(read[0]))
