"""Integration tests run against the real local Neo4j that ``scripts/test`` installs and starts.

Settings come from the environment (``scripts/test`` points ``KG_NEO4J_HOME`` at a test home
and the Bolt port at 7697), so the user's own database is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator

import neo4j
import pytest

from kg.graph.driver import create_driver
from kg.neo4j_local import server
from kg.settings import Settings, load_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def running(settings: Settings) -> server.ServerStatus:
    """The server, started when a previous test left it stopped."""
    return server.start(settings)


@pytest.fixture
def driver(settings: Settings, running: server.ServerStatus) -> Iterator[neo4j.Driver]:
    with create_driver(settings) as graph_driver:
        yield graph_driver
