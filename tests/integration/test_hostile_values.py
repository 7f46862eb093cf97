"""Values no field foresaw get a 4xx naming where they are, never a server error: lone
surrogates anywhere in a body, non-finite ratings, formulas in CSV downloads, media types in
another case, and a SPARQL query that would take the machine's memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from spacy.language import Language

from kg.graph.driver import create_driver
from kg.ingestion.records import InteractionRecord
from kg.ontology.mapping import load_mapping
from kg.rdf.csv_safety import neutralise_csv, neutralised
from kg.services.ingest import load
from kg.settings import Settings
from kg_api.main import create_app

WRITER, ANALYST = {"X-API-Key": "w"}, {"X-API-Key": "a"}
RECORD: dict[str, Any] = {
    "source": "hostile", "source_id": "1", "kind": "SurveyResponse", "channel": "survey",
    "occurred_at": "2025-01-01T10:00:00Z", "text": "fine",
    "author": {"kind": "email", "value": "hostile@example.org"}}
FORMULA = '=HYPERLINK("http://example.invalid/x","click")'


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings.model_copy(
            update={"sparql_worker_max_memory": "300m"}))) as test_client:
        yield test_client


@pytest.mark.parametrize(("body", "where"), [
    ({**RECORD, "author": {**RECORD["author"], "person": {"city": "Lyon \udc80"}}},
     ["body", "author", "person", "city"]),
    ({**RECORD, "consents": [{"purpose": "marketing", "status": "granted",
                              "given_at": "2024-12-01T00:00:00Z", "evidence": "box \udc80"}]},
     ["body", "consents", 0, "evidence"]),
])
def test_a_lone_surrogate_anywhere_is_a_422_naming_its_place(
        client: TestClient, body: dict[str, Any], where: list[Any]) -> None:
    response = client.post("/interactions", headers={**WRITER,
                                                     "Content-Type": "application/json"},
                           content=json.dumps(body))  # json escapes it as \udc80
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == where


def test_a_lone_surrogate_in_consent_evidence_is_a_422(client: TestClient) -> None:
    response = client.post("/customers/anyone/consents", headers={
        **WRITER, "Content-Type": "application/json"}, content=json.dumps(
        {"purpose": "marketing", "status": "granted", "evidence": "form \udc80"}))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "evidence"]


def test_a_load_sets_nested_lone_surrogates_and_bad_ratings_aside(
        api_settings: Settings, nlp: Language, tmp_path: Path) -> None:
    lines = [
        json.dumps({**RECORD, "source_id": "city",
                    "author": {**RECORD["author"], "person": {"city": "x\udc80"}}}),
        json.dumps({**RECORD, "source_id": "nan", "rating": float("nan")}),
        json.dumps({**RECORD, "source_id": "huge"}).replace('"fine"', '"fine", "rating": 1e400'),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with create_driver(api_settings) as driver:
        done = load("jsonl", [path], driver=driver, settings=api_settings, nlp=nlp,
                    mapping=load_mapping(), dead_letters=tmp_path / "dead.jsonl")
    assert (done.read, done.loaded, done.rejected) == (3, 0, 3)
    dead = [orjson.loads(line) for line in (tmp_path / "dead.jsonl").read_bytes().splitlines()]
    assert [d["position"] for d in dead] == ["line 1", "line 2", "line 3"]
    assert "surrogate" in dead[0]["reason"] and "infinity" in dead[2]["reason"]
    # Adapters that build records from other formats (CSV, email) meet the model's own checks.
    with pytest.raises(ValidationError) as caught:
        InteractionRecord.model_validate({
            **RECORD, "rating": float("inf"),
            "author": {**RECORD["author"], "person": {"city": "x\udc80"}}})
    assert sorted(".".join(map(str, e["loc"])) for e in caught.value.errors()) == [
        "author.person.city", "rating"]


@pytest.mark.parametrize("rating", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_ratings_are_refused(client: TestClient, rating: str) -> None:
    content = json.dumps({**RECORD, "source_id": f"r-{rating}"}).replace(
        '"fine"', f'"fine", "rating": {rating}')
    response = client.post("/interactions", content=content,
                           headers={**WRITER, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "rating"


def test_a_formula_in_a_message_stays_text_in_sparql_csv(client: TestClient) -> None:
    posted = client.post("/interactions", headers=WRITER, json={
        **RECORD, "source_id": "formula", "text": FORMULA})
    assert posted.status_code == 200, posted.text
    query = ('PREFIX ckg: <https://w3id.org/customer-kg/ontology#> '
             'SELECT ?t WHERE { ?i ckg:text ?t FILTER(STRSTARTS(?t, "=HYPERLINK")) }')
    response = client.get("/sparql", params={"query": query},
                          headers={**ANALYST, "Accept": "text/csv"})
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["t"], ["'" + FORMULA]]


def test_csv_neutralising_keeps_numbers_and_plain_text() -> None:
    assert [neutralised(c) for c in ("-3.5", "+44", "1e3", "@home", "-x", "plain", "\tx")] == [
        "-3.5", "+44", "1e3", "'@home", "'-x", "plain", "'\tx"]
    untouched = b"a,b\r\n1,plain\r\n"
    assert neutralise_csv(untouched) is untouched
    assert neutralise_csv(b'a\r\n"=cmd|\' /C calc\'!A0"\r\n') == b"a\r\n'=cmd|' /C calc'!A0\r\n"


def test_media_types_are_case_insensitive(client: TestClient) -> None:
    response = client.post("/sparql", content="SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                           headers={**ANALYST, "Content-Type": "Application/SPARQL-Query"})
    assert response.status_code == 200, response.text


def test_a_sparql_query_past_the_workers_memory_is_stopped_and_the_next_answers(
        client: TestClient) -> None:
    greedy = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } ORDER BY ?o ?c"  # sorts N² rows
    response = client.get("/sparql", params={"query": greedy}, headers=ANALYST)
    assert response.status_code == 400, response.text
    assert "KG_SPARQL_WORKER_MAX_MEMORY" in response.json()["detail"]
    after = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=ANALYST)
    assert after.status_code == 200 and after.json()["boolean"] is True
