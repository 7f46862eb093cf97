"""Whole-population resolution gives exactly what the incremental refresh gives.

A seeded population of a few thousand person records (noisy duplicates, some carrying CRM ids
so that duplicates with different CRM ids must stay apart as merge suggestions, some sharing an
email so that source records link them) plus a generated corpus of customers and interactions
(identifiers typed in message text, which never link). It is derived once in each mode, before
and after analysts' merges, splits and an accepted suggestion; every node, relationship and
property must agree, the scored links (rule, probability, per-field weights), customers and
suggestions too, and the RDF mirror must follow the whole-population run from the change feed.
"""

from __future__ import annotations

import random
from itertools import islice
from pathlib import Path
from typing import Any

import neo4j
import pytest
from spacy.language import Language

from bench.graphs import READ_CUSTOMER_OF_IDENTITIES
from kg.derivation import by_customer
from kg.derivation.linkage import MERGE_RULE, PROBABILISTIC_RULE, SPLIT_RULE
from kg.derivation.refresh import READ_PENDING_CHANGES, RefreshSummary, derive_everything, refresh
from kg.graph.driver import run_query
from kg.ingestion.generator import generate
from kg.ingestion.records import CustomerRecord, IdentityRef
from kg.ingestion.rows import GraphBatch, add_customer_record
from kg.ingestion.writer import write_batch
from kg.ontology.mapping import load_mapping
from kg.rdf.sink import OxigraphSink
from kg.rdf.sync import check, open_store, sync
from kg.services.erasure import erase_customer
from kg.services.ingest import load
from kg.services.merge_split import READ_IDENTITIES_OF_CUSTOMER, merge_customers, split_identity
from kg.services.suggestions import decide, list_suggestions
from kg.settings import Settings
from tests.integration.graph_state import FORGET_DERIVED, fingerprint
from training.synthetic_people import people, person_attributes

pytestmark = pytest.mark.integration

PEOPLE = 2000
SCORED_LINKS = """
MATCH (a:Identity)-[l:LINKED_WITH]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b, l.linkRule AS rule, l.linkScore AS score,
       l.matchWeight AS matchWeight, l.matchWeights AS matchWeights ORDER BY a, b, rule
"""


def _write_people(driver: neo4j.Driver, settings: Settings) -> None:
    """Synthetic person records: every fourth carries its own CRM id (so duplicates of one
    person with two CRM ids conflict), every seventh an email shared by two records."""
    mapping = load_mapping()
    records = people(PEOPLE, seed=29)
    number = 0
    while chunk := list(islice(records, 500)):
        batch = GraphBatch()
        for person in chunk:
            refs = [IdentityRef(kind="loyalty", network="loyalty", value=person.record_id)]
            if number % 4 == 0:
                refs.append(IdentityRef(kind="crm", value=f"C{number}"))
            if number % 7 == 0:
                refs.append(IdentityRef(kind="email", value=f"shared{number // 14}@example.org"))
            add_customer_record(batch, CustomerRecord(
                source="population", source_id=person.record_id, identities=refs,
                postcode=person.attributes.get("postcode"),
                person=person_attributes(person.attributes)), mapping)
            number += 1
        write_batch(driver, settings, batch)


def _state(driver: neo4j.Driver, settings: Settings) -> dict[str, Any]:
    customers = sorted((r["identityId"], r["customerId"]) for r in run_query(
        driver, settings, READ_CUSTOMER_OF_IDENTITIES))
    links = run_query(driver, settings, SCORED_LINKS)
    suggestions = list_suggestions(driver, settings, limit=100_000)
    return {"graph": fingerprint(driver, settings), "customers": customers, "links": links,
            "suggestions": [s.model_dump() for s in suggestions.items]}


def _forget_and_derive(driver: neo4j.Driver, settings: Settings) -> RefreshSummary:
    run_query(driver, settings, FORGET_DERIVED, {"scoredRule": PROBABILISTIC_RULE},
              write=True)
    return derive_everything(driver, settings)


def _mirror_same(sink: OxigraphSink, driver: neo4j.Driver, settings: Settings) -> None:
    mapping = load_mapping()
    sync(sink, driver, settings, mapping)
    result = check(sink, driver, settings, mapping)
    assert result.same, result.differences


