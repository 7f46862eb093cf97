"""Reading the ontology's Turtle files, with errors that name the file, line and term."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import rdflib
from rdflib.plugins.parsers.notation3 import BadSyntax

from kg.errors import OntologyError

ONTOLOGY_FILE = "customer-kg.ttl"
CONCEPTS_FILE = "concepts.ttl"
CATEGORIES_FILE = "categories.ttl"
SHAPES_FILE = "shapes.ttl"
DATA_FOLDER = "data"  # kg/ontology/data: package data, shipped in the wheel


def default_ontology_dir() -> Path:
    """``KG_ONTOLOGY_DIR`` when set (a working copy being edited), else the Turtle files the
    package carries (``kg/ontology/data``), found with :mod:`importlib.resources` so that a
    source checkout, an editable install and an installed wheel all read the same files."""
    from kg.settings import load_settings

    configured = load_settings().ontology_dir
    return configured if configured is not None else shipped_ontology_dir()


def shipped_ontology_dir() -> Path:
    """The ontology inside the package. Readers need a real folder (rdflib, owlready2 and
    pyshacl open paths, and callers glob it), so a package imported from a zip archive, the one
    case where the resource is not a folder on disk, is refused with a way out."""
    folder = resources.files("kg.ontology").joinpath(DATA_FOLDER)
    if not isinstance(folder, Path) or not folder.is_dir():
        raise OntologyError("the package's ontology is not a folder on disk (a zipped install?): "
                            "set KG_ONTOLOGY_DIR to a copy of it", path=str(folder))
    return folder


@dataclass(frozen=True)
class OntologyFiles:
    folder: Path

    @property
    def ontology(self) -> Path:
        return self.folder / ONTOLOGY_FILE

    @property
    def concepts(self) -> Path:
        return self.folder / CONCEPTS_FILE

    @property
    def categories(self) -> Path:
        return self.folder / CATEGORIES_FILE

    @property
    def shapes(self) -> Path:
        return self.folder / SHAPES_FILE

    def vocabulary(self) -> tuple[Path, ...]:
        """The files whose union is the vocabulary (ontology, concepts, reference individuals)."""
        return (self.ontology, self.concepts, self.categories)


def parse_turtle(path: Path, graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Parse one Turtle file; a syntax error names the file and line."""
    graph = graph if graph is not None else rdflib.Graph()
    if not path.is_file():
        raise OntologyError("file not found", path=str(path))
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as error:
        raise OntologyError(f"Turtle syntax error: {error._why}", path=str(path),
                            line=error.lines + 1) from error
    except Exception as error:  # rdflib raises plain exceptions for bad IRIs and literals
        raise OntologyError(f"cannot be parsed: {error}", path=str(path)) from error
    return graph


def load_vocabulary(files: OntologyFiles) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files.vocabulary():
        parse_turtle(path, graph)
    return graph


def line_of(path: Path, term: str) -> int | None:
    """The first line of a file that mentions a term's local name, for error messages."""
    local = term.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if f":{local} " in line or f":{local}\t" in line or line.rstrip().endswith(f":{local}"):
            return number
    return None
