"""Probabilistic identity resolution: person rows, blocking, the linker's two modes, the
linking policy, and quality on a public development set (FEBRL 1)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import rdflib

from kg.derivation.linkage import MERGE_RULE, PROBABILISTIC_RULE, SPLIT_RULE, Link, resolve
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Loaded, Rejected
from kg.ingestion.records import CustomerRecord, InteractionRecord
from kg.ingestion.rows import GraphBatch, add_customer_record
from kg.ontology.files import default_ontology_dir
from kg.ontology.mapping import load_mapping
from kg.resolution.linker import blocking_requests, link_population, link_touched
from kg.resolution.models import BLOCKING_KEYS, PERSON_FIELDS, PersonRow
from kg.resolution.persons import person_row
from kg.resolution.probabilistic import load_model
from training.synthetic_people import people


def test_a_name_alone_is_not_a_person_record() -> None:
    assert person_row("x", {"givenName": "Ada", "familyName": "Okafor"}) is None
    assert person_row("x", {}, display_name="Ada Okafor") is None
    row = person_row("x", {"postcode": "sw1 2ab"}, display_name="  Ada   OKAFOR ")
    assert row == PersonRow("x", given_name="ada", family_name="okafor", postcode="SW12AB")


def test_swapped_names_share_the_name_block() -> None:
    one = person_row("a", {"givenName": "Ada", "familyName": "Okafor", "postcode": "1"})
    two = person_row("b", {"givenName": "Okafor", "familyName": "Ada", "postcode": "2"})
    assert one is not None and two is not None
    assert one.blocking_keys()["blockOnName"] == two.blocking_keys()["blockOnName"]
    assert one.blocking_keys()["blockOnPostcodeGivenName"] == "1|ada"
    assert set(one.blocking_keys()) <= set(BLOCKING_KEYS)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_crm_adapter_maps_person_attributes_onto_the_crm_identity(tmp_path: Path) -> None:
    path = _write(tmp_path / "crm.csv",
                  "customer_id,first_name,surname,date_of_birth,address,suburb,state,postcode,"
                  "country,email\n"
                  "C1,Ada,Okafor,19900102,7 Wallaby Place,Delmar,NSW,2119,AU,ada@x.org\n"
                  "C2,Ben,Ng,02/01/1990,,,,,,\n")
    items = list(ADAPTERS["crm"](path, AdapterOptions()))
    first, second = items
    assert isinstance(first, Loaded) and isinstance(first.record, CustomerRecord)
    person = first.record.person
    assert person is not None and person.birth_date == "1990-01-02"
    assert (person.address_line1, person.city, person.region, person.country) == (
        "7 Wallaby Place", "Delmar", "NSW", "AU")
    assert first.record.name == "Ada Okafor"
    assert isinstance(second, Rejected) and second.field == "person.birth_date"
    batch = GraphBatch()
    add_customer_record(batch, first.record, load_mapping())
    rows = {row["identityId"]: row for row in batch.rows["identities"]}
    crm, email = rows["crm:crm:C1"], rows["email:email:ada@x.org"]
    assert crm["person"]["givenName"] == "Ada" and crm["postcode"] == "2119"
    assert crm["person"]["blockOnName"] == "ada|okafor"
    assert email["person"] == {} and email["postcode"] is None  # one person row per record


def test_survey_and_mapped_csv_carry_person_attributes(tmp_path: Path) -> None:
    survey = _write(tmp_path / "s.csv", "response_id,submitted_at,email,nps,comment,given_name,"
                    "family_name,postcode\nr1,2024-05-01T10:00:00Z,ada@x.org,9,great,Ada,"
                    "Okafor,2119\n")
    [item] = ADAPTERS["survey"](survey, AdapterOptions())
    assert isinstance(item, Loaded) and isinstance(item.record, InteractionRecord)
    author = item.record.author
    assert author is not None and author.person is not None
    assert (author.person.given_name, author.postcode, author.display_name) == (
        "Ada", "2119", "Ada Okafor")
    mapping = _write(tmp_path / "m.json", '{"source": "desk", "kind": "Ticket", "channel": '
                     '"webform", "columns": {"source_id": "id", "occurred_at": "at", "text": '
                     '"t", "author.email": "mail", "author.family_name": "last", '
                     '"author.birth_date": "dob", "author.postcode": "pc"}}')
    tickets = _write(tmp_path / "t.csv", "id,at,t,mail,last,dob,pc\n"
                     "1,2024-05-01T10:00:00Z,hi,ada@x.org,Okafor,1990-01-02,2119\n")
    [ticket] = ADAPTERS["csv"](tickets, AdapterOptions(mapping=mapping))
    assert isinstance(ticket, Loaded) and isinstance(ticket.record, InteractionRecord)
    author = ticket.record.author
    assert author is not None and author.person is not None
    assert (author.person.family_name, author.person.birth_date, author.postcode) == (
        "Okafor", "1990-01-02", "2119")


def _rows(count: int) -> tuple[list[PersonRow], dict[str, str]]:
    records = list(people(count, seed=5))
    rows = [person_row(p.record_id, p.attributes) for p in records]
    return [r for r in rows if r is not None], {p.record_id: p.person for p in records}


def test_incremental_scoring_finds_what_whole_population_scoring_finds() -> None:
    rows, _ = _rows(600)
    model = load_model()
    everything = link_population(rows, model, min_probability=0.5)
    touched = rows[::7]
    touched_ids = {row.record_id for row in touched}
    existing = [row for row in rows if row.record_id not in touched_ids]
    fetched: list[Mapping[str, set[str]]] = []

    def fetch(wanted: Mapping[str, set[str]]) -> list[PersonRow]:
        fetched.append(wanted)
        return [row for row in existing if any(
            key in wanted.get(name, set()) for name, key in row.blocking_keys().items())]

    incremental = link_touched(touched, fetch, model, min_probability=0.5)
    expected = [p for p in everything if p.a in touched_ids or p.b in touched_ids]
    assert len(expected) > 20
    assert [(p.a, p.b, p.probability) for p in incremental] == [
        (p.a, p.b, p.probability) for p in expected]
    assert fetched == [blocking_requests(touched)]


def test_every_link_explains_itself_by_attribute() -> None:
    rows, truth = _rows(400)
    pairs = link_population(rows, load_model(), min_probability=0.99)
    assert len(pairs) > 20
    assert sum(truth[p.a] == truth[p.b] for p in pairs) / len(pairs) >= 0.99
    prior = load_model()["probability_two_random_records_match"]
    import math
    prior_weight = math.log2(prior / (1 - prior))
    for pair in pairs:
        assert set(pair.field_weights) == set(PERSON_FIELDS)
        assert pair.match_weight == pytest.approx(
            prior_weight + sum(pair.field_weights.values()), abs=0.02)


def test_policy_links_probable_pairs_and_suggests_the_rest() -> None:
    ids = ["crm:crm:1", "crm:crm:2", "email:email:a@x", "handle:shop:b", "handle:shop:c",
           "handle:shop:d"]
    links = [
        Link("crm:crm:1", "crm:crm:2", PROBABILISTIC_RULE, 0.999),  # two CRM ids: suggestion
        Link("email:email:a@x", "handle:shop:b", PROBABILISTIC_RULE, 0.995),  # applied
        Link("handle:shop:b", "handle:shop:c", PROBABILISTIC_RULE, 0.95),  # below: suggestion
        Link("handle:shop:c", "handle:shop:d", PROBABILISTIC_RULE, 0.999),
        Link("handle:shop:c", "handle:shop:d", SPLIT_RULE, 0.0),  # vetoed by an analyst
        Link("crm:crm:1", "email:email:a@x", "record:crm", 1.0),
    ]
    result = resolve(ids, links, key=b"test", link_probability=0.99)
    same = result.customer_of
    assert same["crm:crm:1"] == same["email:email:a@x"] == same["handle:shop:b"]
    assert same["crm:crm:2"] != same["crm:crm:1"]
    assert same["handle:shop:c"] != same["handle:shop:b"] != same["handle:shop:d"]
    assert {(s.a, s.b) for s in result.suggestions} == {
        ("crm:crm:1", "crm:crm:2"), ("handle:shop:b", "handle:shop:c")}
    assert result.link_of["handle:shop:b"] == (PROBABILISTIC_RULE, 0.995)
    accepted = resolve(ids, [*links, Link("crm:crm:1", "crm:crm:2", MERGE_RULE, 1.0)],
                       key=b"test",
                       link_probability=0.99)
    assert accepted.customer_of["crm:crm:2"] == accepted.customer_of["crm:crm:1"]


def test_febrl1_development_set_through_the_crm_adapter(tmp_path: Path) -> None:
    from kg.derivation.linkage import person_rows_of
    from training.identity_eval import (
        clusters,
        febrl_frame,
        identity_rows,
        write_crm_csv,
    )
    from training.quality import pairwise_scores

    truth = write_crm_csv(febrl_frame(1), tmp_path / "febrl1.csv")
    identities, _ = identity_rows(ADAPTERS["crm"](tmp_path / "febrl1.csv", AdapterOptions()),
                                  load_mapping())
    rows = person_rows_of(identities.values())
    assert len(rows) == 1000
    pairs = link_population(rows, load_model(), min_probability=0.99)
    precision, recall = pairwise_scores(clusters(truth, [(p.a, p.b) for p in pairs]), truth)
    assert precision >= 0.99 and recall >= 0.95


def test_person_attributes_are_aligned_to_schema_org() -> None:
    graph = rdflib.Graph().parse(default_ontology_dir() / "customer-kg.ttl")
    ckg, schema = (rdflib.Namespace("https://w3id.org/customer-kg/ontology#"),
                   rdflib.Namespace("https://schema.org/"))
    for ours, theirs in (("givenName", "givenName"), ("familyName", "familyName"),
                         ("birthDate", "birthDate"), ("streetAddress", "streetAddress"),
                         ("addressLocality", "addressLocality"), ("postcode", "postalCode"),
                         ("addressRegion", "addressRegion"),
                         ("addressCountry", "addressCountry")):
        assert (ckg[ours], rdflib.RDFS.subPropertyOf, schema[theirs]) in graph
        assert (ckg[ours], rdflib.RDFS.comment, None) in graph
