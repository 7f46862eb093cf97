"""Customer summaries, corpus counts and similar customers follow every write.

The stored summary behind each 360° view must equal the sections computed live from the
customer's raw interactions, and the corpus counts must equal a count over the whole graph,
after a load, an ingest, a merge and an erasure alike.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kg.derivation.refresh import derive_everything
from kg.derivation.similarity import exact_top, jaccard
from kg.derivation.summary_check import READ_CORPUS_COUNTS, check_summaries
from kg.derivation.tallies import differences
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.services.merge_split import READ_CUSTOMERS_OF_IDENTITY_LIST
from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.reference_views import (
    concept_sets,
    corpus_counts,
    live_sections,
    view_sections,
)

pytestmark = pytest.mark.integration
READER = {"X-API-Key": "r"}
ADMIN = {"X-API-Key": "adm"}


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def _customers(settings: Settings) -> list[str]:
    with create_driver(settings) as driver:
        return sorted(r["customerId"] for r in run_query(driver, settings,
                                                          queries.READ_CUSTOMER_IDS))


def _stored_counts(settings: Settings) -> dict[str, int]:
    with create_driver(settings) as driver:
        return {r["countId"]: r["countValue"]
                for r in run_query(driver, settings, READ_CORPUS_COUNTS)}


def _view(client: TestClient, customer: str) -> dict[str, Any]:
    response = client.get(f"/customers/{customer}/360", params={"top": 100}, headers=READER)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _assert_views_equal_live(client: TestClient, settings: Settings, customers: list[str]
                             ) -> None:
    with create_driver(settings) as driver:
        for customer in customers:
            assert view_sections(_view(client, customer)) \
                == live_sections(driver, settings, customer), customer


def _assert_counts_from_scratch(settings: Settings) -> None:
    with create_driver(settings) as driver:
        expected = corpus_counts(driver, settings)
    assert expected["interactions"] > 0
    assert _stored_counts(settings) == expected


def test_every_view_equals_its_live_sections_and_counts_equal_a_full_count(
        client: TestClient, api_settings: Settings) -> None:
    customers = _customers(api_settings)
    assert len(customers) > 20
    _assert_views_equal_live(client, api_settings, customers)
    _assert_counts_from_scratch(api_settings)


def test_lift_reads_the_stored_counts(client: TestClient, api_settings: Settings) -> None:
    counts = _stored_counts(api_settings)
    checked = 0
    for customer in _customers(api_settings):
        for pair in _view(client, customer)["coOccurringConcepts"]:
            a, b = pair["concepts"]
            expected = (counts[f"pair:{a}|{b}"] * counts["interactions"]
                        / (counts[f"concept:{a}"] * counts[f"concept:{b}"]))
            assert abs(pair["lift"] - expected) < 1e-9
            checked += 1
    assert checked > 10


def test_concept_correlations_from_the_stored_counts_equal_a_live_count(
        client: TestClient, api_settings: Settings) -> None:
    """With no filter the route reads the corpus counts; a filter that keeps every interaction
    counts the same corpus live: the two answers agree figure for figure."""
    counts = _stored_counts(api_settings)
    concepts = sorted(key.removeprefix("concept:") for key in counts
                      if key.startswith("concept:"))
    assert len(concepts) >= 8
    compared = 0
    for concept in concepts:
        stored = client.get(f"/concepts/{concept}/correlations", headers=READER).json()
        live = client.get(f"/concepts/{concept}/correlations", headers=READER,
                          params={"since": "1900-01-01T00:00:00Z"}).json()
        assert stored["interactionsInScope"] == live["interactionsInScope"] \
            == counts["interactions"]
        assert stored["volume"] == live["volume"] == counts[f"concept:{concept}"]
        assert [(c["conceptId"], c["count"]) for c in stored["coOccurring"]] \
            == [(c["conceptId"], c["count"]) for c in live["coOccurring"]]
        for got, want in zip(stored["coOccurring"], live["coOccurring"], strict=True):
            assert abs(got["lift"] - want["lift"]) < 1e-9
            assert abs(got["npmi"] - want["npmi"]) < 1e-9
        assert len(stored["sampleInteractionIds"]) == min(10, stored["volume"])
        with create_driver(api_settings) as driver:
            [about] = run_query(driver, api_settings, """
                UNWIND $ids AS id
                MATCH (:Concept {conceptId: $concept})<-[:ABOUT_CONCEPT]-
                      (i:Interaction {interactionId: id})-[:AUTHORED_BY]->(:Identity)
                      <-[:HAS_IDENTITY]-(:Customer)
                RETURN count(DISTINCT i) AS n""",
                {"ids": stored["sampleInteractionIds"], "concept": concept})
        assert about["n"] == len(stored["sampleInteractionIds"])
        compared += len(stored["coOccurring"])
    assert compared > 10


def test_similar_customers_score_exactly_and_reach_the_exact_scores(
        client: TestClient, api_settings: Settings) -> None:
    with create_driver(api_settings) as driver:
        sets = concept_sets(driver, api_settings)
    agreeing = compared = 0
    for customer in sorted(sets):
        found = _view(client, customer)["similarCustomers"]
        for item in found:
            assert item["customerId"] != customer
            assert abs(item["jaccard"] - jaccard(sets[customer], sets[item["customerId"]])) \
                < 1e-12
            assert sorted(item["sharedConcepts"]) \
                == sorted(sets[customer] & sets[item["customerId"]])
        exact = exact_top(customer, sets, 5)
        compared += len(exact)
        agreeing += sum(1 for (_, want), got in zip(exact, found, strict=False)
                        if abs(got["jaccard"] - want) < 1e-12)
    assert compared > 50
    # a few neighbours with a low Jaccard may share no bucket; the best ones always do
    assert agreeing / compared >= 0.9, (agreeing, compared)


def test_summaries_follow_ingest_merge_and_erasure(client: TestClient,
                                                   api_settings: Settings) -> None:
    customers = _customers(api_settings)
    first, second, third = customers[:3]
    identity = _view(client, first)["identities"][0]
    before = _view(client, first)
    ingested = client.post("/interactions", headers={"X-API-Key": "w"}, json={
        "source": "summary-test", "source_id": "1", "kind": "Post", "channel": "twitter",
        "occurred_at": "2025-03-01T10:00:00Z",
        "text": "still waiting for my refund, the app keeps crashing",
        "author": {"kind": identity["kind"], "value": identity["value"],
                   "network": identity["network"]}})
    assert ingested.status_code == 200 and ingested.json()["loaded"] == 1, ingested.text
    after = _view(client, first)
    assert sum(c["interactions"] for c in after["channels"]) \
        == sum(c["interactions"] for c in before["channels"]) + 1
    _assert_views_equal_live(client, api_settings, [first])
    _assert_counts_from_scratch(api_settings)

    views = [_view(client, second), _view(client, third)]
    total = sum(c["interactions"] for view in views for c in view["channels"])
    merged = client.post(f"/customers/{second}/merge", json={"other": third}, headers=ADMIN)
    assert merged.status_code == 200, merged.text
    with create_driver(api_settings) as driver:
        now = run_query(driver, api_settings, READ_CUSTOMERS_OF_IDENTITY_LIST, {
            "identityIds": [i["identityId"] for view in views for i in view["identities"]]})
    [survivor] = {r["customerId"] for r in now}
    assert sum(c["interactions"] for c in _view(client, survivor)["channels"]) == total
    _assert_views_equal_live(client, api_settings, _customers(api_settings))
    _assert_counts_from_scratch(api_settings)

    erased = client.delete(f"/customers/{first}", headers=ADMIN)
    assert erased.status_code == 200, erased.text
    with create_driver(api_settings) as driver:
        left = run_query(driver, api_settings, """
            MATCH (s:CustomerSummary {summaryOf: $id}) RETURN count(s) AS n""", {"id": first})
    assert left == [{"n": 0}]
    _assert_counts_from_scratch(api_settings)
    for customer in _customers(api_settings):
        assert first not in [s["customerId"] for s in _view(client, customer)
                             ["similarCustomers"]]


def test_stale_summaries_are_detected_and_repaired(client: TestClient,
                                                   api_settings: Settings) -> None:
    with create_driver(api_settings) as driver:
        assert check_summaries(driver, api_settings).same
        [victim] = run_query(driver, api_settings, """
            MATCH (s:CustomerSummary) WITH s ORDER BY s.summaryOf LIMIT 1
            SET s.summaryView = '{}' RETURN s.summaryOf AS id""", write=True)
        run_query(driver, api_settings, """
            MATCH (n:CorpusCount {countId: 'interactions'}) SET n.countValue = n.countValue + 7
            """, write=True)
        assert differences(driver, api_settings.neo4j_database) == {}
        [concept] = run_query(driver, api_settings, """
            MATCH (k:Concept) WHERE k.interactionCount IS NOT NULL
            WITH k ORDER BY k.conceptId LIMIT 1
            SET k.interactionCount = k.interactionCount + 3 RETURN k.conceptId AS id""",
                              write=True)
        found = check_summaries(driver, api_settings)
        assert found.stale == [victim["id"]] and not found.missing and not found.orphaned
        [(stored, expected)] = found.wrong_counts.values()
        assert stored == expected + 7
        assert differences(driver, api_settings.neo4j_database) == {
            f"Concept:{concept['id']} interactionCount": -3}
        derive_everything(driver, api_settings)
        assert check_summaries(driver, api_settings).same
        assert differences(driver, api_settings.neo4j_database) == {}
    _assert_counts_from_scratch(api_settings)
    _assert_views_equal_live(client, api_settings, _customers(api_settings)[:10])
