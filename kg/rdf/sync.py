"""The mirror writer: applies the change feed to a sink, in order, from its watermark.

Each step reads the change records after the sink's watermark, exports the current state of
every node they name from Neo4j, and sends the sink one SPARQL Update that removes what the
mirror says about those nodes (their triples, the reified statements of their relationships, and
for deleted nodes what other nodes say about them), inserts their current triples, and moves the
watermark: all or nothing. Nodes of which a record names only one relationship type (a segment
sweep, a regrouping of cases) have just those relationships removed and exported again.
Because it exports current state, applying a record twice changes nothing, so a crash between
Neo4j and the mirror is recovered by applying again from the watermark. If the feed no longer
holds the records after the watermark (pruned), the sink is rebuilt whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, LiteralString

import neo4j

from kg.feed.changes import LAST_SEQUENCE, split_edge_key, split_node_key
from kg.graph.driver import graph_errors, run_query
from kg.ontology.mapping import GraphMapping
from kg.rdf.mirror import (
    DATA_GRAPH,
    MirrorCheck,
    compare,
    digest,
    edge_quads,
    export_all,
    mirrored_keys,
    node_quads,
)
from kg.rdf.sink import MirrorSink, OxigraphSink, watermark_update
from kg.rdf.terms import RDF_OBJECT, RDF_PREDICATE, RDF_SUBJECT
from kg.settings import Settings

READ_CHANGES_AFTER: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.sequenceNumber > $after
RETURN r.sequenceNumber AS sequence, r.touchedNodes AS nodes,
       coalesce(r.touchedEdges, []) AS edges, r.holdsErasedKeys IS NOT NULL AS erasure
ORDER BY sequence LIMIT $limit
"""

# Once the mirror has applied an erasure's record, its lists of removed nodes are emptied:
# the feed keeps no key of an erased person (kg.rdf.sync.prune_applied).
EMPTY_APPLIED_ERASURE_RECORDS: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.holdsErasedKeys = true AND r.sequenceNumber <= $applied
SET r.touchedNodes = [], r.touchedEdges = []
REMOVE r.holdsErasedKeys
"""

# Records the mirror has applied and derivation has consumed are no longer needed (a
# quarantined record waits for its retry).
PRUNE_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.sequenceNumber <= $upTo AND r.derivationPending = false
      AND r.derivationQuarantined IS NULL
WITH r LIMIT 10000
DELETE r
RETURN count(*) AS pruned
"""

# The current state of some nodes, each found by its keyed label: labels, properties and
# outgoing relationships (with the end node's keyed labels and key), only those of ``row.type``
# when the row names one. One UNION branch per keyed label keeps every lookup on its uniqueness
# constraint; a unit test checks the branches cover every keyed label of the ontology. A node
# that no longer exists returns no row. An interaction's embedding is not mirrored: not read.
EXPORT_THESE_NODES: Final[LiteralString] = """
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.label = 'Customer'
  MATCH (n:Customer {customerId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Identity'
  MATCH (n:Identity {identityId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Consent'
  MATCH (n:Consent {consentId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'AnalystLabel'
  MATCH (n:AnalystLabel {labelId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Segment'
  MATCH (n:Segment {segmentId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Channel'
  MATCH (n:Channel {channelId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Touchpoint'
  MATCH (n:Touchpoint {touchpointId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Interaction'
  MATCH (n:Interaction {interactionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Case'
  MATCH (n:Case {caseId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'QuestionGroup'
  MATCH (n:QuestionGroup {groupId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Journey'
  MATCH (n:Journey {journeyId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'JourneyStage'
  MATCH (n:JourneyStage {stageId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'JourneyEvent'
  MATCH (n:JourneyEvent {journeyEventId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Concept'
  MATCH (n:Concept {conceptId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Entity'
  MATCH (n:Entity {entityId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Mention'
  MATCH (n:Mention {mentionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Opinion'
  MATCH (n:Opinion {opinionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Emotion'
  MATCH (n:Emotion {emotionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'EmotionCategory'
  MATCH (n:EmotionCategory {categoryId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'IntentCategory'
  MATCH (n:IntentCategory {categoryId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Intent'
  MATCH (n:Intent {intentId: row.key}) RETURN n
}
RETURN row.label AS label, row.key AS key, row.type AS type, labels(n) AS labels,
       n {.*, embedding: null, centroid: null} AS props,
       [(n)-[r]->(m) WHERE (row.type IS NULL OR type(r) = row.type)
                         AND any(l IN labels(m) WHERE l IN $keyed)
        | {type: type(r), props: properties(r), endLabels: labels(m),
           endKey: m[$keyOf[[l IN labels(m) WHERE l IN $keyed][0]]]}] AS edges
"""


