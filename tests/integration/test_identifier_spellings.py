"""Invisible characters and other Unicode spellings neither get past suppression nor split a
person in two; look-alike letters of other scripts still name someone else."""

from __future__ import annotations

from typing import Any

import neo4j
from fastapi.testclient import TestClient

from kg.graph.driver import run_query
from kg.settings import Settings

WRITER, ADMIN = {"X-API-Key": "w"}, {"X-API-Key": "adm"}


def _message(source_id: str, email: str) -> dict[str, Any]:
    return {"source": "spelling", "source_id": source_id, "kind": "EmailMessage",
            "channel": "email", "occurred_at": "2025-02-01T10:00:00Z",
            "text": "Where is my refund?", "author": {"kind": "email", "value": email}}


def _customer_of(driver: neo4j.Driver, settings: Settings, source_id: str) -> str | None:
    rows = run_query(driver, settings, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-
              (:Interaction {sourceRecordId: $sourceId})
        RETURN c.customerId AS id""", {"sourceId": source_id})
    return rows[0]["id"] if rows else None


def test_an_erased_address_with_invisible_characters_is_still_suppressed(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    driver, settings = live
    assert live_client.post("/interactions", headers=WRITER,
                       json=_message("first", "ada.kim193@example.com")).status_code == 200
    customer = _customer_of(driver, settings, "first")
    assert customer is not None
    assert live_client.delete(f"/customers/{customer}", headers=ADMIN).status_code == 200
    for number, spelling in enumerate(("ada.kim193\u200b@example.com",
                                       "ada.kim193@example.com\u2060",
                                       "\uff41da.kim193@example.com")):
        again = live_client.post("/interactions", headers=WRITER,
                            json=_message(f"again-{number}", spelling))
        assert again.status_code == 422, (spelling, again.text)
        assert "suppressed" in again.json()["detail"][0]["reason"]
    assert run_query(driver, settings, "MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 0}]


def test_composed_and_decomposed_spellings_are_one_customer(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    driver, settings = live
    for source_id, email in (("nfc", "jos\u00e9.ruiz@example.com"),
                             ("nfd", "jose\u0301.ruiz@example.com"),
                             ("look-alike", "jos\u00e9.ruiz@ex\u0430mple.com")):
        assert live_client.post("/interactions", headers=WRITER,
                           json=_message(source_id, email)).status_code == 200
    assert _customer_of(driver, settings, "nfc") == _customer_of(driver, settings, "nfd")
    assert _customer_of(driver, settings, "look-alike") != _customer_of(driver, settings, "nfc")
