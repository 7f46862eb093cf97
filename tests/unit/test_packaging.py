"""The wheel installs the product's own namespaces only: ``kg`` and ``kg_api`` (from ``api/``),
with the data the code reads at run time (the ontology, the trained models)."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_holds_only_the_products_packages(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy: no build/ folder left by earlier builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".kg", "build", "*.egg-info", ".git", ".mypy_cache", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--disable-pip-version-check", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("customer_kg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"kg", "kg_api"}
    modules = {name for name in names if name.endswith(".py")}
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "api").rglob("*.py")}
    assert {"kg_api/" + m.removeprefix("api/") for m in on_disk} <= modules
    assert "kg_api/routes/query.py" in modules and "kg/py.typed" in names
    assert "kg/extraction/pipeline.cfg" in names
    # every Turtle file of the ontology, the check's sample too: the product reads them from the
    # installed package (importlib.resources), there is no checkout beside a wheel
    turtle = {str(p.relative_to(ROOT)) for p in (ROOT / "kg" / "ontology" / "data").rglob("*.ttl")}
    assert "kg/ontology/data/examples/sample.ttl" in turtle
    assert turtle <= set(names)
    assert {"kg/extraction/trained/sentiment.npz", "kg/extraction/trained/topics.npz"} <= set(names)
