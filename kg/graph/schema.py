"""Applying the ontology's uniqueness constraints and indexes to a Neo4j database."""

from __future__ import annotations

from dataclasses import dataclass

import neo4j

from kg.graph import queries
from kg.graph.driver import graph_errors, run_query
from kg.ontology.mapping import Constraint, GraphMapping, Index
from kg.settings import Settings


@dataclass(frozen=True)
class SchemaReport:
    constraints: list[str]
    indexes: list[str]
    created: list[str]


def init_schema(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping) -> SchemaReport:
    """Create what is missing; running it again creates nothing."""
    before = _existing_names(driver, settings)
    statements: list[Constraint | Index] = [*mapping.constraints, *mapping.indexes]
    with graph_errors(settings.neo4j_uri), driver.session(database=settings.neo4j_database) as s:
        for item in statements:
            # Schema statements take no parameters; names come from the ontology, checked
            # against a strict identifier pattern when the mapping was built.
            s.run(item.cypher).consume()
    after = _existing_names(driver, settings)
    return SchemaReport(
        constraints=[c.name for c in mapping.constraints],
        indexes=[i.name for i in mapping.indexes],
        created=sorted(after - before),
    )


def _existing_names(driver: neo4j.Driver, settings: Settings) -> set[str]:
    rows = run_query(driver, settings, queries.SHOW_CONSTRAINTS)
    rows += run_query(driver, settings, queries.SHOW_INDEXES)
    return {row["name"] for row in rows}
