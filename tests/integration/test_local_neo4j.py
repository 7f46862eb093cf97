import shutil
import socket
import uuid
from pathlib import Path
from typing import Final, LiteralString

import neo4j
import pytest
from pydantic import SecretStr

from kg.cli.db import MERGE_CUSTOMER_WITH_IDENTITY, READ_CUSTOMER_WITH_IDENTITIES
from kg.errors import ConstraintViolation, DataDirLocked, GraphAuthError, PortInUse
from kg.graph.driver import PING, create_driver, run_query
from kg.graph.schema import SHOW_CONSTRAINTS, init_schema
from kg.neo4j_local import server
from kg.neo4j_local.install import MANIFEST, install
from kg.ontology.mapping import load_mapping
from kg.settings import Settings

CREATE_CUSTOMER: Final[LiteralString] = (
    "CREATE (c:Customer {customerId: $customerId, displayName: $displayName})"
)

DELETE_CUSTOMER_EXAMPLE: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[:HAS_IDENTITY]->(i:Identity)
DETACH DELETE c, i
"""


pytestmark = pytest.mark.integration


def _customer(customer_id: str) -> dict[str, object]:
    return {"customerId": customer_id, "displayName": "Test Person",
            "identityId": f"email:{customer_id}@example.org",
            "identifierValue": f"{customer_id}@example.org", "identityKind": "email",
            "linkRule": "deterministic:email", "linkScore": 1.0}


@pytest.fixture
def customer_id(driver: neo4j.Driver, settings: Settings) -> object:
    value = f"test-{uuid.uuid4()}"
    yield value
    run_query(driver, settings, DELETE_CUSTOMER_EXAMPLE, {"customerId": value}, write=True)


def test_install_is_idempotent(settings: Settings, running: server.ServerStatus) -> None:
    manifest = settings.neo4j_home / MANIFEST
    before = manifest.stat().st_mtime_ns
    again = install(settings)
    assert not again.downloaded
    assert again.neo4j_version.startswith("5.26.")
    assert manifest.stat().st_mtime_ns == before


def test_write_and_read_back(driver: neo4j.Driver, settings: Settings, customer_id: str) -> None:
    run_query(driver, settings, MERGE_CUSTOMER_WITH_IDENTITY, _customer(customer_id),
              write=True)
    rows = run_query(driver, settings, READ_CUSTOMER_WITH_IDENTITIES,
                     {"customerId": customer_id})
    assert rows == [{
        "customerId": customer_id, "displayName": "Test Person",
        "identities": [{"identityId": f"email:{customer_id}@example.org",
                        "identifierValue": f"{customer_id}@example.org",
                        "linkRule": "deterministic:email", "linkScore": 1.0}],
    }]


def test_schema_init_is_idempotent(driver: neo4j.Driver, settings: Settings) -> None:
    mapping = load_mapping()
    init_schema(driver, settings, mapping)
    second = init_schema(driver, settings, mapping)
    assert second.created == []
    names = {row["name"] for row in run_query(driver, settings, SHOW_CONSTRAINTS)}
    assert {c.name for c in mapping.constraints} <= names


def test_constraint_violation_is_the_products_error(
    driver: neo4j.Driver, settings: Settings, customer_id: str
) -> None:
    init_schema(driver, settings, load_mapping())
    params = {"customerId": customer_id, "displayName": "First"}
    run_query(driver, settings, CREATE_CUSTOMER, params, write=True)
    with pytest.raises(ConstraintViolation, match="uniqueness constraint"):
        run_query(driver, settings, CREATE_CUSTOMER, params, write=True)


def test_wrong_password_gives_a_clear_authentication_error(
    settings: Settings, running: server.ServerStatus
) -> None:
    wrong = settings.model_copy(update={"neo4j_password": SecretStr("not-the-password")})
    with create_driver(wrong) as bad_driver, pytest.raises(GraphAuthError) as caught:
        run_query(bad_driver, wrong, PING)
    assert "KG_NEO4J_PASSWORD" in str(caught.value)


def test_apoc_is_loaded(driver: neo4j.Driver, settings: Settings) -> None:
    rows = run_query(driver, settings, "RETURN apoc.version() AS version")
    assert rows[0]["version"].startswith("5.26.")


def test_second_start_is_a_no_op(settings: Settings, running: server.ServerStatus) -> None:
    again = server.start(settings)
    assert again.already_running
    assert again.pid == running.pid


def test_data_survives_stop_and_start(settings: Settings, running: server.ServerStatus) -> None:
    customer_id = f"test-{uuid.uuid4()}"
    with create_driver(settings) as graph_driver:
        run_query(graph_driver, settings, MERGE_CUSTOMER_WITH_IDENTITY,
                  _customer(customer_id), write=True)
    stopped = server.stop(settings)
    assert not stopped.running
    assert not server.status(settings).running
    restarted = server.start(settings)
    assert restarted.running and restarted.pid != running.pid
    with create_driver(settings) as graph_driver:
        rows = run_query(graph_driver, settings, READ_CUSTOMER_WITH_IDENTITIES,
                         {"customerId": customer_id})
        run_query(graph_driver, settings, DELETE_CUSTOMER_EXAMPLE,
                  {"customerId": customer_id}, write=True)
    assert rows[0]["displayName"] == "Test Person"


def test_status_when_stopped_and_stale_pid_file(settings: Settings,
                                                running: server.ServerStatus) -> None:
    server.stop(settings)
    pid_file = settings.neo4j_home / "run" / "neo4j.pid"
    pid_file.write_text("999999\n")  # what a crash leaves behind
    state = server.status(settings)
    assert not state.running
    assert state.version is not None and state.version.startswith("5.26.")
    assert state.data_dir == settings.neo4j_home / "data"
    assert not pid_file.exists()
    assert server.start(settings).running


def _second_home(tmp_path: Path, settings: Settings, port: int) -> Settings:
    """A home that shares the installed jars of the test home, without downloading them."""
    home = tmp_path / "home"
    home.mkdir()
    for folder in ("lib", "plugins"):
        (home / folder).symlink_to(settings.neo4j_home / folder)
    shutil.copy(settings.neo4j_home / MANIFEST, home / MANIFEST)
    return settings.model_copy(update={"neo4j_home": home, "neo4j_bolt_port": port,
                                       "neo4j_uri": f"bolt://127.0.0.1:{port}"})


def test_port_in_use_is_reported(tmp_path: Path, settings: Settings,
                                 running: server.ServerStatus) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        other = _second_home(tmp_path, settings, port)
        with pytest.raises(PortInUse, match=f"port {port}"):
            server.start(other)
    assert not server.status(other).running


def test_locked_data_directory_is_reported(tmp_path: Path, settings: Settings,
                                           running: server.ServerStatus) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    other = _second_home(tmp_path, settings, free_port)
    (other.neo4j_home / "data").symlink_to(settings.neo4j_home / "data")
    with pytest.raises(DataDirLocked, match="locked by another process"):
        server.start(other)


def test_install_asks_maven_for_exact_versions_and_says_what_it_does(
        tmp_path: Path, settings: Settings) -> None:
    """A new home from the warm shared repository: Maven gets exact versions, not ranges."""
    fresh = settings.model_copy(update={"neo4j_home": tmp_path / "fresh"})
    heard: list[str] = []
    installed = install(fresh, say=heard.append)
    assert installed.downloaded and installed.neo4j_version.startswith("5.26.")
    pom = (fresh.neo4j_home / ".build" / "pom.xml").read_text()
    apoc_pom = (fresh.neo4j_home / ".build" / "apoc-pom.xml").read_text()
    assert f"<version>{installed.neo4j_version}</version>" in pom and "[" not in pom
    assert f"<version>{installed.apoc_version}</version>" in apoc_pom and "[" not in apoc_pom
    assert any(f"Neo4j {installed.neo4j_version}" in line for line in heard)
    assert any("lib/" in line for line in heard) and any("plugins/" in line for line in heard)


def test_db_example_writes_the_identity_id_the_loader_would(
        settings: Settings, running: server.ServerStatus) -> None:
    from typer.testing import CliRunner

    from kg.cli import app
    from kg.ingestion.identities import identity_id
    from kg.ingestion.records import IdentityRef

    result = CliRunner().invoke(app, ["db", "example"])
    assert result.exit_code == 0, result.output
    expected = identity_id(IdentityRef(kind="email", value="ada@example.org"))
    assert expected.startswith("email:") and expected.count(":") == 2
    assert f'"{expected}"' in result.output
