"""Consent end to end on the real stack: recorded through the API, the CLI and loads, shown in
the 360° view, enforced on every aggregate and in the RDF mirror, and erased with the customer."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.services.ingest import load
from kg.settings import Settings
from kg_api.main import create_app

pytestmark = pytest.mark.integration

PREFIXES = """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
PREFIX ckr: <https://w3id.org/customer-kg/ref/>
PREFIX dpv: <https://w3id.org/dpv#>
"""
# An aggregate over the mirror's derived facts (customers and their identities), counting only
# customers the consent policy lets analytics count.
SPARQL_COUNTED = PREFIXES + """SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {
  ?c ckg:hasIdentity ?x . ?i ckg:authoredBy ?x ; ckg:aboutConcept ?k .
  FILTER NOT EXISTS { ?c ckg:analyticsExcluded true } }"""


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def cypher(client: TestClient, query: str, **parameters: Any) -> list[dict[str, Any]]:
    answer = client.post("/query/cypher", headers=h("a"),
                         json={"query": query, "parameters": parameters})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["rows"])


def sparql_number(client: TestClient, query: str) -> int:
    answer = client.get("/sparql", params={"query": query}, headers=h("a"))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def customer_with_messages(client: TestClient, rank: int = 0) -> str:
    rows = cypher(client, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        WITH c, count(i) AS n ORDER BY n DESC, c.customerId
        RETURN c.customerId AS id SKIP $rank LIMIT 1""", rank=rank)
    return str(rows[0]["id"])


def aggregates(client: TestClient, customer: str, concept: str) -> dict[str, Any]:
    """Every aggregate endpoint, reduced to figures a customer's messages move."""
    tree = client.get("/concepts", headers=h("r")).json()

    def tree_total(nodes: list[dict[str, Any]]) -> int:
        return sum(n["interactions"] + tree_total(n["narrower"]) for n in nodes)

    pains = client.get("/insights/pain-points", params={"limit": 100}, headers=h("r")).json()
    channels = client.get("/insights/channels", headers=h("r")).json()
    correlations = client.get(f"/concepts/{concept}/correlations", headers=h("r")).json()
    similar_lists = [client.get(f"/customers/{other}/360", headers=h("r")).json()
                     ["similarCustomers"] for other in all_customers(client) if other != customer]
    return {
        "tree": tree_total(tree),
        "negative": sum(p["negative"] for p in pains),
        "channels": sum(c["volume"] for c in channels),
        "scope": correlations["interactionsInScope"], "volume": correlations["volume"],
        "listed_as_similar": sum(customer in [s["customerId"] for s in listed]
                                 for listed in similar_lists),
        "sparql": sparql_number(client, SPARQL_COUNTED),
    }


def all_customers(client: TestClient) -> list[str]:
    return [r["id"] for r in cypher(client, "MATCH (c:Customer) RETURN c.customerId AS id "
                                            "ORDER BY id")]


def footprint(client: TestClient, customer: str) -> dict[str, int]:
    """What the customer's own messages contribute to each aggregate, counted in the graph."""
    [row] = cypher(client, """
        MATCH (c:Customer {customerId: $c})-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-
              (i:Interaction)
        WITH collect(i) AS own
        RETURN size(own) AS messages,
               size([i IN own WHERE EXISTS { (i)-[:VIA_CHANNEL]->(:Channel) }]) AS channelled,
               apoc.coll.sumLongs([i IN own | COUNT { (i)-[:ABOUT_CONCEPT]->(:Concept) }])
                 AS conceptPairs,
               apoc.coll.sumLongs([i IN own | COUNT { MATCH (i)-[:HAS_OPINION]->(o:Opinion)
                 -[:ABOUT_ASPECT]->(k:Concept) WHERE o.polarity = 'negative'
                 RETURN DISTINCT k }]) AS negativePairs,
               size([i IN own WHERE EXISTS { (i)-[:ABOUT_CONCEPT]->(:Concept) }])
                 AS withConcepts""", c=customer)
    return dict(row)


def top_concept(client: TestClient, customer: str) -> str:
    view = client.get(f"/customers/{customer}/360", headers=h("r")).json()
    return str(view["concepts"][0]["conceptId"])


def consent(client: TestClient, customer: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"/customers/{customer}/consents", json=body, headers=h("w"))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    assert result["mirrored"]
    return result