@pytest.mark.slow
@pytest.mark.parametrize("consent_linking", [False, True])
def test_whole_population_and_incremental_resolution_agree(
    consent_linking: bool, live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path
) -> None:
    driver, base = live
    base = base.model_copy(update={"consent_linking_required": consent_linking})
    whole = base.model_copy(update={"resolution_population_share": 0.0,
                                    "resolution_population_min_identities": 1})
    incremental = base.model_copy(update={"resolution_population_share": 2.0})
    folder = tmp_path / "corpus"
    generate(folder, customers=40, interactions=150, seed=41)
    for source, name in (("crm", "crm.csv"), ("jsonl", "interactions.jsonl")):
        load(source, [folder / name], driver=driver, settings=base, nlp=nlp,
             mapping=load_mapping(), dead_letters=tmp_path / f"dead-{source}.jsonl",
             derive_after=False)
    _write_people(driver, base)

    # A first load, resolved as one population; the mirror follows from the change feed.
    sink = open_store(base)
    first = refresh(driver, whole)
    assert first.population_identities > PEOPLE
    assert first.scored_pairs > 0
    _mirror_same(sink, driver, whole)
    by_population = _state(driver, base)
    assert by_population["suggestions"], "CRM conflicts must leave merge suggestions"
    assert {link["rule"] for link in by_population["links"]} >= {PROBABILISTIC_RULE,
                                                                  "record:population"}

    redone = _forget_and_derive(driver, incremental)
    assert redone.population_identities == 0
    assert _state(driver, base) == by_population

    # Analysts decide (incrementally), then the whole population is derived again.
    rng = random.Random(5)
    customers = sorted({customer for _, customer in by_population["customers"]})
    first_customer, second_customer = rng.sample(customers, 2)
    merge_customers(driver, incremental, first_customer, second_customer)
    crowded = [r["customerId"] for r in run_query(driver, base, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity)
        WITH c, count(x) AS n WHERE n > 2 RETURN c.customerId AS customerId
        ORDER BY customerId""")]
    split_customer = rng.choice(crowded)
    members = sorted(r["identityId"] for r in run_query(
        driver, base, READ_IDENTITIES_OF_CUSTOMER, {"customerId": split_customer}))
    split_identity(driver, incremental, split_customer, rng.choice(members))
    offered = list_suggestions(driver, base, limit=10).items
    decide(driver, incremental, offered[0].a, offered[0].b, accept=True)
    decide(driver, incremental, offered[1].a, offered[1].b, accept=False)
    decided = _state(driver, base)
    rules = {link["rule"] for link in decided["links"]}
    assert {MERGE_RULE, SPLIT_RULE} <= rules

    again = _forget_and_derive(driver, whole)
    assert again.population_identities > PEOPLE
    assert _state(driver, base) == decided
    _mirror_same(sink, driver, whole)


def test_a_whole_population_pass_killed_midway_ends_in_the_same_graph(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The customer-by-customer pass after a whole-population run keeps its records pending
    until its last transaction: killed after some customers, the next refresh finishes the
    work (including the summary of a customer erased among those records) and the graph
    equals an uninterrupted record-by-record derivation."""
    driver, base = live
    whole = base.model_copy(update={"resolution_population_share": 0.0,
                                    "resolution_population_min_identities": 1})
    incremental = base.model_copy(update={"resolution_population_share": 2.0})
    folder = tmp_path / "corpus"
    generate(folder, customers=60, interactions=300, seed=43)
    lines = (folder / "interactions.jsonl").read_text().splitlines()
    halves = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
    halves[0].write_text("\n".join(lines[::2]) + "\n")
    halves[1].write_text("\n".join(lines[1::2]) + "\n")
    for source, path in (("crm", folder / "crm.csv"), ("jsonl", halves[0])):
        load(source, [path], driver=driver, settings=base, nlp=nlp, mapping=load_mapping(),
             dead_letters=tmp_path / f"dead-{path.stem}.jsonl", derive_after=False)
    refresh(driver, incremental)  # summaries exist, one of them for the customer erased next
    erased = run_query(driver, base, """
        MATCH (s:CustomerSummary) RETURN s.summaryOf AS customerId
        ORDER BY customerId LIMIT 1""")[0]["customerId"]
    assert erase_customer(driver, base, erased) is not None
    load("jsonl", [halves[1]], driver=driver, settings=base, nlp=nlp, mapping=load_mapping(),
         dead_letters=tmp_path / "dead-second.jsonl", derive_after=False)
    pending_before = len(run_query(driver, base, READ_PENDING_CHANGES,
                                   {"limit": 10_000}))
    assert pending_before > 1

    monkeypatch.setattr(by_customer, "INTERACTIONS_PER_TRANSACTION", 40)
    calls = 0
    real = by_customer.journeys_and_segments

    class Killed(BaseException):
        """The process ending (not an error of a record: the refresh does not catch it)."""

    def dies_on_the_third_part(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Killed("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(by_customer, "journeys_and_segments", dies_on_the_third_part)
    with pytest.raises(Killed, match="killed"):
        refresh(driver, whole)
    assert calls == 3
    still = run_query(driver, base, READ_PENDING_CHANGES, {"limit": 10_000})
    assert len(still) == pending_before, "every record the pass covered must still be pending"
    monkeypatch.setattr(by_customer, "journeys_and_segments", real)
    finished = refresh(driver, whole)
    assert finished.population_identities > 0 and finished.changes == pending_before
    assert run_query(driver, base, READ_PENDING_CHANGES, {"limit": 1}) == []
    assert run_query(driver, base, """
        MATCH (s:CustomerSummary {summaryOf: $c}) RETURN s""", {"c": erased}) == []
    resumed = _state(driver, base)
    _forget_and_derive(driver, incremental)
    assert _state(driver, base) == resumed
