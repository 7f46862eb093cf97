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
