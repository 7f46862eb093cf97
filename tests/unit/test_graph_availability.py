"""While Neo4j is away, requests needing it are answered 503 at once; others pass."""

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kg_api.graph_availability import FailFastWhileAway, GraphAvailability


def _app(availability: GraphAvailability) -> FastAPI:
    app = FastAPI()
    calls: list[str] = []
    app.state.calls = calls

    @app.get("/customers/{customer_id}/360")
    def view(customer_id: str) -> dict[str, str]:
        calls.append(customer_id)
        return {"id": customer_id}

    @app.get("/sparql")
    def sparql() -> dict[str, str]:
        calls.append("sparql")
        return {"ok": "yes"}

    app.add_middleware(FailFastWhileAway, availability=availability)
    return app


def test_a_window_opens_on_the_first_failure_and_closes_by_itself() -> None:
    availability = GraphAvailability(window=0.3)
    app = _app(availability)
    client = TestClient(app)
    assert client.get("/customers/a/360").status_code == 200
    availability.note_away()
    held = client.get("/customers/b/360")
    assert held.status_code == 503 and held.headers["retry-after"] == "5"
    assert client.get("/sparql").status_code == 200  # the mirror does not need Neo4j
    assert app.state.calls == ["a", "sparql"]  # the held request never reached its route
    time.sleep(0.35)
    assert client.get("/customers/c/360").status_code == 200
    assert app.state.calls == ["a", "sparql", "c"]
