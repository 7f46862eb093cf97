"""Responses are encoded without per-field Python work: route results are validated once
against their response models and written to JSON bytes by pydantic-core, bodies the API
builds itself by orjson; FastAPI's field-by-field ``jsonable_encoder`` never runs for them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastapi.routing
import orjson
import pytest
from fastapi.testclient import TestClient

from kg.settings import Settings
from kg_api.main import create_app

pytestmark = pytest.mark.integration
ANALYST = {"X-API-Key": "a"}


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def _cypher(client: TestClient, query: str) -> list[dict[str, Any]]:
    response = client.post("/query/cypher", headers=ANALYST, json={"query": query})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def test_json_routes_never_encode_field_by_field(client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    [ids] = _cypher(client, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
              -[:ABOUT_CONCEPT]->(k:Concept),
              (i)-[:PART_OF_CASE]->(case:Case)
        WITH c, i, k, case ORDER BY c.customerId, i.interactionId, k.conceptId LIMIT 1
        RETURN c.customerId AS customer, i.interactionId AS interaction,
               k.conceptId AS concept, case.caseId AS case""")
    paths = ["/customers?q=example", f"/customers/{ids['customer']}/360",
             f"/customers/{ids['customer']}/timeline", "/concepts",
             f"/concepts/{ids['concept']}/correlations", "/insights/pain-points",
             "/insights/channels", f"/interactions/{ids['interaction']}",
             f"/cases/{ids['case']}", "/session", "/suggestions"]

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("a response was encoded field by field")

    monkeypatch.setattr(fastapi.routing, "jsonable_encoder", refuse)
    for path in paths:
        response = client.get(path, headers=ANALYST)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"] == "application/json", path
        assert orjson.loads(response.content), path
    cypher = client.post("/query/cypher", headers=ANALYST,
                         json={"query": "UNWIND range(1, 3) AS n RETURN n, 'x' + n AS s"})
    assert cypher.status_code == 200
    assert cypher.json() == {"columns": ["n", "s"], "truncated": False,
                             "rows": [{"n": 1, "s": "x1"}, {"n": 2, "s": "x2"},
                                      {"n": 3, "s": "x3"}]}


def test_cypher_byte_cap_counts_the_bytes_sent(api_settings: Settings) -> None:
    """The cap counts each row's encoded bytes: a result stops before the body passes it."""
    capped = api_settings.model_copy(update={"api_max_response_bytes": 2_000})
    with TestClient(create_app(capped)) as small:
        response = small.post("/query/cypher", headers=ANALYST, json={
            "query": "UNWIND range(1, 40) AS n RETURN n, $pad AS pad",
            "parameters": {"pad": "x" * 100}})
    assert response.status_code == 200
    body = response.json()
    assert body["truncated"] is True
    assert 10 <= len(body["rows"]) < 40
    assert len(response.content) <= 2_000 + 100  # the cap plus the envelope
    assert [row["n"] for row in body["rows"]] == list(range(1, len(body["rows"]) + 1))