def test_withdrawing_analytics_leaves_the_customer_out_of_every_aggregate(
        client: TestClient) -> None:
    customer = customer_with_messages(client)
    concept = top_concept(client, customer)
    mine = footprint(client, customer)
    assert mine["messages"] > 0 and mine["conceptPairs"] > 0 and mine["negativePairs"] > 0
    [focus] = cypher(client, """
        MATCH (c:Customer {customerId: $c})-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-
              (i:Interaction)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $k})
        RETURN count(DISTINCT i) AS n""", c=customer, k=concept)
    before = aggregates(client, customer, concept)
    assert before["listed_as_similar"] > 0

    withdrawn = consent(client, customer, purpose="analytics", status="withdrawn",
                        givenAt="2026-01-10T09:00:00Z", evidence="phone call, ticket 77")
    decision = {d["purpose"]: d for d in withdrawn["permissions"]["decisions"]}["analytics"]
    assert not decision["allowed"] and "withdrawn" in decision["reason"]
    after = aggregates(client, customer, concept)
    assert after == {
        "tree": before["tree"] - mine["conceptPairs"],
        "negative": before["negative"] - mine["negativePairs"],
        "channels": before["channels"] - mine["channelled"],
        "scope": before["scope"] - mine["channelled"],
        "volume": before["volume"] - focus["n"],
        "listed_as_similar": 0,
        "sparql": before["sparql"] - mine["withConcepts"],
    }
    view = client.get(f"/customers/{customer}/360", headers=h("r")).json()
    assert view["concepts"] and view["journey"]  # their own view still shows their data
    assert view["similarCustomers"] == []
    # the mirror states the event in DPV terms
    assert sparql_number(client, PREFIXES + f"""SELECT (COUNT(?e) AS ?n) WHERE {{
        ?e a dpv:Consent ; dpv:hasPurpose ckr:purpose-analytics ;
           dpv:hasConsentStatus dpv:ConsentWithdrawn ; dpv:hasDataSubject ?x .
        ?c ckg:customerId "{customer}" ; ckg:hasIdentity ?x }}""") == 1

    regranted = consent(client, customer, purpose="analytics", status="granted",
                        givenAt="2026-01-20T09:00:00Z")
    assert len(regranted["permissions"]["history"]) == 2
    assert aggregates(client, customer, concept) == before


def test_an_expired_grant_counts_as_not_given(client: TestClient) -> None:
    customer = customer_with_messages(client, rank=1)
    channels_before = sum(c["volume"] for c in client.get("/insights/channels",
                                                          headers=h("r")).json())
    mine = footprint(client, customer)["channelled"]
    consent(client, customer, purpose="analytics", status="granted",
            givenAt="2025-01-01T00:00:00Z", expiresAt="2025-06-01T00:00:00Z")
    assert sum(c["volume"] for c in client.get("/insights/channels", headers=h("r")).json()) \
        == channels_before - mine
    asked = client.get(f"/customers/{customer}/contactable",
                       params={"purpose": "analytics"}, headers=h("r")).json()
    assert not asked["allowed"] and "expired" in asked["reason"]
    # a grant that runs out while the graph stands still: the predicate reads its expiry
    expires = datetime.now(UTC) + timedelta(seconds=20)
    consent(client, customer, purpose="analytics", status="granted",
            givenAt=datetime.now(UTC).isoformat(), expiresAt=expires.isoformat())
    assert sum(c["volume"] for c in client.get("/insights/channels", headers=h("r")).json()) \
        == channels_before
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 1)
    assert sum(c["volume"] for c in client.get("/insights/channels", headers=h("r")).json()) \
        == channels_before - mine
    consent(client, customer, purpose="analytics", status="granted",
            givenAt=datetime.now(UTC).isoformat())


def test_contactable_answers_with_the_reason(client: TestClient) -> None:
    customer = customer_with_messages(client, rank=2)

    def asked(purpose: str, channel: str | None = None) -> dict[str, Any]:
        params = {"purpose": purpose, **({"channel": channel} if channel else {})}
        answer = client.get(f"/customers/{customer}/contactable", params=params,
                            headers=h("r"))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    default = asked("marketing", "email")
    assert not default["allowed"] and "policy default is denied" in default["reason"]
    assert asked("service", "email")["allowed"]
    consent(client, customer, purpose="marketing", status="granted",
            givenAt="2026-02-01T00:00:00Z", evidence="newsletter form")
    consent(client, customer, purpose="marketing", status="withdrawn", channel="email",
            givenAt="2026-02-05T00:00:00Z")
    by_email = asked("marketing", "email")
    assert not by_email["allowed"] and "withdrawn on email" in by_email["reason"]
    by_phone = asked("marketing", "phone")
    assert by_phone["allowed"] and "granted on every channel" in by_phone["reason"]
    assert client.get(f"/customers/{customer}/contactable", params={"purpose": "spam"},
                      headers=h("r")).status_code == 400
    assert client.get(f"/customers/{customer}/contactable",
                      params={"purpose": "marketing", "channel": "fax"},
                      headers=h("r")).status_code == 400
    assert client.get("/customers/nobody/contactable", params={"purpose": "marketing"},
                      headers=h("r")).status_code == 404
    refused = client.post(f"/customers/{customer}/consents", headers=h("r"),
                          json={"purpose": "marketing", "status": "granted"})
    assert refused.status_code == 403
    bad = client.post(f"/customers/{customer}/consents", headers=h("w"),
                      json={"purpose": "marketing", "status": "granted",
                            "givenAt": "2026-02-05T00:00:00Z",
                            "expiresAt": "2026-02-01T00:00:00Z"})
    assert bad.status_code == 400 and "expires_at" in bad.json()["detail"]
    view = client.get(f"/customers/{customer}/360", headers=h("r")).json()
    assert [e["channel"] for e in view["permissions"]["current"]] == [None, "email"]
    assert {e["recordedBy"].split(":")[0] for e in view["permissions"]["history"]} == {"api"}


