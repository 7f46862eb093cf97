"""Neo4j away: every route answers 503 with Retry-After (never a 500, never a hang), and
/health says so quickly without naming the server's address or the driver's error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.support import API_KEYS

KEY = {"X-API-Key": "adm"}
RECORD = {"source": "outage", "source_id": "1", "kind": "Post", "channel": "twitter",
          "occurred_at": "2025-01-01T10:00:00Z", "text": "where is my parcel",
          "author": {"kind": "handle", "network": "twitter", "value": "outage_probe"}}


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> TestClient:
    gone = settings.model_copy(update={
        "neo4j_uri": "bolt://127.0.0.1:9", "api_keys": API_KEYS, "api_warm_up": False,
        "rdf_store": tmp_path / "mirror", "api_graph_wait_seconds": 1.0,
        "neo4j_retry_seconds": 1.0})
    with TestClient(create_app(gone)) as test_client:
        yield test_client


def test_health_is_503_and_says_nothing_of_the_server(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json() == {"status": "degraded", "neo4j": "unavailable"}
    assert "bolt" not in response.text and "127.0.0.1" not in response.text


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/customers?q=ada", None),
    ("GET", "/customers/c-1/360", None),
    ("GET", "/insights/pain-points", None),
    ("POST", "/query/cypher", {"query": "MATCH (c:Customer) RETURN count(c) AS n"}),
    ("POST", "/interactions", RECORD),
    ("POST", "/customers/c-1/consents", {"purpose": "marketing", "status": "granted"}),
    ("DELETE", "/customers/c-1", None),
])
def test_the_main_routes_answer_503_with_retry_after(client: TestClient, method: str,
                                                     path: str, body: object) -> None:
    response = client.request(method, path, headers=KEY, json=body)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert "bolt" not in response.text


def test_no_route_answers_a_server_error(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert len(paths) > 20
    for template, operations in sorted(paths.items()):
        path = re.sub(r"\{[^}]+\}", "x", template)
        for method in sorted(m.upper() for m in operations):
            response = client.request(method, path, headers=KEY,
                                      json={} if method == "POST" else None)
            assert response.status_code < 500 or response.status_code == 503, (
                method, path, response.status_code, response.text)
