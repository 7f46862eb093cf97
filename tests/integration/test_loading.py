import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pyoxigraph as ox
import pytest
from spacy.language import Language

from bench.graphs import READ_CUSTOMER_OF_IDENTITIES, wipe
from kg.errors import GraphError, GraphUnavailable
from kg.graph.driver import create_driver, run_query
from kg.ingestion.generator import generate
from kg.ingestion.rows import GraphBatch
from kg.ingestion.writer import write_batch
from kg.ontology.mapping import load_mapping
from kg.rdf import mirror
from kg.rdf.sync import check_offline, open_store, rebuild
from kg.services.ingest import LoadSummary
from kg.settings import Settings
from tests.integration.graph_state import fingerprint
from tests.integration.support import load_corpus
from training.quality import pairwise_scores, read_truth

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("corpus")
    counts = generate(folder, customers=60, interactions=300, seed=11)
    return folder, counts


@pytest.fixture(scope="module")
def load_settings_(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    store = tmp_path_factory.mktemp("rdf") / "mirror"
    return settings.model_copy(update={"rdf_store": store})


@pytest.fixture(scope="module")
def loaded(corpus: tuple[Path, dict[str, int]], load_settings_: Settings, nlp: Language,
           tmp_path_factory: pytest.TempPathFactory, running_module: None
           ) -> tuple[LoadSummary, Path, dict[str, object]]:
    folder, _ = corpus
    dead = tmp_path_factory.mktemp("dead") / "dead.jsonl"
    with create_driver(load_settings_) as driver:
        wipe(driver, load_settings_)
    _, summary = load_corpus(folder, load_settings_, nlp, dead)
    with create_driver(load_settings_) as driver:
        state = fingerprint(driver, load_settings_)
    return summary, dead, state


@pytest.fixture(scope="module")
def running_module(settings: Settings) -> None:
    from kg.neo4j_local import server

    server.start(settings)


@pytest.fixture
def driver(load_settings_: Settings, running_module: None) -> Iterator[neo4j.Driver]:
    with create_driver(load_settings_) as graph_driver:
        yield graph_driver


def test_every_record_read_is_loaded_or_set_aside(
    loaded: tuple[LoadSummary, Path, dict[str, object]], corpus: tuple[Path, dict[str, int]]
) -> None:
    summary, dead, _ = loaded
    _, counts = corpus
    assert summary.read == counts["interactions"]
    assert summary.read == summary.loaded + summary.rejected
    assert summary.rejected == counts["malformed on purpose"] > 0
    lines = dead.read_text().splitlines()
    assert len(lines) == summary.rejected
    assert all('"field":"occurred_at"' in line and '"file":"interactions.jsonl"' in line
               for line in lines)


def test_reloading_changes_nothing(
    loaded: tuple[LoadSummary, Path, dict[str, object]], corpus: tuple[Path, dict[str, int]],
    load_settings_: Settings, nlp: Language, tmp_path: Path, driver: neo4j.Driver
) -> None:
    _, _, before = loaded
    triples_before = check_offline(driver, load_settings_, load_mapping())
    load_corpus(corpus[0], load_settings_, nlp, tmp_path / "dead.jsonl")
    assert fingerprint(driver, load_settings_) == before
    after = check_offline(driver, load_settings_, load_mapping())
    assert after.same and triples_before.same
    assert after.mirror_triples == triples_before.mirror_triples > 0


def test_identity_resolution_against_ground_truth(
    loaded: tuple[LoadSummary, Path, dict[str, object]], corpus: tuple[Path, dict[str, int]],
    load_settings_: Settings, driver: neo4j.Driver
) -> None:
    predicted = {r["identityId"]: r["customerId"] for r in
                 run_query(driver, load_settings_, READ_CUSTOMER_OF_IDENTITIES)}
    precision, recall = pairwise_scores(predicted,
                                        read_truth(corpus[0] / "truth" / "identities.csv"))
    # the generated corpus (seed 11) gives precision 1.0 and recall 0.995
    assert precision == 1.0
    assert recall >= 0.99


def test_links_record_their_rule_and_score(loaded: object, load_settings_: Settings,
                                           driver: neo4j.Driver) -> None:
    rows = run_query(driver, load_settings_, """
        MATCH (:Customer)-[h:HAS_IDENTITY]->(:Identity)
        RETURN DISTINCT h.linkRule AS rule, min(h.linkScore) AS low, max(h.linkScore) AS high""")
    rules = {row["rule"] for row in rows}
    assert "record:crm" in rules and "probabilistic:splink" in rules
    assert all(0 < row["low"] <= row["high"] <= 1 for row in rows)


def test_shared_order_numbers_make_one_case_across_channels(
    loaded: object, load_settings_: Settings, driver: neo4j.Driver
) -> None:
    rows = run_query(driver, load_settings_, """
        MATCH (m:Mention {spanLabel: 'ORDER'})<-[:HAS_MENTION]-(i:Interaction)
              -[:PART_OF_CASE]->(k:Case)
        WITH m.referenceValue AS ref, collect(DISTINCT k.caseId) AS cases,
             collect(DISTINCT i.sourceRecordId) AS messages,
             collect(DISTINCT [(i)-[:VIA_CHANNEL]->(c) | c.channelId][0]) AS channels
        WHERE size(messages) > 1
        RETURN ref, cases, channels""")
    assert rows, "the corpus has orders mentioned more than once"
    assert all(len(row["cases"]) == 1 for row in rows), rows
    assert any(len(row["channels"]) > 1 for row in rows)


def test_journeys_are_ordered(loaded: object, load_settings_: Settings,
                              driver: neo4j.Driver) -> None:
    rows = run_query(driver, load_settings_, """
        MATCH (j:Journey)-[s:HAS_STEP]->(i:Interaction)
        WITH j, s.position AS position, i.occurredAt AS at ORDER BY position
        RETURN j.journeyId AS journey, collect(at) AS times, collect(position) AS positions""")
    assert rows
    for row in rows:
        assert row["positions"] == list(range(1, len(row["positions"]) + 1))
        assert row["times"] == sorted(row["times"])


def test_a_failed_batch_leaves_nothing(load_settings_: Settings, driver: neo4j.Driver) -> None:
    def batch(broken: bool) -> GraphBatch:
        made = GraphBatch()
        made.add("channels", {"channelId": "twitter", "companyOwned": False,
                              "labels": ["Channel", "SocialNetwork"]})
        made.add("interactions", {"interactionId": "test:atomic-1",
                                  "props": {"direction": "inbound"},
                                  "labels": ["Interaction", "Post"], "channelId": "twitter"})
        if broken:  # a later statement of the same transaction fails
            made.add("identities", {"identityId": "broken", "identifierValue": {"x": 1},
                                    "identityKind": "email", "network": "email",
                                    "displayName": None, "postcode": None, "segmentName": None,
                                    "labels": ["Identity"]})
        return made

    find = "MATCH (i:Interaction {interactionId: 'test:atomic-1'}) RETURN i.direction AS d"
    with pytest.raises(GraphError):
        write_batch(driver, load_settings_, batch(broken=True))
    assert run_query(driver, load_settings_, find) == []
    write_batch(driver, load_settings_, batch(broken=False))
    assert run_query(driver, load_settings_, find) == [{"d": "inbound"}]
    run_query(driver, load_settings_,
              "MATCH (i:Interaction {interactionId: 'test:atomic-1'}) DETACH DELETE i",
              write=True)


def test_unreachable_neo4j_is_retried_by_the_driver_then_reported(
    load_settings_: Settings,
) -> None:
    """One retry layer: the driver's own, for KG_NEO4J_RETRY_SECONDS."""
    gone = load_settings_.model_copy(update={"neo4j_uri": "bolt://127.0.0.1:9",
                                             "neo4j_retry_seconds": 0.5})
    batch = GraphBatch()
    batch.add("derived", {"interactionId": "x"})
    with create_driver(gone) as unreachable, pytest.raises(GraphUnavailable) as caught:
        write_batch(unreachable, gone, batch)
    assert "gave up after retrying for 0.5 s" in str(caught.value)
    assert "run the same load again" in str(caught.value)


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "KG_NEO4J_URI": settings.neo4j_uri,
            "KG_NEO4J_HOME": str(settings.neo4j_home), "KG_RDF_STORE": str(settings.rdf_store)}


