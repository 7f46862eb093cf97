"""Consistency checking with HermiT through owlready2 (HermiT runs on the installed Java).

The axioms HermiT can act on here: the class hierarchy (subClassOf, equivalentClass), pairwise
disjointness of the top-level classes and of sibling subclasses, property domains and ranges,
inverse, functional and inverse-functional properties. A node typed with two disjoint classes,
or an edge whose ends contradict a domain or range, makes the ontology plus data inconsistent.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import rdflib

from kg.errors import OntologyError


@dataclass(frozen=True)
class ReasoningReport:
    classes: int
    object_properties: int
    datatype_properties: int
    named_individuals: int


def check_consistency(graph: rdflib.Graph) -> ReasoningReport:
    """Run HermiT over ``graph``; raise :class:`OntologyError` when it is inconsistent."""
    import owlready2  # imported here: it is slow to import and starts a JVM per call

    world = owlready2.World()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ontology.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        ontology = world.get_ontology(path.as_uri()).load()
        try:
            with ontology:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            raise OntologyError(
                "HermiT found the ontology inconsistent: some individual is typed with disjoint "
                "classes or breaks a domain, range or functional-property axiom"
                + (f" ({error})" if str(error) else "")
            ) from error
        except owlready2.OwlReadyJavaError as error:
            raise OntologyError(f"HermiT could not run (is Java installed?): {error}") from error
    unsatisfiable = [c.iri for c in world.inconsistent_classes()]
    if unsatisfiable:
        raise OntologyError("unsatisfiable classes (equivalent to owl:Nothing): "
                            + ", ".join(sorted(unsatisfiable)))
    return ReasoningReport(
        classes=len(list(world.classes())),
        object_properties=len(list(world.object_properties())),
        datatype_properties=len(list(world.data_properties())),
        named_individuals=len(list(world.individuals())),
    )
