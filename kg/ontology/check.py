"""``kg ontology check``: everything that must hold before the ontology is used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib import OWL, RDF, RDFS, URIRef

from kg.errors import OntologyError
from kg.ontology.files import OntologyFiles, line_of, load_vocabulary, parse_turtle
from kg.ontology.mapping import GraphMapping, build_mapping, concept_ids
from kg.ontology.namespaces import CKC, CKG, SKOS
from kg.ontology.reasoning import ReasoningReport, check_consistency
from kg.ontology.shapes import ShapesReport, validate_instances

MIN_CONCEPTS, MIN_TOP_CONCEPTS = 60, 10


@dataclass(frozen=True)
class CheckReport:
    classes: int
    object_properties: int
    datatype_properties: int
    concepts: int
    top_concepts: int
    reasoning: ReasoningReport
    shapes: ShapesReport


def check_ontology(files: OntologyFiles, sample: Path | None = None) -> CheckReport:
    """Parse, check documentation and taxonomy, reason with HermiT, validate a sample."""
    vocabulary = load_vocabulary(files)
    mapping = build_mapping(vocabulary, files.ontology)
    _require_documented(vocabulary, files.ontology)
    tops = _check_taxonomy(vocabulary, files.concepts)
    sample_graph = parse_turtle(sample or files.folder / "examples" / "sample.ttl")
    reasoning = check_consistency(vocabulary + sample_graph)
    shapes = validate_instances(sample_graph, parse_turtle(files.shapes), vocabulary)
    return CheckReport(
        classes=len(mapping.labels),
        object_properties=len(mapping.relationship_types),
        datatype_properties=len(mapping.property_keys),
        concepts=len(concept_ids(vocabulary)),
        top_concepts=tops,
        reasoning=reasoning,
        shapes=shapes,
    )


def _require_documented(graph: rdflib.Graph, path: Path) -> None:
    """Every own term needs an English rdfs:label and rdfs:comment."""
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    for kind in kinds:
        for term in graph.subjects(RDF.type, kind):  # own terms only
            if not str(term).startswith(str(CKG)):
                continue
            for needed in (RDFS.label, RDFS.comment):
                if graph.value(term, needed) is None:
                    raise OntologyError(f"has no {graph.qname(str(needed))}", path=str(path),
                                        line=line_of(path, str(term)), term=graph.qname(str(term)))


def _check_taxonomy(graph: rdflib.Graph, path: Path) -> int:
    concepts = [c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)]
    for concept in concepts:
        labels = [label for label in graph.objects(concept, SKOS.prefLabel)
                  if getattr(label, "language", None) == "en"]
        if len(labels) != 1:
            raise OntologyError("needs exactly one English skos:prefLabel", path=str(path),
                                line=line_of(path, str(concept)), term=graph.qname(concept))
        for broader in graph.objects(concept, SKOS.broader):
            if (broader, RDF.type, SKOS.Concept) not in graph:
                raise OntologyError(f"skos:broader points to an undefined concept {broader}",
                                    path=str(path), line=line_of(path, str(concept)),
                                    term=graph.qname(concept))
            if (broader, SKOS.narrower, concept) not in graph:
                raise OntologyError(f"{graph.qname(str(broader))} lacks the matching skos:narrower",
                                    path=str(path), line=line_of(path, str(broader)),
                                    term=graph.qname(concept))
        is_top = (concept, SKOS.topConceptOf, None) in graph
        if not is_top and graph.value(concept, SKOS.broader) is None:
            raise OntologyError("is neither a top concept nor narrower than one", path=str(path),
                                line=line_of(path, str(concept)), term=graph.qname(concept))
    # Top-level areas of the customer-experience scheme (the consent purposes are a scheme of
    # their own, checked the same way but not counted here).
    tops = sum(1 for c in concepts if (c, SKOS.topConceptOf, CKC.scheme) in graph)
    if len(concepts) < MIN_CONCEPTS or tops < MIN_TOP_CONCEPTS:
        raise OntologyError(f"the scheme has {len(concepts)} concepts in {tops} top-level "
                            f"areas; at least {MIN_CONCEPTS} in {MIN_TOP_CONCEPTS} are required",
                            path=str(path))
    return tops


__all__ = ["CheckReport", "GraphMapping", "check_ontology"]
