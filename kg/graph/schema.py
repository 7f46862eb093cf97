"""Applying the ontology's uniqueness constraints and indexes to a Neo4j database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, LiteralString

import neo4j
from rdflib import RDF, URIRef

from kg.feed.changes import Change, append_change, lock_feed
from kg.graph.driver import graph_errors, run_query
from kg.graph.search_indexes import (
    GROUP_INDEX,
    SEARCH_INDEX_STATEMENTS,
    TEXT_INDEX,
    VECTOR_INDEX,
)
from kg.ontology.files import OntologyFiles, default_ontology_dir, load_vocabulary
from kg.ontology.mapping import Constraint, GraphMapping, Index, local_name
from kg.ontology.namespaces import CKC, CKG, SKOS
from kg.settings import Settings

SHOW_CONSTRAINTS: Final[LiteralString] = (
    "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN name, labelsOrTypes, properties"
)

SHOW_INDEXES: Final[LiteralString] = (
    "SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
    "WHERE type IN ['RANGE', 'VECTOR', 'FULLTEXT'] RETURN name, labelsOrTypes, properties"
)

MERGE_CONCEPTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (k:Concept {conceptId: row.conceptId})
SET k.prefLabel = row.prefLabel
"""

MERGE_BROADER: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (k:Concept {conceptId: row.conceptId})
MERGE (b:Concept {conceptId: row.broader})
MERGE (k)-[:BROADER]->(b)
"""

MERGE_REFERENCE_NODES: Final[LiteralString] = """
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.label = 'Segment'
  MERGE (n:Segment {segmentId: row.key}) SET n.prefLabel = row.prefLabel
  UNION
  WITH row WHERE row.label = 'EmotionCategory'
  MERGE (n:EmotionCategory {categoryId: row.key}) SET n.prefLabel = row.prefLabel
  UNION
  WITH row WHERE row.label = 'IntentCategory'
  MERGE (n:IntentCategory {categoryId: row.key}) SET n.prefLabel = row.prefLabel
  UNION
  WITH row WHERE row.label = 'JourneyStage'
  MERGE (n:JourneyStage {stageId: row.key}) SET n.prefLabel = row.prefLabel
}
"""

# Graphs loaded before message sentiment was a property of the interaction: copy it from the
# whole-message opinion (the one about no aspect), a bounded number of interactions at a time.
BACKFILL_MESSAGE_SENTIMENT: Final[LiteralString] = """
MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)
WHERE i.sentimentLabel IS NULL AND o.polarity IS NOT NULL AND NOT (o)-[:ABOUT_ASPECT]->()
WITH i, o LIMIT $limit
SET i.sentimentLabel = o.polarity, i.sentimentScore = o.polarityScore
RETURN i.interactionId AS interactionId
"""


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
        for statement in SEARCH_INDEX_STATEMENTS:
            s.run(statement).consume()
    after = _existing_names(driver, settings)
    return SchemaReport(
        constraints=[c.name for c in mapping.constraints],
        indexes=[*(i.name for i in mapping.indexes), VECTOR_INDEX, TEXT_INDEX, GROUP_INDEX],
        created=sorted(after - before),
    )


def _existing_names(driver: neo4j.Driver, settings: Settings) -> set[str]:
    rows = run_query(driver, settings, SHOW_CONSTRAINTS)
    rows += run_query(driver, settings, SHOW_INDEXES)
    return {row["name"] for row in rows}


def seed_reference_data(driver: neo4j.Driver, settings: Settings) -> int:
    """Concepts with their hierarchy, and the segment, emotion, intent and stage individuals."""
    graph = load_vocabulary(OntologyFiles(default_ontology_dir()))
    concepts = sorted(c for c in graph.subjects(RDF.type, SKOS.Concept)
                      if isinstance(c, URIRef) and str(c).startswith(str(CKC)))
    concept_rows = [{"conceptId": local_name(c), "prefLabel": str(graph.value(c, SKOS.prefLabel))}
                    for c in concepts]
    broader_rows = [{"conceptId": local_name(c), "broader": local_name(b)}
                    for c in concepts for b in graph.objects(c, SKOS.broader)]
    keys = {"Segment": CKG.segmentId, "EmotionCategory": CKG.categoryId,
            "IntentCategory": CKG.categoryId, "JourneyStage": CKG.stageId}
    reference_rows = [{"label": label, "key": str(graph.value(s, key)),
                       "prefLabel": str(graph.value(s, CKG.prefLabel))}
                      for label, key in keys.items() for s in graph.subjects(RDF.type, CKG[label])]
    change = Change()
    change.touch("Concept", (row["conceptId"] for row in concept_rows))
    for row in reference_rows:
        change.touch(row["label"], [row["key"]])

    def write(tx: neo4j.ManagedTransaction) -> None:
        lock_feed(tx)
        for statement, rows in ((MERGE_CONCEPTS, concept_rows),
                                (MERGE_BROADER, broader_rows),
                                (MERGE_REFERENCE_NODES, reference_rows)):
            tx.run(statement, rows=rows).consume()
        append_change(tx, change, pending=False)

    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        session.execute_write(write)
    return len(concept_rows) + len(reference_rows)


def backfill_message_sentiment(driver: neo4j.Driver, settings: Settings,
                               batch: int = 10_000) -> int:
    """Give interactions of a graph loaded before ``sentimentLabel`` / ``sentimentScore``
    existed their message-level sentiment, from their whole-message opinion; each batch is one
    transaction with its change record, so the RDF mirror follows. Returns how many were set."""
    def write(tx: neo4j.ManagedTransaction) -> int:
        lock_feed(tx)
        ids = [row["interactionId"]
               for row in tx.run(BACKFILL_MESSAGE_SENTIMENT, limit=batch)]
        if ids:
            change = Change()
            change.touch("Interaction", ids)
            append_change(tx, change, pending=False)
        return len(ids)

    total = 0
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        while done := session.execute_write(write):
            total += done
    return total
