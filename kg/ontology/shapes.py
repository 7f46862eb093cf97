"""Validating instance data against ``kg/ontology/data/shapes.ttl`` with pyshacl."""

from __future__ import annotations

from dataclasses import dataclass

import rdflib
from pyshacl import validate


@dataclass(frozen=True)
class ShapesReport:
    conforms: bool
    violations: list[str]


def validate_instances(data: rdflib.Graph, shapes: rdflib.Graph,
                       vocabulary: rdflib.Graph) -> ShapesReport:
    """Validate data together with the vocabulary, as the mirror holds both: subclass instances
    meet their superclass's shapes and references to concepts and categories resolve."""
    conforms, results, _ = validate(
        data + vocabulary, shacl_graph=shapes, inference="none",
        allow_warnings=True, abort_on_first=False,
    )
    violations = []
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = results.value(result, sh.focusNode)
        path = results.value(result, sh.resultPath)
        message = results.value(result, sh.resultMessage)
        violations.append(f"{focus} {path or ''}: {message}".strip())
    return ShapesReport(conforms=bool(conforms), violations=sorted(violations))