RECORDS_PER_STEP = 50
NODES_PER_EXPORT = 5_000
# A step takes records until they name this many nodes and edges (a record is never split).
NODES_PER_STEP = 20_000
KEEP_APPLIED = 1_000  # change records kept behind the watermark, for inspection


@dataclass
class SyncResult:
    applied_to: int
    records: int
    rebuilt: bool = False


def last_sequence(driver: neo4j.Driver, settings: Settings) -> int:
    return int(run_query(driver, settings, LAST_SEQUENCE)[0]["last"])


def rebuild(sink: MirrorSink, driver: neo4j.Driver, settings: Settings,
            mapping: GraphMapping) -> int:
    """Refill the sink from the whole graph; the watermark is the last sequence seen before
    the export began, so later records are applied on top (harmlessly, if already in)."""
    sequence = last_sequence(driver, settings)
    return sink.replace_all(export_all(driver, settings, mapping), sequence)


def sync(sink: MirrorSink, driver: neo4j.Driver, settings: Settings, mapping: GraphMapping,
         *, until: int | None = None, prune: bool = True) -> SyncResult:
    """Apply every change record after the sink's watermark (up to ``until`` when given).

    ``prune=False`` leaves the applied records for :func:`prune_applied`, so that a caller
    that publishes the new watermark (the server's mirror writer) does it first."""
    after = sink.applied_sequence()
    applied = 0
    while until is None or after < until:
        records = run_query(driver, settings, READ_CHANGES_AFTER,
                            {"after": after, "limit": RECORDS_PER_STEP})
        if not records:
            break
        if records[0]["sequence"] != after + 1:
            rebuild(sink, driver, settings, mapping)
            if prune:
                prune_applied(driver, settings, sink.applied_sequence())
            return SyncResult(sink.applied_sequence(), applied, rebuilt=True)
        taken = _moderate(records)
        nodes = sorted({node for record in taken for node in record["nodes"]})
        edges = sorted({edge for record in taken for edge in record["edges"]})
        last = int(taken[-1]["sequence"])
        sink.update(_update(nodes, edges, last, driver, settings, mapping))
        if any(record["erasure"] for record in taken):
            # Applied: the erasure's keys leave the feed before anyone waiting is told.
            run_query(driver, settings, EMPTY_APPLIED_ERASURE_RECORDS,
                      {"applied": last}, write=True)
        applied += len(taken)
        after = last
        if until is None and len(records) < RECORDS_PER_STEP and len(taken) == len(records):
            break  # the feed held no more when read; a later write is applied by a later sync
    if applied and prune:
        prune_applied(driver, settings, after)
    return SyncResult(after, applied)


