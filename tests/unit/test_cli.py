import subprocess
import sys
from pathlib import Path

import pytest


def run_kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          env=env, check=False)


@pytest.fixture
def empty_home_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    import os

    env = {**os.environ, "KG_NEO4J_HOME": str(tmp_path / "home"), "KG_NEO4J_BOLT_PORT": "7999"}
    return env


def test_help_lists_the_command_groups() -> None:
    result = run_kg("--help")
    assert result.returncode == 0
    for group in ("neo4j", "db", "ontology"):
        assert group in result.stdout


def test_neo4j_group_lists_its_commands() -> None:
    result = run_kg("neo4j", "--help")
    assert result.returncode == 0
    for command in ("install", "start", "stop", "status"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = run_kg("neo4j", "launch")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_status_of_a_home_without_install(empty_home_env: dict[str, str]) -> None:
    result = run_kg("neo4j", "status", env=empty_home_env)
    assert result.returncode == 3
    assert "running:   no" in result.stdout
    assert "not installed" in result.stdout
    assert "bolt://127.0.0.1:7999" in result.stdout


def test_start_without_install_says_what_to_run(empty_home_env: dict[str, str]) -> None:
    result = run_kg("neo4j", "start", env=empty_home_env)
    assert result.returncode == 1
    assert "kg neo4j install" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_setting_is_reported_without_traceback(empty_home_env: dict[str, str]) -> None:
    result = run_kg("neo4j", "status", env={**empty_home_env, "KG_NEO4J_HEAP": "huge"})
    assert result.returncode == 2
    assert "not a memory size" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_java_and_maven_are_named(empty_home_env: dict[str, str], tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**empty_home_env, "PATH": str(bare)}
    env.pop("JAVA_HOME", None)
    result = run_kg("neo4j", "install", env=env)
    assert result.returncode == 1
    assert "Maven is not installed" in result.stderr


def test_ontology_check_passes_and_prints_counts() -> None:
    result = run_kg("ontology", "check")
    assert result.returncode == 0, result.stderr
    assert "concepts: 85 in 14 top-level areas" in result.stdout
    assert "HermiT: consistent" in result.stdout


def test_ontology_check_fails_on_a_sample_that_breaks_shapes(tmp_path: Path) -> None:
    sample = tmp_path / "bad.ttl"
    sample.write_text(
        "@prefix ckg: <https://w3id.org/customer-kg/ontology#> .\n"
        "<https://w3id.org/customer-kg/id/case/k1> a ckg:Case ; ckg:caseId \"k1\" ;\n"
        "    ckg:caseStatus \"maybe\" .\n")
    result = run_kg("ontology", "check", "--sample", str(sample))
    assert result.returncode == 1
    assert "1 violation" in result.stdout
    assert "caseStatus" in result.stdout


def test_ontology_check_fails_on_a_broken_file(tmp_path: Path) -> None:
    import shutil

    from kg.ontology.files import default_ontology_dir

    folder = tmp_path / "ontology"
    shutil.copytree(default_ontology_dir(), folder)
    with (folder / "shapes.ttl").open("a") as handle:
        handle.write("ckgsh:Broken a sh:NodeShape ; sh:targetClass\n")
    result = run_kg("ontology", "check", "--dir", str(folder))
    assert result.returncode == 1
    assert "shapes.ttl:" in result.stderr
    assert "Traceback" not in result.stderr


def test_ontology_docs_writes_markdown_and_html(tmp_path: Path) -> None:
    result = run_kg("ontology", "docs", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "## Concept tree" in (tmp_path / "ontology-reference.md").read_text()
    assert "<h2>Concept tree</h2>" in (tmp_path / "ontology-reference.html").read_text()


def test_extract_writes_one_json_line_per_record(tmp_path: Path) -> None:
    import json

    source = tmp_path / "in.csv"
    source.write_text("id,body\nm1,Still waiting for my refund\nm2,\nm3,Love the new app\n")
    out = tmp_path / "out.jsonl"
    result = run_kg("extract", str(source), "--format", "csv", "--text-field", "body",
                    "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["record_id"] for line in lines] == ["m1", "m2", "m3"]
    assert lines[0]["sentiment"]["label"] == "negative"
    assert lines[1] == {"record_id": "m2", "field": "text", "error": "text is empty"}
    assert "extracted 2 record(s), 1 rejected" in result.stderr


def test_extract_reports_a_missing_text_column(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,message\n1,hello\n")
    result = run_kg("extract", str(source), "--format", "csv")
    assert result.returncode == 1
    assert "no column 'text'" in result.stderr
