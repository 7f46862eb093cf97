"""The 360° view from its one query equals, byte for byte, the view that separate reads (the
summary, the journey as the timeline reads it, the permissions as the consents endpoint reads
them) give once validated and written by the response model, for every customer, with consent
events of every kind and pending suggestions in the graph."""

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.settings import Settings
from kg_api.main import create_app
from kg_api.routes.customers import CUSTOMER_VIEW
from tests.integration.reference_views import validated_view

pytestmark = pytest.mark.integration


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def _customers(settings: Settings) -> list[str]:
    with create_driver(settings) as driver:
        return sorted(r["customerId"] for r in run_query(driver, settings,
                                                          queries.READ_CUSTOMER_IDS))


def _assert_views_equal(client: TestClient, settings: Settings, customers: list[str],
                        **params: int) -> list[dict[str, Any]]:
    paging = {"journey_offset": 0, "journey_limit": 20, "top": 10, **params}
    views = []
    with create_driver(settings) as driver:
        for customer in customers:
            response = client.get(f"/customers/{customer}/360", params=paging, headers=h("r"))
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/json"
            expected = validated_view(driver, settings, customer, **paging)
            assert response.content == expected, customer
            views.append(orjson.loads(response.content))
    return views


def _record(client: TestClient, customer: str, **body: Any) -> None:
    answer = client.post(f"/customers/{customer}/consents", json=body, headers=h("w"))
    assert answer.status_code == 200, answer.text


def test_every_view_equals_the_validated_view_of_separate_reads(
        client: TestClient, api_settings: Settings) -> None:
    customers = _customers(api_settings)
    assert len(customers) > 20
    views = _assert_views_equal(client, api_settings, customers)
    # the comparison covered every kind of section with something in it
    assert all(v["identities"] and v["permissions"]["decisions"] for v in views)
    for section in ("journey", "channels", "cases", "concepts", "entities", "coOccurringConcepts",
                    "similarCustomers"):
        assert any(v[section] for v in views), section
    assert any(s["occurredAt"] for v in views for s in v["journey"])
    assert any(c["lastContact"] for v in views for c in v["channels"])


def test_paging_and_top_follow_the_parameters(client: TestClient,
                                              api_settings: Settings) -> None:
    customers = _customers(api_settings)[:8]
    views = _assert_views_equal(client, api_settings, customers,
                                journey_offset=1, journey_limit=2, top=1)
    assert all(len(v["journey"]) <= 2 and len(v["concepts"]) <= 1 and v["journeyOffset"] == 1
               for v in views)
    assert any(len(v["journey"]) == 2 for v in views)
    assert client.get("/customers/nobody/360", headers=h("r")).status_code == 404


def test_permissions_in_the_view_equal_the_consents_endpoint(
        client: TestClient, api_settings: Settings) -> None:
    customer = _customers(api_settings)[2]
    view = client.get(f"/customers/{customer}/360", headers=h("r")).json()
    identity = view["identities"][0]
    history_before = len(view["permissions"]["history"])
    _record(client, customer, purpose="analytics", status="granted",
            givenAt="2025-01-01T00:00:00Z", expiresAt="2025-02-01T00:00:00Z")  # expired
    _record(client, customer, purpose="marketing", status="granted", channel="email",
            givenAt="2025-03-01T09:30:00.250000Z")
    _record(client, customer, purpose="marketing", status="withdrawn", channel="twitter",
            givenAt="2025-04-01T00:00:00Z", evidence="a survey checkbox")
    sent = client.post("/interactions", headers=h("w"), json={
        "source": "view-test", "source_id": "stop-1", "kind": "DirectMessage",
        "channel": "chat", "occurred_at": "2026-01-05T10:00:00Z",
        "text": "Please stop messaging me and delete my data.",
        "author": {"kind": identity["kind"], "value": identity["value"],
                   "network": identity["network"]}})
    assert sent.status_code == 200 and sent.json()["loaded"] == 1, sent.text
    [after] = _assert_views_equal(client, api_settings, [customer])
    permissions = after["permissions"]
    assert permissions == client.get(f"/customers/{customer}/consents", headers=h("r")).json()
    assert len(permissions["history"]) == history_before + 3
    assert [s["interactionId"] for s in permissions["suggestions"]] == ["view-test:stop-1"]
    analytics = next(d for d in permissions["decisions"] if d["purpose"] == "analytics")
    assert analytics["allowed"] is False and "expired" in analytics["reason"]
    # every other customer's view is unchanged in shape and still equal
    _assert_views_equal(client, api_settings, _customers(api_settings)[:6])


def test_a_permission_that_ran_out_drops_a_similar_customer_whatever_is_checked_first(
        api_settings: Settings) -> None:
    """A permission that ran out since the last refresh takes effect when the view is read:
    the candidate is dropped and its place filled from further down the ranking, the same
    whether permission is looked up on the first candidates only or on all of them."""
    from kg.derivation.similarity import BUCKET_CAP
    from kg_api.view_360 import SIMILAR_CUSTOMERS

    settings = api_settings
    with create_driver(settings) as driver:
        def similar(customer: str, first_checked: int) -> list[str]:
            [row] = run_query(driver, settings, CUSTOMER_VIEW, {
                "customerId": customer, "bucketCap": BUCKET_CAP,
                "firstChecked": first_checked, "similar": SIMILAR_CUSTOMERS, "skip": 0,
                "limit": 1, "category": "none", "suggestions": 0})
            return [s["customerId"] for s in row["similarCustomers"]]

        full = [(c, listed) for c in _customers(settings)
                if len(listed := similar(c, 1000)) == SIMILAR_CUSTOMERS]
        assert full, "no customer has a full list of similar customers"
        customer, listed = full[0]
        refused = listed[0]
        [old] = run_query(driver, settings, """
            MATCH (c:Customer {customerId: $c}) WITH c, c.analyticsExcluded AS old
            SET c.analyticsExcluded = true RETURN old""", {"c": refused}, write=True)
        try:
            answers = {n: similar(customer, n) for n in (0, 1, 3, 1000)}
        finally:
            run_query(driver, settings, "MATCH (c:Customer {customerId: $c}) "
                      "SET c.analyticsExcluded = $old", {"c": refused, "old": old["old"]},
                      write=True)
        assert refused not in answers[1000]
        assert answers[1000][:SIMILAR_CUSTOMERS - 1] == listed[1:]
        assert answers[0] == answers[1] == answers[3] == answers[1000]
        assert similar(customer, 1000) == listed
