"""Neo4j labels, relationship types, property keys and RDF IRIs, all derived from the ontology.

Nothing here is typed by hand: a class of the ontology is a node label, an object property a
relationship type (``hasIdentity`` → ``HAS_IDENTITY``), a datatype property a property key, and
``ckg:graphKey`` / ``ckg:graphIndexed`` give the constraints and indexes ``kg db init`` applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote

import rdflib
from rdflib import OWL, RDF, RDFS, Literal, URIRef

from kg.errors import OntologyError
from kg.ontology.files import OntologyFiles, default_ontology_dir, line_of, load_vocabulary
from kg.ontology.namespaces import CKC, CKG, CKI, SKOS

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


# Percent-encoding of every ASCII character outside RFC 3986's unreserved set, as
# ``urllib.parse.quote(key, safe="")`` does, in one ``str.translate``.
_ASCII_ESCAPES = {code: f"%{code:02X}" for code in range(128)
                  if not (chr(code).isalnum() or chr(code) in "_.-~")}


def quote_key(key: str) -> str:
    """A key as one IRI path segment (``quote(key, safe="")``, faster for ASCII keys)."""
    return key.translate(_ASCII_ESCAPES) if key.isascii() else quote(key, safe="")


def upper_snake(name: str) -> str:
    """``hasIdentity`` → ``HAS_IDENTITY``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def local_name(iri: object) -> str:
    text = str(iri)
    return re.split(r"[#/]", text)[-1]


@dataclass(frozen=True)
class Constraint:
    label: str
    key: str

    @property
    def name(self) -> str:
        return f"{self.label.lower()}_{self.key}_unique"

    @property
    def cypher(self) -> str:
        return (f"CREATE CONSTRAINT {self.name} IF NOT EXISTS "
                f"FOR (n:{self.label}) REQUIRE n.{self.key} IS UNIQUE")


@dataclass(frozen=True)
class Index:
    label: str
    key: str

    @property
    def name(self) -> str:
        return f"{self.label.lower()}_{self.key}_index"

    @property
    def cypher(self) -> str:
        return f"CREATE INDEX {self.name} IF NOT EXISTS FOR (n:{self.label}) ON (n.{self.key})"


@dataclass(frozen=True)
class GraphMapping:
    """The graph vocabulary of the ontology, with the IRI of every node and edge."""

    labels: dict[str, URIRef]
    relationship_types: dict[str, URIRef]
    property_keys: dict[str, URIRef]
    superclasses: dict[str, tuple[str, ...]]
    keys: dict[str, str]
    constraints: tuple[Constraint, ...]
    indexes: tuple[Index, ...]
    reference_iris: dict[tuple[str, str], URIRef] = field(repr=False)
    ranges: dict[str, URIRef] = field(default_factory=dict, repr=False)
    # Standard terms (ckg:mirroredAs) the RDF mirror states beside own ones: by label,
    # relationship type and property key; and the IRI a property's string value names
    # (ckg:valuesFrom), keyed by (property key, value).
    aligned_classes: dict[str, URIRef] = field(default_factory=dict, repr=False)
    aligned_edges: dict[str, URIRef] = field(default_factory=dict, repr=False)
    aligned_properties: dict[str, URIRef] = field(default_factory=dict, repr=False)
    value_iris: dict[tuple[str, str], URIRef] = field(default_factory=dict, repr=False)
    # Property keys Neo4j stores for its own indexes and the RDF mirror leaves out
    # (ckg:graphOnly): a message's sentence embedding.
    graph_only: frozenset[str] = field(default_factory=frozenset, repr=False)
    _keyed_label: dict[str, str] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)

    def key_of(self, label: str) -> str:
        """The uniqueness key of a label, inherited from its nearest keyed superclass."""
        self.require_label(label)
        for candidate in (label, *self.superclasses[label]):
            if candidate in self.keys:
                return self.keys[candidate]
        raise OntologyError(f"label {label} has no ckg:graphKey on it or a superclass")

    def labels_of(self, label: str) -> list[str]:
        """The label and all its ontology superclasses: a node gets every one of them."""
        self.require_label(label)
        return [label, *self.superclasses[label]]

    def node_iri(self, label: str, key_value: str) -> URIRef:
        """The RDF IRI of the node with this label and key value."""
        return URIRef(self.node_iri_text(label, key_value))

    def node_iri_text(self, label: str, key_value: str) -> str:
        """:meth:`node_iri` as a plain string: the mirror makes one per fact it exports."""
        keyed = self._keyed_label.get(label)
        if keyed is None:
            keyed = next(c for c in self.labels_of(label) if c in self.keys)
            self._keyed_label[label] = keyed
        if keyed == "Concept":
            return f"{CKC}{key_value}"
        reference = self.reference_iris.get((keyed, key_value))
        if reference is not None:
            return str(reference)
        return f"{CKI}{keyed.lower()}/{quote_key(key_value)}"

    def edge_iri(self, relationship_type: str) -> URIRef:
        try:
            return self.relationship_types[relationship_type]
        except KeyError:
            raise OntologyError(f"relationship type {relationship_type} is not in the ontology") \
                from None

    def property_iri(self, key: str) -> URIRef:
        try:
            return self.property_keys[key]
        except KeyError:
            raise OntologyError(f"property key {key} is not in the ontology") from None

    def require_label(self, label: str) -> None:
        if label not in self.labels:
            raise OntologyError(f"label {label} is not a class of the ontology")


