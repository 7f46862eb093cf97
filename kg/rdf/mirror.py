"""The RDF mirror: the same facts as Neo4j, in an on-disk Oxigraph store, for SPARQL.

Neo4j is the system of record and the mirror is a function of it: ``rebuild`` exports every
node and relationship through the ontology mapping (classes and superclasses as ``rdf:type``,
keys as IRIs, properties as typed literals, relationship properties on reified statements)
into a fresh store, then swaps it in, so readers never see a half-built mirror. Instance data
is in the named graph ``…/graph/data``, the ontology and concept scheme in ``…/graph/ontology``.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import neo4j
import pyoxigraph as ox

from kg.graph import queries
from kg.graph.driver import graph_errors
from kg.ontology.files import OntologyFiles, default_ontology_dir
from kg.ontology.mapping import GraphMapping
from kg.rdf.terms import (
    RDF_OBJECT,
    RDF_PREDICATE,
    RDF_STATEMENT,
    RDF_SUBJECT,
    RDF_TYPE,
    edge_statement,
    literal,
    node_term,
)
from kg.settings import Settings

DATA_GRAPH = ox.NamedNode("https://w3id.org/customer-kg/graph/data")
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/customer-kg/graph/ontology")
CHUNK = 50_000


def data_triples(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping
                 ) -> Iterator[ox.Triple]:
    """Every fact of the graph as RDF triples, streamed."""
    key_of = dict(mapping.keys)
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database, default_access_mode=neo4j.READ_ACCESS
    ) as session:
        for record in session.run(queries.EXPORT_NODES, keyOf=key_of):
            labels = [label for label in record["labels"] if label in mapping.labels]
            if not labels or record["key"] is None:
                continue
            subject = node_term(mapping, labels, str(record["key"]))
            for label in labels:
                yield ox.Triple(subject, RDF_TYPE, ox.NamedNode(str(mapping.labels[label])))
            for name, value in sorted(record["props"].items()):
                yield from _values(subject, name, value, mapping)
        # Edges with properties may run in parallel (two pieces of evidence linking the same
        # identities): the fact is stated once, each edge's properties on its own statement.
        stated: set[tuple[str, str, str]] = set()
        for record in session.run(queries.EXPORT_RELATIONSHIPS, keyOf=key_of):
            if record["type"] not in mapping.relationship_types:
                continue
            start = node_term(mapping, record["startLabels"], str(record["startKey"]))
            end = node_term(mapping, record["endLabels"], str(record["endKey"]))
            predicate = ox.NamedNode(str(mapping.relationship_types[record["type"]]))
            if not record["props"]:
                yield ox.Triple(start, predicate, end)
                continue
            fact = (start.value, predicate.value, end.value)
            if fact not in stated:
                stated.add(fact)
                yield ox.Triple(start, predicate, end)
            if record["props"]:
                statement = edge_statement(start, predicate, end, record["props"])
                yield ox.Triple(statement, RDF_TYPE, RDF_STATEMENT)
                yield ox.Triple(statement, RDF_SUBJECT, start)
                yield ox.Triple(statement, RDF_PREDICATE, predicate)
                yield ox.Triple(statement, RDF_OBJECT, end)
                for name, value in sorted(record["props"].items()):
                    yield from _values(statement, name, value, mapping)


def _values(subject: ox.NamedNode, name: str, value: object, mapping: GraphMapping
            ) -> Iterator[ox.Triple]:
    if name not in mapping.property_keys:
        return
    predicate = ox.NamedNode(str(mapping.property_keys[name]))
    range_iri = str(mapping.ranges[name]) if name in mapping.ranges else None
    for item in value if isinstance(value, list) else [value]:
        yield ox.Triple(subject, predicate, literal(item, range_iri))


def rebuild(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping) -> int:
    """Export the graph into a new store beside the mirror, then swap it in."""
    target = settings.rdf_store
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(building))
    count = 0
    chunk: list[ox.Quad] = []
    for triple in data_triples(driver, settings, mapping):
        chunk.append(ox.Quad(triple.subject, triple.predicate, triple.object, DATA_GRAPH))
        if len(chunk) >= CHUNK:
            store.bulk_extend(chunk)
            count += len(chunk)
            chunk = []
    store.bulk_extend(chunk)
    count += len(chunk)
    files = OntologyFiles(default_ontology_dir())
    for path in files.vocabulary():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    store.flush()
    del store
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    building.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return count


@dataclass(frozen=True)
class MirrorCheck:
    graph_triples: int
    mirror_triples: int
    same: bool
    differences: dict[str, int]  # predicate → graph count minus mirror count, where unequal


NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("double", "float", "decimal")}


def canonical(triple: ox.Triple) -> str:
    """One spelling per fact: the store rewrites literals into canonical lexical forms."""
    obj = triple.object
    if isinstance(obj, ox.Literal):
        datatype = obj.datatype.value
        if datatype in NUMERIC:
            value = repr(float(obj.value))
        elif datatype.endswith("#dateTime"):
            value = datetime.fromisoformat(obj.value.replace("Z", "+00:00")).isoformat()
        elif datatype.endswith(("integer", "Integer")):
            value, datatype = str(int(obj.value)), "integer"
        else:
            value = obj.value
        return f"{triple.subject} {triple.predicate} {value!r}^^{datatype}"
    return str(triple)


def _digest(lines: Iterator[tuple[str, str]]) -> tuple[int, int, Counter[str]]:
    total, count, per_predicate = 0, 0, Counter[str]()
    for predicate, line in lines:
        digest = hashlib.sha1(line.encode()).digest()[:16]  # noqa: S324 - a checksum
        total = (total + int.from_bytes(digest, "big")) % (1 << 128)
        count += 1
        per_predicate[predicate] += 1
    return total, count, per_predicate


def check(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping) -> MirrorCheck:
    """Compare the graph's facts with the mirror's data graph, triple by triple (by digest)."""
    if not settings.rdf_store.exists():
        return MirrorCheck(0, 0, False, {"(mirror missing)": 1})
    expected = _digest((t.predicate.value, canonical(t))
                       for t in data_triples(driver, settings, mapping))
    store = ox.Store.read_only(str(settings.rdf_store))
    actual = _digest((q.predicate.value, canonical(ox.Triple(q.subject, q.predicate, q.object)))
                     for q in store.quads_for_pattern(None, None, None, DATA_GRAPH))
    differences = {p: expected[2][p] - actual[2][p]
                   for p in set(expected[2]) | set(actual[2]) if expected[2][p] != actual[2][p]}
    return MirrorCheck(expected[1], actual[1], expected[:2] == actual[:2], differences)
