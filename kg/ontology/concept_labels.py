"""The concept matcher's vocabulary, read from the ontology's SKOS labels (never typed in code)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import URIRef

from kg.ontology.files import OntologyFiles, default_ontology_dir, parse_turtle
from kg.ontology.mapping import local_name
from kg.ontology.namespaces import CKC, SKOS

LABEL_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)


def concept_labels(folder: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Concept id → its English pref, alt and hidden labels, lower-cased (parsed once per
    folder)."""
    return _labels_in(folder or default_ontology_dir())


@cache
def _labels_in(folder: Path) -> dict[str, tuple[str, ...]]:
    graph = parse_turtle(OntologyFiles(folder).concepts)
    labels: dict[str, set[str]] = {}
    for prop in LABEL_PROPERTIES:
        for concept, label in graph.subject_objects(prop):
            if not isinstance(concept, URIRef) or not str(concept).startswith(str(CKC)):
                continue
            if getattr(label, "language", "en") not in (None, "en"):
                continue
            labels.setdefault(local_name(concept), set()).add(str(label).strip().lower())
    return {concept: tuple(sorted(values)) for concept, values in sorted(labels.items())}


def top_concepts(folder: Path | None = None) -> dict[str, str]:
    """Concept id → id of its top-level area (a top concept maps to itself)."""
    return _tops_in(folder or default_ontology_dir())


@cache
def _tops_in(folder: Path) -> dict[str, str]:
    graph = parse_turtle(OntologyFiles(folder).concepts)
    parents = {local_name(child): local_name(parent)
               for child, parent in graph.subject_objects(SKOS.broader)}
    tops: dict[str, str] = {}
    for concept in concept_labels(folder):
        current, seen = concept, set()
        while current in parents and current not in seen:
            seen.add(current)
            current = parents[current]
        tops[concept] = current
    return tops
