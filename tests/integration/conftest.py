"""Integration tests run against the real local Neo4j that ``scripts/test`` installs and starts.

Settings come from the environment (``scripts/test`` points ``KG_NEO4J_HOME`` at a test home
and the Bolt port at 7697), so the user's own database is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient

from bench.graphs import wipe
from kg.extraction.pipeline import build_pipeline
from kg.graph.driver import create_driver
from kg.graph.schema import init_schema, seed_reference_data
from kg.neo4j_local import server
from kg.ontology.mapping import load_mapping
from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.support import API_KEYS


@pytest.fixture
def running(settings: Settings) -> server.ServerStatus:
    """The server, started when a previous test left it stopped."""
    return server.start(settings)


@pytest.fixture
def driver(settings: Settings, running: server.ServerStatus) -> Iterator[neo4j.Driver]:
    with create_driver(settings) as graph_driver:
        yield graph_driver


@pytest.fixture(scope="module")
def api_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A freshly loaded generated corpus (seed 5) and the API's test keys."""
    from bench.graphs import wipe
    from kg.ingestion.generator import generate
    from tests.integration.support import API_KEYS, load_corpus

    server.start(settings)
    configured = settings.model_copy(update={
        "rdf_store": tmp_path_factory.mktemp("api-rdf") / "mirror", "api_keys": API_KEYS,
        "query_max_rows": 50, "api_max_body_bytes": 200_000})
    folder = tmp_path_factory.mktemp("api-corpus")
    generate(folder, customers=40, interactions=200, seed=5)
    with create_driver(configured) as driver:
        wipe(driver, configured)
    load_corpus(folder, configured, build_pipeline(configured),
                tmp_path_factory.mktemp("api-dead") / "dead.jsonl")
    return configured


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[tuple[neo4j.Driver, Settings]]:
    """An empty graph with its schema and reference data, and a mirror store of its own."""
    server.start(settings)
    configured = settings.model_copy(update={"rdf_store": tmp_path / "mirror"})
    with create_driver(configured) as driver:
        wipe(driver, configured)
        init_schema(driver, configured, load_mapping())
        seed_reference_data(driver, configured)
        yield driver, configured


@pytest.fixture
def live_client(live: tuple[neo4j.Driver, Settings]) -> Iterator[TestClient]:
    """The API over the empty ``live`` graph, with the test keys (no start-up rehearsal)."""
    _, configured = live
    configured = configured.model_copy(update={"api_keys": API_KEYS, "api_warm_up": False})
    with TestClient(create_app(configured)) as test_client:
        yield test_client
