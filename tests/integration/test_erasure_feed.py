"""After an erasure the change feed keeps no key of the erased person: earlier records are
rewritten without them, and the erasure's own record is emptied once the mirror applied it."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from kg.graph.driver import run_query
from kg.settings import Settings

WRITER, ADMIN = {"X-API-Key": "w"}, {"X-API-Key": "adm"}
EMAIL, PHONE, HANDLE = "ada.feed@example.com", "+44 7700 900777", "ada_feed"


def _message(source_id: str, **extra: Any) -> dict[str, Any]:
    return {"source": "feed", "source_id": source_id, "kind": "EmailMessage",
            "channel": "email", "occurred_at": "2025-02-01T10:00:00Z",
            "text": "Where is my refund for order 4411?",
            "author": {"kind": "email", "value": EMAIL}, **extra}


def _feed_strings(driver: neo4j.Driver, settings: Settings) -> list[str]:
    rows = run_query(driver, settings, """
        MATCH (r:ChangeRecord)
        RETURN coalesce(r.touchedNodes, []) + coalesce(r.touchedEdges, [])
               + coalesce(r.pendingInteractions, []) + coalesce(r.pendingIdentities, [])
               + coalesce(r.pendingCustomers, []) AS names""")
    return [name for row in rows for name in row["names"]]


def test_an_erased_persons_keys_leave_the_change_feed(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    driver, settings = live
    posted = live_client.post("/interactions", headers=WRITER, json=[
        _message("m1", also_known_as=[{"kind": "phone", "value": PHONE},
                                      {"kind": "handle", "network": "twitter",
                                       "value": HANDLE}]),
        _message("m2", text="Still nothing, order 4411")])
    assert posted.status_code == 200 and posted.json()["loaded"] == 2
    other = live_client.post("/interactions", headers=WRITER, json={
        **_message("o1"), "author": {"kind": "email", "value": "someone.else@example.com"}})
    assert other.status_code == 200
    [customer] = [r["id"] for r in run_query(driver, settings, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity {identityId: $id})
        RETURN c.customerId AS id""", {"id": f"email:email:{EMAIL}"})]
    consent = live_client.post(f"/customers/{customer}/consents", headers=WRITER,
                          json={"purpose": "marketing", "status": "granted"})
    assert consent.status_code in (200, 201), consent.text
    before = _feed_strings(driver, settings)
    assert any(EMAIL in name for name in before)  # the feed named them while they were here
    erased = live_client.delete(f"/customers/{customer}", headers=ADMIN)
    assert erased.status_code == 200 and erased.json()["mirrored"] is True
    after = _feed_strings(driver, settings)
    digits = "447700900777"
    # The customer id is a keyed hash (no identifier can be read from it): it may stay.
    for secret in (EMAIL, digits, HANDLE, "feed:m1", "feed:m2"):
        assert not [name for name in after if secret in name], secret
    assert any("feed:o1" in name for name in after)  # someone else's records are intact
    assert run_query(driver, settings, """
        MATCH (r:ChangeRecord) WHERE r.holdsErasedKeys = true RETURN count(r) AS n""") == [
        {"n": 0}]


@pytest.mark.parametrize("query", [
    "MATCH (r:ChangeRecord) RETURN r.touchedNodes AS nodes",
    "MATCH (r:`ChangeRecord`) RETURN count(r) AS n",
    "MATCH (s:Suppression) RETURN s.suppressionKey AS key",
    "MATCH (n) WHERE n.touchedNodes IS NOT NULL RETURN n.touchedNodes AS nodes",
    "MATCH (n) RETURN n",  # every node: the feed's among them
])
def test_analysts_cannot_read_the_change_feed(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient, query: str) -> None:
    assert live_client.post("/interactions", headers=WRITER,
                       json=_message("f1")).status_code == 200
    response = live_client.post("/query/cypher", headers={"X-API-Key": "a"}, json={"query": query})
    assert response.status_code in (400, 403), response.text
    assert "bookkeeping" in response.json()["detail"]


def test_analysts_still_read_the_graph_and_words_in_text(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    assert live_client.post("/interactions", headers=WRITER,
                       json=_message("f2", text="what is a ChangeRecord?")).status_code == 200
    response = live_client.post("/query/cypher", headers={"X-API-Key": "a"}, json={
        "query": "MATCH (i:Interaction) WHERE i.text CONTAINS 'ChangeRecord' "
                 "RETURN i.interactionId AS id"})
    assert response.status_code == 200 and response.json()["rows"] == [{"id": "feed:f2"}]