def test_a_load_killed_midway_and_run_again_ends_in_the_same_graph(
    loaded: tuple[LoadSummary, Path, dict[str, object]], corpus: tuple[Path, dict[str, int]],
    load_settings_: Settings, nlp: Language, tmp_path: Path, driver: neo4j.Driver
) -> None:
    _, _, uninterrupted = loaded
    folder = corpus[0]
    wipe(driver, load_settings_)
    env = _env(load_settings_)
    kg = [sys.executable, "-m", "kg"]
    subprocess.run([*kg, "load", "crm", str(folder / "crm.csv"), "--no-derive",
                    "--dead-letters", str(tmp_path / "crm.jsonl")], env=env, check=True,
                   capture_output=True)
    process = subprocess.Popen([*kg, "load", "jsonl", str(folder / "interactions.jsonl"),
                                "--batch-size", "10", "--dead-letters", str(tmp_path / "d.jsonl")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    written = 0
    while time.monotonic() < deadline and process.poll() is None:
        written = run_query(driver, load_settings_,
                            "MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"]
        if written >= 30:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the load finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < written < corpus[1]["interactions"]
    assert fingerprint(driver, load_settings_) != uninterrupted
    load_corpus(folder, load_settings_, nlp, tmp_path / "again.jsonl", batch_size=50)
    assert fingerprint(driver, load_settings_) == uninterrupted


def test_mirror_check_reports_a_difference(loaded: object, load_settings_: Settings,
                                           driver: neo4j.Driver, tmp_path: Path) -> None:
    mapping = load_mapping()
    rebuild(open_store(load_settings_), driver, load_settings_, mapping)
    assert check_offline(driver, load_settings_, mapping).same
    store = ox.Store(str(load_settings_.rdf_store))
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/customer-kg/id/customer/intruder"),
                      ox.NamedNode("https://w3id.org/customer-kg/ontology#displayName"),
                      ox.Literal("Mallory"), mirror.DATA_GRAPH))
    del store
    result = check_offline(driver, load_settings_, mapping)
    assert not result.same
    assert result.differences == {"https://w3id.org/customer-kg/ontology#displayName": -1}
    env = _env(load_settings_)
    cli = subprocess.run([sys.executable, "-m", "kg", "rdf", "check"], env=env,
                         capture_output=True, text=True, check=False)
    assert cli.returncode == 1
    assert "differs" in cli.stderr
    rebuild(open_store(load_settings_), driver, load_settings_, mapping)
    assert check_offline(driver, load_settings_, mapping).same


