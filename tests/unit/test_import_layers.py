"""The product's packages import one way: each only from its own package and the layers below.

Computed from the source (an AST scan of every module of ``kg/`` and ``api/``, imports inside
functions too, so a lazy import cannot hide an upward edge). A unit is a package of ``kg``
(``kg.graph``), a top-level module of ``kg`` (``kg.settings``) or the API (``kg_api``). Units of
one layer do not import each other, so there is no cycle between packages. Tooling
(``training/``, ``bench/``) sits above all of it; ``tests/unit/test_packaging.py`` checks that
nothing shipped imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {"kg": "kg", "api": "kg_api"}  # folder in the checkout -> package

# Bottom first.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base: settings, errors, identifier forms, union-find",
     ("kg", "kg.settings", "kg.errors", "kg.unicode_forms", "kg.unionfind")),
    ("the ontology: the vocabulary every other layer names", ("kg.ontology",)),
    ("the local Neo4j; the change feed's records and ids", ("kg.neo4j_local", "kg.feed")),
    ("the driver, schema and shared Cypher; the local Fuseki", ("kg.graph", "kg.fuseki_local")),
    ("the sentence encoder, its heads, model versions and label files", ("kg.semantic",)),
    ("domain: consent rules and flags, identity linkage, text to facts, message search",
     ("kg.consent", "kg.resolution", "kg.extraction", "kg.search")),
    ("derived facts; the RDF mirror; the analysts' questions",
     ("kg.derivation", "kg.rdf", "kg.analyst_questions")),
    ("ingestion: records to batches to one transaction each; recurring questions and "
     "emerging topics", ("kg.ingestion", "kg.knowledge")),
    ("use cases: ingest, warm-up, consent, suggestions, merge and split, erasure",
     ("kg.services",)),
    ("the HTTP API", ("kg_api",)),
    ("the kg command", ("kg.cli",)),
    ("python -m kg", ("kg.__main__",)),
]
LAYER_OF = {unit: number for number, (_, units) in enumerate(LAYERS) for unit in units}


def _module_of(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [SHIPPED[folder], *rest]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_of(p): p for folder in SHIPPED for p in sorted((ROOT / folder).rglob("*.py"))}


def unit_of(module: str) -> str | None:
    """The layer unit a first-party module belongs to; None for anything else."""
    top, _, rest = module.partition(".")
    if top == "kg_api":
        return "kg_api"
    if top != "kg":
        return None
    return "kg." + rest.split(".", 1)[0] if rest else "kg"


def first_party_imports(module: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every first-party import; ``from kg import fuseki_local`` imports the
    module ``kg.fuseki_local``, relative imports are resolved against ``module``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        found += [(node.lineno, t) for t in targets if unit_of(t) is not None]
    return found


def violations() -> list[str]:
    modules = _modules()
    known = set(modules)
    found = []
    for module, path in modules.items():
        unit = unit_of(module)
        assert unit in LAYER_OF, f"{module} belongs to no layer: add {unit} to LAYERS"
        for line, target in first_party_imports(module, path, known):
            other = unit_of(target)
            assert other in LAYER_OF, f"{target} belongs to no layer: add {other} to LAYERS"
            if other == unit or LAYER_OF[other] < LAYER_OF[unit]:
                continue
            where = "the same layer" if LAYER_OF[other] == LAYER_OF[unit] else "a layer above"
            found.append(f"{path.relative_to(ROOT)}:{line} imports {target} ({other}, {where}: "
                         f"{LAYERS[LAYER_OF[other]][0]})")
    return sorted(found)


def test_every_import_points_down_the_layers() -> None:
    assert violations() == []


def test_every_unit_of_the_source_has_a_layer() -> None:
    units = {unit_of(module) for module in _modules()}
    assert units == set(LAYER_OF), "LAYERS and the packages on disk differ"


def test_the_scan_reads_imports_in_functions_and_from_packages(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from kg import fuseki_local\n\n\ndef rows():\n"
                      "    from kg.services.erasure import erase_customer\n", encoding="utf-8")
    known = {"kg.fuseki_local", "kg.services.erasure"}
    assert first_party_imports("kg.graph.sample", sample, known) == [
        (1, "kg.fuseki_local"), (5, "kg.services.erasure")]