def _moderate(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first records, in order, up to :data:`NODES_PER_STEP` named nodes and edges (always
    at least one record): a step's update is one SPARQL Update text and one Oxigraph
    transaction, held in memory whole (one step over every customer of a large graph grew
    past the machine's memory: docs/figures.md)."""
    taken: list[dict[str, Any]] = []
    named = 0
    for record in records:
        size = len(record["nodes"]) + len(record["edges"])
        if taken and named + size > NODES_PER_STEP:
            break
        taken.append(record)
        named += size
    return taken


def prune_applied(driver: neo4j.Driver, settings: Settings, applied: int) -> None:
    """Drop change records the mirror applied (keeping :data:`KEEP_APPLIED` behind the
    watermark) and derivation consumed, and empty the node lists of applied erasure records
    (the mirror no longer needs the erased person's keys; the feed must not keep them)."""
    run_query(driver, settings, EMPTY_APPLIED_ERASURE_RECORDS, {"applied": applied},
              write=True)
    run_query(driver, settings, PRUNE_CHANGES, {"upTo": applied - KEEP_APPLIED},
              write=True)


def _update(nodes: list[str], edges: list[str], sequence: int, driver: neo4j.Driver,
            settings: Settings, mapping: GraphMapping) -> str:
    key_of = mirrored_keys(mapping)
    keyed = sorted(key_of)
    wanted = [dict(zip(("label", "key"), split_node_key(n), strict=True)) for n in nodes]
    wanted = [w for w in wanted if w["label"] in key_of]
    whole = {(w["label"], w["key"]) for w in wanted}
    # A node exported whole brings all its relationships already.
    partial = [dict(zip(("type", "label", "key"), split_edge_key(e), strict=True))
               for e in edges]
    partial = [p for p in partial if p["label"] in key_of
               and p["type"] in mapping.relationship_types
               and (p["label"], p["key"]) not in whole]
    present: set[tuple[str, str]] = set()
    inserts: list[str] = []
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database, default_access_mode=neo4j.READ_ACCESS
    ) as session:
        for rows in _chunks([*wanted, *partial]):
            for record in session.run(EXPORT_THESE_NODES, keyOf=key_of, keyed=keyed,
                                      rows=rows):
                if record["type"] is not None:
                    facts = edge_quads(mapping, record["labels"], str(record["key"]),
                                       record["edges"])
                else:
                    present.add((record["label"], record["key"]))
                    facts = node_quads(mapping, record["labels"], str(record["key"]),
                                       record["props"], record["edges"])
                inserts += (f"{f.subject} {f.predicate} {f.object} ." for f in facts)
    iris = [str(mapping.node_iri(w["label"], w["key"])) for w in wanted]
    gone = [str(mapping.node_iri(w["label"], w["key"])) for w in wanted
            if (w["label"], w["key"]) not in present]
    parts = list(_deletes(iris, gone))
    for relationship in sorted({p["type"] for p in partial}):
        subjects = [str(mapping.node_iri(p["label"], p["key"])) for p in partial
                    if p["type"] == relationship]
        parts += _edge_deletes(subjects, relationship, mapping)
    if inserts:
        parts.append(f"INSERT DATA {{ GRAPH {DATA_GRAPH} {{\n" + "\n".join(inserts) + "\n} }")
    parts.append(watermark_update(sequence))
    return " ;\n".join(parts)


def _chunks(rows: list[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    for start in range(0, len(rows), NODES_PER_EXPORT):
        yield rows[start:start + NODES_PER_EXPORT]


def _deletes(iris: list[str], gone: list[str]) -> Iterator[str]:
    graph = DATA_GRAPH
    if iris:
        values = " ".join(f"<{iri}>" for iri in iris)
        yield (f"DELETE {{ GRAPH {graph} {{ ?st ?p ?o }} }} WHERE {{ VALUES ?s {{ {values} }} "
               f"GRAPH {graph} {{ ?st {RDF_SUBJECT} ?s . ?st ?p ?o }} }}")
        yield (f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {values} }} "
               f"GRAPH {graph} {{ ?s ?p ?o }} }}")
    if gone:
        values = " ".join(f"<{iri}>" for iri in gone)
        yield (f"DELETE {{ GRAPH {graph} {{ ?st ?p ?o }} }} WHERE {{ VALUES ?s {{ {values} }} "
               f"GRAPH {graph} {{ ?st {RDF_OBJECT} ?s . ?st ?p ?o }} }}")
        yield (f"DELETE {{ GRAPH {graph} {{ ?x ?p ?s }} }} WHERE {{ VALUES ?s {{ {values} }} "
               f"GRAPH {graph} {{ ?x ?p ?s }} }}")


def _edge_deletes(subjects: list[str], relationship: str, mapping: GraphMapping
                  ) -> Iterator[str]:
    """Remove what the mirror says about these nodes' ``relationship`` edges, nothing else."""
    graph = DATA_GRAPH
    values = " ".join(f"<{iri}>" for iri in subjects)
    predicate = f"<{mapping.relationship_types[relationship]}>"
    yield (f"DELETE {{ GRAPH {graph} {{ ?st ?p ?o }} }} WHERE {{ VALUES ?s {{ {values} }} "
           f"GRAPH {graph} {{ ?st {RDF_SUBJECT} ?s . ?st {RDF_PREDICATE} {predicate} . "
           f"?st ?p ?o }} }}")
    for used in (predicate, *([f"<{mapping.aligned_edges[relationship]}>"]
                              if relationship in mapping.aligned_edges else [])):
        yield (f"DELETE {{ GRAPH {graph} {{ ?s {used} ?o }} }} WHERE {{ VALUES ?s {{ {values} }} "
               f"GRAPH {graph} {{ ?s {used} ?o }} }}")


def check(sink: MirrorSink, driver: neo4j.Driver, settings: Settings, mapping: GraphMapping
          ) -> MirrorCheck:
    """Compare the sink's data graph with the graph's facts, triple by triple (by digest)."""
    return compare(digest(export_all(driver, settings, mapping)), digest(sink.data_triples()))


def check_offline(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping
                  ) -> MirrorCheck:
    """Open the store (no server may own it), apply the feed, then compare."""
    sink = open_store(settings)
    sync(sink, driver, settings, mapping)
    return check(sink, driver, settings, mapping)


def open_store(settings: Settings) -> OxigraphSink:
    return OxigraphSink.open(settings.rdf_store)
