"""The RDF mirror: the same facts as Neo4j, for SPARQL, kept up to date from the change feed.

Neo4j is the system of record and the mirror is a function of it. Every node is exported
through the ontology mapping (classes and superclasses as ``rdf:type``, keys as IRIs, properties
as typed literals, relationship properties on reified statements) with the same function whether
the whole graph is exported (:func:`export_all`, used by ``kg rdf rebuild`` and ``kg rdf
check``) or only the nodes a change record names (:mod:`kg.rdf.sync`). Instance data is in the
named graph ``…/graph/data``, the ontology and concept scheme in ``…/graph/ontology``, and the
mirror's watermark (the last change record applied) in ``…/graph/feed``.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, LiteralString

import neo4j
import pyoxigraph as ox

from kg.feed.changes import NOT_MIRRORED
from kg.graph.driver import graph_errors
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

# $keyOf maps each keyed label to its key property (from the ontology mapping) and $keyed lists
# those labels: a list parameter, because ``keys($keyOf)`` is evaluated again for every row.
# An interaction's sentence embedding (384 floats) is not a fact of the mirror: not read.
EXPORT_NODES: Final[LiteralString] = """
MATCH (n)
WITH n, [label IN labels(n) WHERE label IN $keyed] AS keyed
WHERE size(keyed) > 0
RETURN labels(n) AS labels, n[$keyOf[keyed[0]]] AS key,
       n {.*, embedding: null, centroid: null} AS props
"""

# Relationships grouped by their start node, so each node's edges are translated together.
EXPORT_RELATIONSHIPS_BY_START: Final[LiteralString] = """
MATCH (a)
WITH a, [label IN labels(a) WHERE label IN $keyed] AS keyedA
WHERE size(keyedA) > 0
MATCH (a)-[r]->(b)
WITH a, keyedA, r, b, [label IN labels(b) WHERE label IN $keyed] AS keyedB
WHERE size(keyedB) > 0
RETURN keyedA[0] AS startKeyLabel, labels(a) AS startLabels, a[$keyOf[keyedA[0]]] AS startKey,
       {type: type(r), props: properties(r), endLabels: labels(b),
        endKey: b[$keyOf[keyedB[0]]]} AS edge
