"""All translation between Neo4j values and RDF terms, in one place."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

import pyoxigraph as ox

from kg.ontology.mapping import GraphMapping

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDF_STATEMENT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement")
RDF_SUBJECT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject")
RDF_PREDICATE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate")
RDF_OBJECT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#object")
EDGE_BASE = "https://w3id.org/customer-kg/id/edge/"


_DATATYPES = {name: ox.NamedNode(XSD + name)
              for name in ("boolean", "dateTime", "date", "integer", "decimal", "double")}


def literal(value: Any, range_iri: str | None) -> ox.Literal:
    """A Neo4j property value as a typed literal; the ontology's range decides the datatype."""
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=_DATATYPES["boolean"])
    if isinstance(value, datetime):
        return ox.Literal(value.isoformat(), datatype=_DATATYPES["dateTime"])
    if isinstance(value, date):
        return ox.Literal(value.isoformat(), datatype=_DATATYPES["date"])
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_DATATYPES["integer"])
    if isinstance(value, float):
        if range_iri == XSD + "decimal":
            return ox.Literal(str(value), datatype=_DATATYPES["decimal"])
        return ox.Literal(repr(value), datatype=_DATATYPES["double"])
    if isinstance(value, str):
        return ox.Literal(value)
    raise ValueError(f"Unexpected property value: {value!r}")


def node_term(mapping: GraphMapping, labels: list[str], key_value: str) -> ox.NamedNode:
    keyed = next(label for label in labels if label in mapping.keys)
    return ox.NamedNode(mapping.node_iri_text(keyed, key_value))


def edge_statement(subject: ox.NamedNode, predicate: ox.NamedNode, obj: ox.NamedNode,
                   properties: dict[str, Any]) -> ox.NamedNode:
    """A stable IRI for one reified edge, so its properties have a subject of their own."""
    identity = f"{subject.value} {predicate.value} {obj.value} {sorted(properties.items())}"
    digest = hashlib.sha1(identity.encode())  # noqa: S324
    return ox.NamedNode(EDGE_BASE + digest.hexdigest())