def build_mapping(graph: rdflib.Graph, source: Path | None = None) -> GraphMapping:
    labels = {local_name(c): c for c in _own(graph, OWL.Class)}
    relationship_types = {upper_snake(local_name(p)): p for p in _own(graph, OWL.ObjectProperty)}
    property_keys = {local_name(p): p for p in _own(graph, OWL.DatatypeProperty)}
    for name in (*labels, *relationship_types, *property_keys):
        if not IDENTIFIER.match(name):
            raise OntologyError("not usable as a Neo4j name", path=_str(source), term=name,
                                line=line_of(source, name) if source else None)
    superclasses = {
        label: tuple(
            local_name(s) for s in graph.transitive_objects(iri, RDFS.subClassOf)
            if s != iri and isinstance(s, URIRef) and s in labels.values()
        )
        for label, iri in labels.items()
    }
    keys: dict[str, str] = {}
    for cls, key_iri in graph.subject_objects(CKG.graphKey):
        key_name = local_name(key_iri)
        if key_name not in property_keys:
            raise OntologyError("graphKey names an undefined datatype property",
                                path=_str(source), term=local_name(cls),
                                line=line_of(source, local_name(cls)) if source else None)
        keys[local_name(cls)] = key_name
    constraints = tuple(Constraint(label, key) for label, key in sorted(keys.items()))
    indexes = tuple(
        Index(local_name(cls), local_name(prop))
        for prop, cls in sorted(graph.subject_objects(CKG.graphIndexed))
    )
    reference_iris: dict[tuple[str, str], URIRef] = {}
    for label, key in keys.items():
        for subject in graph.subjects(RDF.type, labels[label]):
            for value in graph.objects(subject, CKG[key]):
                if isinstance(subject, URIRef):
                    reference_iris[(label, str(value))] = subject
    ranges: dict[str, URIRef] = {}
    for key, iri in property_keys.items():
        range_iri = graph.value(iri, RDFS.range)
        if isinstance(range_iri, URIRef):
            ranges[key] = range_iri
    aligned = {iri: standard for iri, standard in graph.subject_objects(CKG.mirroredAs)
               if isinstance(iri, URIRef) and isinstance(standard, URIRef)}
    value_iris: dict[tuple[str, str], URIRef] = {}
    for prop, cls in graph.subject_objects(CKG.valuesFrom):
        for individual in graph.subjects(RDF.type, cls):
            graph_value = graph.value(individual, CKG.graphValue)
            if isinstance(individual, URIRef) and graph_value is not None:
                value_iris[(local_name(prop), str(graph_value))] = aligned.get(individual,
                                                                               individual)
    return GraphMapping(
        labels, relationship_types, property_keys, superclasses, keys, constraints, indexes,
        reference_iris, ranges,
        aligned_classes={name: aligned[iri] for name, iri in labels.items() if iri in aligned},
        aligned_edges={name: aligned[iri] for name, iri in relationship_types.items()
                       if iri in aligned},
        aligned_properties={name: aligned[iri] for name, iri in property_keys.items()
                            if iri in aligned},
        value_iris=value_iris,
        graph_only=frozenset(local_name(p) for p in graph.subjects(CKG.graphOnly, Literal(True))
                             if isinstance(p, URIRef)))


def _own(graph: rdflib.Graph, kind: URIRef) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, kind)
                  if isinstance(s, URIRef) and str(s).startswith(str(CKG)))


def _str(path: Path | None) -> str | None:
    return str(path) if path else None


def concept_ids(graph: rdflib.Graph) -> list[str]:
    return sorted(local_name(c) for c in graph.subjects(RDF.type, SKOS.Concept)
                  if str(c).startswith(str(CKC)))


def load_mapping(folder: Path | None = None) -> GraphMapping:
    """The mapping of the ontology in ``folder`` (default: the configured one), parsed once
    per folder."""
    return _mapping_of(folder or default_ontology_dir())


@cache
def _mapping_of(folder: Path) -> GraphMapping:
    files = OntologyFiles(folder)
    return build_mapping(load_vocabulary(files), files.ontology)