"""


DATA_GRAPH = ox.NamedNode("https://w3id.org/customer-kg/graph/data")
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/customer-kg/graph/ontology")
FEED_GRAPH = ox.NamedNode("https://w3id.org/customer-kg/graph/feed")
APPLIED_SEQUENCE = ox.NamedNode("https://w3id.org/customer-kg/ontology#appliedSequence")


def mirrored_keys(mapping: GraphMapping) -> dict[str, str]:
    """Keyed labels whose nodes the mirror holds (the change feed's bookkeeping is not)."""
    return {label: key for label, key in mapping.keys.items() if label not in NOT_MIRRORED}


@functools.lru_cache(maxsize=4096)
def _named(iri: str) -> ox.NamedNode:
    """The ontology's few IRIs, each parsed once rather than once per fact."""
    return ox.NamedNode(str(iri))


def node_quads(mapping: GraphMapping, labels: list[str], key: str, props: dict[str, Any],
               edges: Iterable[dict[str, Any]]) -> Iterator[ox.Quad]:
    """One node's facts in the data graph: its types, properties, outgoing relationships and
    their properties. Made as quads at once: a large rebuild writes tens of millions of them,
    and turning triples into quads afterwards was a large share of its time (docs/figures.md)."""
    labels = [label for label in labels if label in mapping.labels]
    if not labels:
        return
    subject = node_term(mapping, labels, key)
    for label in labels:
        yield ox.Quad(subject, RDF_TYPE, _named(mapping.labels[label]), DATA_GRAPH)
        if label in mapping.aligned_classes:
            yield ox.Quad(subject, RDF_TYPE, _named(mapping.aligned_classes[label]), DATA_GRAPH)
    for name, value in sorted(props.items()):
        yield from _values(subject, name, value, mapping)
    # Edges with properties may run in parallel (two pieces of evidence linking the same
    # identities): the fact is stated once, each edge's properties on its own statement.
    stated: set[tuple[str, str]] = set()
    for edge in edges:
        if edge["type"] not in mapping.relationship_types or edge["endKey"] is None:
            continue
        end = node_term(mapping, edge["endLabels"], str(edge["endKey"]))
        predicate = _named(mapping.relationship_types[edge["type"]])
        if (predicate.value, end.value) not in stated:
            stated.add((predicate.value, end.value))
            yield ox.Quad(subject, predicate, end, DATA_GRAPH)
            if edge["type"] in mapping.aligned_edges:
                yield ox.Quad(subject, _named(mapping.aligned_edges[edge["type"]]), end,
                              DATA_GRAPH)
        if edge["props"]:
            statement = edge_statement(subject, predicate, end, edge["props"])
            yield ox.Quad(statement, RDF_TYPE, RDF_STATEMENT, DATA_GRAPH)
            yield ox.Quad(statement, RDF_SUBJECT, subject, DATA_GRAPH)
            yield ox.Quad(statement, RDF_PREDICATE, predicate, DATA_GRAPH)
            yield ox.Quad(statement, RDF_OBJECT, end, DATA_GRAPH)
            for name, value in sorted(edge["props"].items()):
                yield from _values(statement, name, value, mapping)


def _values(subject: ox.NamedNode, name: str, value: object, mapping: GraphMapping
            ) -> Iterator[ox.Quad]:
    if name not in mapping.property_keys or name in mapping.graph_only:
        return
    predicate = _named(mapping.property_keys[name])
    range_iri = str(mapping.ranges[name]) if name in mapping.ranges else None
    standard = mapping.aligned_properties.get(name)
    for item in value if isinstance(value, list) else [value]:
        term = literal(item, range_iri)
        yield ox.Quad(subject, predicate, term, DATA_GRAPH)
        if standard is not None:
            # A string naming a reference individual is stated with the individual (or its
            # standard term), e.g. dpv:hasConsentStatus dpv:ConsentWithdrawn.
            named = mapping.value_iris.get((name, str(item)))
            yield ox.Quad(subject, _named(standard),
                          _named(named) if named is not None else term, DATA_GRAPH)


def export_all(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping
               ) -> Iterator[ox.Quad]:
    """Every fact of the graph as quads of the data graph, streamed: nodes, then their
    relationships."""
    key_of = mirrored_keys(mapping)
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database, default_access_mode=neo4j.READ_ACCESS
    ) as session:
        for record in session.run(EXPORT_NODES, keyOf=key_of, keyed=sorted(key_of)):
            if record["key"] is not None:
                yield from node_quads(mapping, record["labels"], str(record["key"]),
                                        record["props"], [])
        current: tuple[str, ...] | None = None
        edges: list[dict[str, Any]] = []
        labels: list[str] = []
        for record in session.run(EXPORT_RELATIONSHIPS_BY_START, keyOf=key_of,
                                  keyed=sorted(key_of)):
            start = (record["startKeyLabel"], str(record["startKey"]))
            if start != current:
                if current is not None:
                    yield from edge_quads(mapping, labels, current[1], edges)
                current, edges, labels = start, [], record["startLabels"]
            edges.append(dict(record["edge"]))
        if current is not None:
            yield from edge_quads(mapping, labels, current[1], edges)


def edge_quads(mapping: GraphMapping, labels: list[str], key: str,
               edges: list[dict[str, Any]]) -> Iterator[ox.Quad]:
    """A node's outgoing relationships (and their reified statements), without the node."""
    for quad in node_quads(mapping, labels, key, {}, edges):
        if quad.predicate != RDF_TYPE or quad.object == RDF_STATEMENT:
            yield quad


@dataclass(frozen=True)
class MirrorCheck:
    graph_triples: int
    mirror_triples: int
    same: bool
    differences: dict[str, int]  # predicate → graph count minus mirror count, where unequal


NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("double", "float", "decimal")}


def canonical(triple: ox.Triple | ox.Quad) -> str:
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
    return f"{triple.subject} {triple.predicate} {triple.object}"  # a quad: no graph


def digest(triples: Iterable[ox.Triple] | Iterable[ox.Quad]) -> tuple[int, int, Counter[str]]:
    """An order-independent digest of a set of triples, their count and count per predicate."""
    total, count, per_predicate = 0, 0, Counter[str]()
    for triple in triples:
        line = canonical(triple)
        value = hashlib.sha1(line.encode()).digest()[:16]  # noqa: S324 - a checksum
        total = (total + int.from_bytes(value, "big")) % (1 << 128)
        count += 1
        per_predicate[triple.predicate.value] += 1
    return total, count, per_predicate


def compare(expected: tuple[int, int, Counter[str]], actual: tuple[int, int, Counter[str]]
            ) -> MirrorCheck:
    differences = {p: expected[2][p] - actual[2][p]
                   for p in set(expected[2]) | set(actual[2]) if expected[2][p] != actual[2][p]}
    return MirrorCheck(expected[1], actual[1], expected[:2] == actual[:2], differences)