def test_merge_and_split_are_reversible(loaded: object, load_settings_: Settings,
                                        driver: neo4j.Driver) -> None:
    env = _env(load_settings_)
    two = run_query(driver, load_settings_, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity {identityKind: 'crm'})
        RETURN c.customerId AS customer, x.identityId AS identity
        ORDER BY customer LIMIT 2""")
    first, second = two[0]["customer"], two[1]["customer"]
    merged = subprocess.run([sys.executable, "-m", "kg", "customers", "merge", first, second],
                            env=env, capture_output=True, text=True, check=False)
    assert merged.returncode == 0, merged.stderr
    owner = run_query(driver, load_settings_, """
        MATCH (c:Customer)-[h:HAS_IDENTITY]->(x:Identity) WHERE x.identityId IN $ids
        RETURN collect(DISTINCT c.customerId) AS owners""",
                      {"ids": [two[0]["identity"], two[1]["identity"]]})[0]["owners"]
    assert len(owner) == 1
    split = subprocess.run([sys.executable, "-m", "kg", "customers", "split", owner[0],
                            two[1]["identity"]], env=env, capture_output=True, text=True,
                           check=False)
    assert split.returncode == 0, split.stderr
    owners = run_query(driver, load_settings_, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity) WHERE x.identityId IN $ids
        RETURN collect(DISTINCT c.customerId) AS owners""",
                       {"ids": [two[0]["identity"], two[1]["identity"]]})[0]["owners"]
    assert len(owners) == 2
    audit = run_query(driver, load_settings_, """
        MATCH (:Identity)-[l:LINKED_WITH]->(:Identity) WHERE l.linkRule STARTS WITH 'manual:'
        RETURN l.linkRule AS rule, l.linkScore AS score ORDER BY rule""")
    assert [r["rule"] for r in audit][:1] == ["manual:merge"]
    assert any(r["rule"] == "manual:split" and r["score"] == 0.0 for r in audit)
