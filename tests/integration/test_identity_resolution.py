"""Probabilistic identity resolution in the real graph: links with their evidence, merge
suggestions decided through the API and the CLI, and the incremental path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, LiteralString

import neo4j
import pytest
from fastapi.testclient import TestClient
from spacy.language import Language

from bench.graphs import wipe
from kg.derivation.linkage import PROBABILISTIC_RULE
from kg.derivation.refresh import derive_everything, refresh
from kg.extraction.pipeline import build_pipeline
from kg.graph.driver import create_driver, run_query
from kg.graph.schema import init_schema, seed_reference_data
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Loaded
from kg.ingestion.records import CustomerRecord
from kg.ingestion.rows import GraphBatch, add_customer_record
from kg.ingestion.writer import write_batch
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import owner_in_this_process
from kg.rdf.sync import check_offline
from kg.services.ingest import load
from kg.services.suggestions import READ_SUGGESTIONS
from kg.settings import Settings
from kg_api.main import create_app

READ_IDENTITIES: Final[LiteralString] = """
MATCH (x:Identity)
RETURN x.identityId AS identityId, x.displayName AS displayName, x.postcode AS postcode
"""

READ_IDENTITY_ASSIGNMENTS: Final[LiteralString] = """
MATCH (c:Customer)-[h:HAS_IDENTITY]->(x:Identity)
RETURN x.identityId AS identityId, c.customerId AS customerId, h.linkRule AS linkRule,
       h.linkScore AS linkScore
"""


pytestmark = pytest.mark.integration
KEYS = {"r": "reader", "w": "writer"}
CRM = """customer_id,given_name,family_name,birth_date,address_line1,city,postcode,email
C1,Ada,Okafor,1990-01-02,7 Wallaby Place,Delmar,2119,ada@example.org
C2,Ada,Okafr,1990-01-02,7 Wallaby Pl,Delmar,2119,
C3,Ben,Nguyen,1985-07-30,12 Hoseason Street,Granville,4881,ben@example.org
C4,Chloe,Garcia,1977-03-14,54 Mason Road,Milton,3165,
C5,Chloe,Garcia,1977-03-14,54 Mason Rd,Milton,3165,
"""
SURVEY = """response_id,submitted_at,email,nps,comment,given_name,family_name,birth_date,postcode
s1,2024-05-01T10:00:00Z,b.nguyen@example.net,3,delivery was late again,Ben,Nguyen,1985-07-30,4881
"""


@pytest.fixture(scope="module")
def graph_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from kg.neo4j_local import server

    server.start(settings)
    return settings.model_copy(update={
        "rdf_store": tmp_path_factory.mktemp("identity-rdf") / "mirror", "api_keys": KEYS})


@pytest.fixture(scope="module")
def nlp(graph_settings: Settings) -> Language:
    return build_pipeline(graph_settings)


@pytest.fixture(scope="module")
def loaded(graph_settings: Settings, nlp: Language, tmp_path_factory: pytest.TempPathFactory
           ) -> Path:
    folder = tmp_path_factory.mktemp("identity-data")
    (folder / "crm.csv").write_text(CRM, encoding="utf-8")
    (folder / "survey.csv").write_text(SURVEY, encoding="utf-8")
    mapping = load_mapping()
    with create_driver(graph_settings) as driver:
        wipe(driver, graph_settings)
        init_schema(driver, graph_settings, mapping)
        seed_reference_data(driver, graph_settings)
        for source, name in (("crm", "crm.csv"), ("survey", "survey.csv")):
            summary = load(source, [folder / name], driver=driver, settings=graph_settings,
                           nlp=nlp, mapping=mapping, dead_letters=folder / f"dead-{source}")
            assert summary.rejected == 0
    return folder


@pytest.fixture
def driver(graph_settings: Settings) -> Iterator[neo4j.Driver]:
    with create_driver(graph_settings) as graph_driver:
        yield graph_driver


def customer_of(driver: neo4j.Driver, settings: Settings, identity: str) -> str:
    [row] = run_query(driver, settings, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity {identityId: $id})
        RETURN c.customerId AS customerId""", {"id": identity})
    return str(row["customerId"])


def scored_links(driver: neo4j.Driver, settings: Settings) -> list[dict[str, Any]]:
    return run_query(driver, settings, """
        MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
        RETURN a.identityId AS a, b.identityId AS b, l.linkScore AS score,
               l.matchWeights AS weights ORDER BY a, b""", {"rule": PROBABILISTIC_RULE})


def test_a_probable_match_without_crm_conflict_is_linked_with_its_evidence(
        loaded: Path, graph_settings: Settings, driver: neo4j.Driver) -> None:
    survey_email = "email:email:b.nguyen@example.net"
    assert customer_of(driver, graph_settings, survey_email) == customer_of(
        driver, graph_settings, "crm:crm:C3")
    [row] = run_query(driver, graph_settings, """
        MATCH (:Customer)-[h:HAS_IDENTITY]->(:Identity {identityId: $id})
        RETURN h.linkRule AS rule, h.linkScore AS score""", {"id": survey_email})
    assert row["rule"] == PROBABILISTIC_RULE and row["score"] >= 0.99
    link = next(link for link in scored_links(driver, graph_settings)
                if {link["a"], link["b"]} == {survey_email, "crm:crm:C3"})
    weights = json.loads(link["weights"])
    assert weights["given_name"] > 0 and weights["birth_date"] > 0 and weights["postcode"] > 0