def test_a_load_carrying_a_newer_consent_replaces_the_older_one(
        client: TestClient, api_settings: Settings, tmp_path: Path) -> None:
    header = "customer_id,name,email,marketing_consent,consent_at\n"

    def load_crm(name: str, row: str) -> None:
        path = tmp_path / name
        path.write_text(header + row + "\n")
        with create_driver(api_settings) as driver:
            summary = load("crm", [path], driver=driver, settings=api_settings,
                           nlp=cast(FastAPI, client.app).state.nlp(),
                           mapping=load_mapping(), dead_letters=tmp_path / f"{name}.dead.jsonl")
        assert summary.loaded == 1, summary

    load_crm("first.csv", "CONSENT-1,Cora Consent,cora@example.org,yes,2025-03-01T09:00:00Z")
    [found] = client.get("/customers", params={"q": "cora@example.org"},
                         headers=h("r")).json()["items"]
    customer = found["customerId"]

    def marketing() -> dict[str, Any]:
        return dict(client.get(f"/customers/{customer}/contactable",
                               params={"purpose": "marketing"}, headers=h("r")).json())

    assert marketing()["allowed"]
    load_crm("newer.csv", "CONSENT-1,Cora Consent,cora@example.org,no,2025-05-01T09:00:00Z")
    assert not marketing()["allowed"]
    load_crm("older.csv", "CONSENT-1,Cora Consent,cora@example.org,yes,2025-04-01T09:00:00Z")
    still = marketing()
    assert not still["allowed"] and "2025-05-01" in still["reason"]
    load_crm("newer.csv", "CONSENT-1,Cora Consent,cora@example.org,no,2025-05-01T09:00:00Z")
    history = client.get(f"/customers/{customer}/consents", headers=h("r")).json()["history"]
    assert [(e["status"], e["givenAt"][:10], e["source"], e["recordedBy"]) for e in history] == [
        ("denied", "2025-05-01", "crm", "load:crm"),
        ("granted", "2025-04-01", "crm", "load:crm"),
        ("granted", "2025-03-01", "crm", "load:crm")]
    assert history[0]["evidence"] == "newer.csv line 2 column marketing_consent=no"


def test_a_withdrawal_message_is_evidence_for_a_person_not_a_change(client: TestClient) -> None:
    customer = customer_with_messages(client, rank=3)
    view = client.get(f"/customers/{customer}/360", headers=h("r")).json()
    identity = view["identities"][0]
    before = view["permissions"]
    sent = client.post("/interactions", headers=h("w"), json={
        "source": "consent-test", "source_id": "stop-1", "kind": "DirectMessage",
        "channel": "chat", "occurred_at": "2026-01-05T10:00:00Z",
        "text": "Please stop messaging me and delete my data.",
        "author": {"kind": identity["kind"], "value": identity["value"],
                   "network": identity["network"]}})
    assert sent.status_code == 200 and sent.json()["loaded"] == 1, sent.text
    detail = client.get("/interactions/consent-test:stop-1", headers=h("r")).json()
    assert "consent_withdrawal" in [i["category"] for i in detail["intents"]]
    after = client.get(f"/customers/{customer}/consents", headers=h("r")).json()
    assert after["history"] == before["history"] and after["decisions"] == before["decisions"]
    assert [s["interactionId"] for s in after["suggestions"]] == ["consent-test:stop-1"]
    listed = client.get("/consents/suggestions", headers=h("r")).json()
    assert "consent-test:stop-1" in [s["interactionId"] for s in listed["items"]]
    confirmed = consent(client, customer, purpose="marketing", status="withdrawn",
                        evidenceInteractionId="consent-test:stop-1")
    assert confirmed["permissions"]["suggestions"] == []
    assert confirmed["permissions"]["history"][0]["evidenceInteractionId"] == \
        "consent-test:stop-1"
    other = customer_with_messages(client, rank=4)
    wrong = client.post(f"/customers/{other}/consents", headers=h("w"), json={
        "purpose": "marketing", "status": "withdrawn",
        "evidenceInteractionId": "consent-test:stop-1"})
    assert wrong.status_code == 400


