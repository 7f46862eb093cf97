"""What the benchmark, soak and fault runs (and the integration tests) do to a graph of their
own: wipe it in small transactions, set it up again, count what it holds, and read who a set of
identities resolved to."""

from __future__ import annotations

import shutil
from typing import Final, LiteralString

import neo4j

from kg.graph.schema import init_schema, seed_reference_data
from kg.ontology.mapping import load_mapping
from kg.settings import Settings

# Removes everything in small transactions (relationships first, so no transaction holds a
# dense node's whole neighbourhood); each runs as an implicit (auto-commit) transaction.
DELETE_ALL_RELATIONSHIPS: Final[LiteralString] = """
MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
"""

DELETE_ALL: Final[LiteralString] = """
MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""

READ_CUSTOMER_OF_IDENTITIES: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity)
RETURN x.identityId AS identityId, c.customerId AS customerId
"""

COUNT_INTERACTIONS: Final[LiteralString] = "MATCH (i:Interaction) RETURN count(i) AS n"
COUNT_CUSTOMERS: Final[LiteralString] = "MATCH (c:Customer) RETURN count(c) AS n"
COUNT_SUMMARIES: Final[LiteralString] = "MATCH (s:CustomerSummary) RETURN count(s) AS n"


def wipe(driver: neo4j.Driver, settings: Settings) -> None:
    """Every node and relationship deleted; constraints and indexes stay."""
    with driver.session(database=settings.neo4j_database) as session:
        session.run(DELETE_ALL_RELATIONSHIPS).consume()
        session.run(DELETE_ALL).consume()


def reset_graph(driver: neo4j.Driver, settings: Settings, *, mirror: bool = False) -> None:
    """An empty graph with the schema and the reference data (``kg db init``); with
    ``mirror``, the RDF mirror's store removed too (the server builds it again)."""
    wipe(driver, settings)
    init_schema(driver, settings, load_mapping())
    seed_reference_data(driver, settings)
    if mirror:
        shutil.rmtree(settings.rdf_store, ignore_errors=True)


if __name__ == "__main__":  # python -m bench.graphs wipe: empty the graph of KG_NEO4J_URI
    import sys

    from kg.graph.driver import create_driver
    from kg.settings import load_settings

    if sys.argv[1:] != ["wipe"]:
        raise SystemExit("usage: python -m bench.graphs wipe")
    configured = load_settings()
    with create_driver(configured) as graph_driver:
        wipe(graph_driver, configured)