def test_records_with_different_crm_ids_become_suggestions_not_merges(
        loaded: Path, graph_settings: Settings, driver: neo4j.Driver) -> None:
    assert customer_of(driver, graph_settings, "crm:crm:C1") != customer_of(
        driver, graph_settings, "crm:crm:C2")
    client = TestClient(create_app(graph_settings))
    with client:
        page = client.get("/suggestions", headers={"X-API-Key": "r"}).json()
        pairs = {(item["a"], item["b"]): item for item in page["items"]}
        assert set(pairs) == {("crm:crm:C1", "crm:crm:C2"), ("crm:crm:C4", "crm:crm:C5")}
        assert page["total"] == 2
        ada = pairs[("crm:crm:C1", "crm:crm:C2")]
        assert ada["probability"] >= 0.9 and ada["matchWeights"]["birth_date"] > 0
        view = client.get(f"/customers/{ada['customerA']}/360",
                          headers={"X-API-Key": "r"}).json()
        evidence = [e for i in view["identities"] for e in i["evidence"]
                    if e["rule"] == PROBABILISTIC_RULE]
        assert evidence and evidence[0]["matchWeights"]["family_name"] is not None
        refused = client.post("/suggestions/decisions", headers={"X-API-Key": "r"},
                              json={"a": "crm:crm:C1", "b": "crm:crm:C2", "accept": True})
        assert refused.status_code == 403
        missing = client.post("/suggestions/decisions", headers={"X-API-Key": "w"},
                              json={"a": "crm:crm:C1", "b": "crm:crm:C3", "accept": True})
        assert missing.status_code == 404
        accepted = client.post("/suggestions/decisions", headers={"X-API-Key": "w"},
                               json={"a": "crm:crm:C2", "b": "crm:crm:C1", "accept": True})
        assert accepted.status_code == 200, accepted.text
        assert customer_of(driver, graph_settings, "crm:crm:C1") == customer_of(
            driver, graph_settings, "crm:crm:C2")
        left = client.get("/suggestions", headers={"X-API-Key": "r"}).json()
        assert [(i["a"], i["b"]) for i in left["items"]] == [("crm:crm:C4", "crm:crm:C5")]
    env = {**os.environ, "KG_NEO4J_URI": graph_settings.neo4j_uri,
           "KG_NEO4J_HOME": str(graph_settings.neo4j_home),
           "KG_RDF_STORE": str(graph_settings.rdf_store)}
    rejected = subprocess.run([sys.executable, "-m", "kg", "customers", "reject", "crm:crm:C4",
                               "crm:crm:C5"], env=env, capture_output=True, text=True,
                              check=False)
    assert rejected.returncode == 0, rejected.stderr
    listed = subprocess.run([sys.executable, "-m", "kg", "customers", "suggestions"], env=env,
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0 and listed.stdout.startswith("0 suggestions")
    assert customer_of(driver, graph_settings, "crm:crm:C4") != customer_of(
        driver, graph_settings, "crm:crm:C5")
    # a full resolution again keeps both decisions
    derive_everything(driver, graph_settings)
    assert customer_of(driver, graph_settings, "crm:crm:C1") == customer_of(
        driver, graph_settings, "crm:crm:C2")
    assert customer_of(driver, graph_settings, "crm:crm:C4") != customer_of(
        driver, graph_settings, "crm:crm:C5")


def test_the_refresh_path_scores_only_touched_identities_and_agrees_with_a_full_run(
        loaded: Path, graph_settings: Settings, driver: neo4j.Driver, tmp_path: Path) -> None:
    (tmp_path / "new.csv").write_text(
        "customer_id,given_name,family_name,birth_date,postcode,loyalty\n"
        "C9,Benn,Nguyen,1985-07-30,4881,L-77\n", encoding="utf-8")
    batch = GraphBatch()
    for item in ADAPTERS["crm"](tmp_path / "new.csv", AdapterOptions()):
        assert isinstance(item, Loaded) and isinstance(item.record, CustomerRecord)
        add_customer_record(batch, item.record, load_mapping())
    write_batch(driver, graph_settings, batch)
    before = scored_links(driver, graph_settings)
    counts = refresh(driver, graph_settings)
    after = scored_links(driver, graph_settings)
    added = [link for link in after if link not in before]
    assert added and all("crm:crm:C9" in (link["a"], link["b"]) for link in added)
    assert [link for link in after if "crm:crm:C9" not in (link["a"], link["b"])] == before
    assert counts.scored_pairs == len(added)
    assert counts.identities < len(run_query(driver, graph_settings,
                                                READ_IDENTITIES))  # one component
    customers = run_query(driver, graph_settings, READ_IDENTITY_ASSIGNMENTS)
    assert {"crm:crm:C9", "loyalty:loyalty:L-77"} <= {r["identityId"] for r in customers}
    derive_everything(driver, graph_settings)
    assert scored_links(driver, graph_settings) == after
    assert sorted(run_query(driver, graph_settings, READ_IDENTITY_ASSIGNMENTS),
                  key=lambda r: r["identityId"]) == sorted(customers,
                                                           key=lambda r: r["identityId"])
    owner = owner_in_this_process(graph_settings)  # the test API's, when it is serving
    assert (owner.check() if owner else check_offline(driver, graph_settings,
                                                      load_mapping())).same
    person = run_query(driver, graph_settings, """
        MATCH (x:Identity {identityId: 'crm:crm:C9'})
        RETURN x.givenName AS given, x.birthDate AS born, x.blockOnName AS block""")
    assert person == [{"given": "Benn", "born": "1985-07-30", "block": "benn|nguyen"}]
    assert run_query(driver, graph_settings, READ_SUGGESTIONS, {
        "rule": PROBABILISTIC_RULE, "decided": [], "skip": 0, "limit": 10})[0]["total"] >= 1