def test_the_cli_records_and_shows_consent(client: TestClient, api_settings: Settings) -> None:
    customer = customer_with_messages(client, rank=5)
    env = {**os.environ, "KG_RDF_STORE": str(api_settings.rdf_store)}

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kg", "consent", *args],
                              capture_output=True, text=True, env=env, check=False)

    granted = kg("grant", customer, "--purpose", "marketing", "--channel", "email",
                 "--at", "2026-03-01T10:00:00Z", "--evidence", "signed form", "--by", "agent-7")
    assert granted.returncode == 0, granted.stderr
    assert f"granted marketing on email for {customer}" in granted.stdout
    shown = kg("show", customer)
    assert shown.returncode == 0, shown.stderr
    assert "signed form" in shown.stdout and "by agent-7 via cli" in shown.stdout
    withdrawn = kg("withdraw", customer, "--purpose", "marketing", "--channel", "email",
                   "--at", "2026-03-02T10:00:00Z")
    assert withdrawn.returncode == 0, withdrawn.stderr
    asked = client.get(f"/customers/{customer}/contactable",
                       params={"purpose": "marketing", "channel": "email"},
                       headers=h("r")).json()
    assert not asked["allowed"] and "withdrawn on email" in asked["reason"]
    bad = kg("grant", customer, "--purpose", "spam")
    assert bad.returncode == 1 and "purpose" in bad.stderr
    unknown = kg("grant", "nobody", "--purpose", "marketing")
    assert unknown.returncode == 1 and "no customer" in unknown.stderr


def test_erasure_removes_consent_events(client: TestClient) -> None:
    customer = customer_with_messages(client, rank=6)
    for day in (1, 2):
        consent(client, customer, purpose="service", status="granted",
                givenAt=f"2026-04-0{day}T00:00:00Z")
    ids = [e["consentId"] for e in client.get(f"/customers/{customer}/consents",
                                              headers=h("r")).json()["history"]]
    assert len(ids) == 2
    erased = client.delete(f"/customers/{customer}", headers=h("adm"))
    assert erased.status_code == 200, erased.text
    assert erased.json()["consentsDeleted"] == 2 and erased.json()["mirrored"]
    assert cypher(client, "MATCH (e:Consent) WHERE e.consentId IN $ids RETURN count(e) AS n",
                  ids=ids) == [{"n": 0}]
    for consent_id in ids:
        assert sparql_number(client, PREFIXES + f"""SELECT (COUNT(*) AS ?n) WHERE {{
            ?e ckg:consentId "{consent_id}" ; ?p ?o }}""") == 0


def test_identity_linking_honours_the_linking_purpose_when_the_policy_requires_it(
        client: TestClient, api_settings: Settings, tmp_path: Path) -> None:
    from kg.consent.models import ConsentChange
    from kg.services.consent import record_consent

    required = api_settings.model_copy(update={"consent_linking_required": True})
    header = "customer_id,name,email,identity_linking_consent,consent_at\n"

    def load_crm(settings: Settings, row: str) -> None:
        path = tmp_path / "linking.csv"
        path.write_text(header + row + "\n")
        with create_driver(settings) as driver:
            summary = load("crm", [path], driver=driver, settings=settings,
                           nlp=cast(FastAPI, client.app).state.nlp(),
                           mapping=load_mapping(), dead_letters=tmp_path / "dead.jsonl")
        assert summary.loaded == 1, summary

    def identities(email: str) -> list[str]:
        [found] = client.get("/customers", params={"q": email}, headers=h("r")).json()["items"]
        view = client.get(f"/customers/{found['customerId']}/360", headers=h("r")).json()
        return sorted(i["kind"] for i in view["identities"])

    # the refusal is only honoured when the policy requires the linking purpose
    load_crm(api_settings, "LINK-1,Lee Link,lee@example.org,no,2025-01-01T00:00:00Z")
    assert identities("lee@example.org") == ["crm", "email"]
    load_crm(required, "LINK-2,Lou Link,lou@example.org,no,2025-01-01T00:00:00Z")
    assert identities("lou@example.org") == ["email"]
    [crm_only] = cypher(client, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity {identityId: 'crm:crm:LINK-2'})
        RETURN c.customerId AS id""")
    with create_driver(required) as driver:
        record_consent(driver, required, crm_only["id"], ConsentChange(
            purpose="identity_linking", status="granted", source="api",
            given_at=datetime(2025, 2, 1, tzinfo=UTC), recorded_by="test"))
    assert identities("lou@example.org") == ["crm", "email"]
