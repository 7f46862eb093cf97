"""The live graph: incremental refresh equals a from-scratch derivation, and the mirror follows.

Seeded random sequences of loads, ingests, erasures, merges and splits run on the real Neo4j.
After every step the RDF mirror, brought up to date from the change feed, must equal an export
of the graph triple for triple; after every sequence, the graph must equal what a from-scratch
derivation of the same base facts (interactions, identities, evidence links) gives: every node,
relationship and property.
"""

import json
import random
import threading
from datetime import timedelta
from pathlib import Path

import neo4j
import pyoxigraph
import pytest
from spacy.language import Language

from kg.derivation.clock import NOW_RANK
from kg.derivation.linkage import PROBABILISTIC_RULE
from kg.derivation.refresh import INACTIVE_DAYS, READ_PENDING_CHANGES, derive_everything, refresh
from kg.graph import queries
from kg.graph.driver import run_query
from kg.ingestion.generator import generate
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import MirrorOwner
from kg.rdf.sink import OxigraphSink
from kg.rdf.sync import READ_CHANGES_AFTER, check, last_sequence, open_store, sync
from kg.services import warm_up as warm_up_module
from kg.services.erasure import erase_customer, erase_in
from kg.services.ingest import load
from kg.services.merge_split import READ_IDENTITIES_OF_CUSTOMER, merge_customers, split_identity
from kg.settings import Settings
from tests.integration.graph_state import FORGET_DERIVED, fingerprint
from tests.integration.support import free_port

pytestmark = pytest.mark.integration


def _customers(driver: neo4j.Driver, settings: Settings) -> list[str]:
    return [r["customerId"] for r in run_query(driver, settings, queries.READ_CUSTOMER_IDS)]


def _step(rng: random.Random, driver: neo4j.Driver, settings: Settings, nlp: Language,
          chunks: list[Path], dead: Path) -> str:
    customers = sorted(_customers(driver, settings))
    choice = rng.choice(["load", "load", "erase", "merge", "split"]) if customers else "load"
    if choice == "load" and chunks:
        load("jsonl", [chunks.pop(0)], driver=driver, settings=settings, nlp=nlp,
             mapping=load_mapping(), dead_letters=dead, batch_size=rng.choice([7, 25, 60]),
             derive_after=False)
        refresh(driver, settings)
        return "load"
    if choice == "erase" or (choice == "load" and not chunks):
        erase_customer(driver, settings, rng.choice(customers))
    elif choice == "merge" and len(customers) > 1:
        first, second = rng.sample(customers, 2)
        merge_customers(driver, settings, first, second)
    else:
        customer = rng.choice(customers)
        members = [r["identityId"] for r in run_query(
            driver, settings, READ_IDENTITIES_OF_CUSTOMER, {"customerId": customer})]
        if len(members) < 2:
            return "nothing to split"
        split_identity(driver, settings, customer, rng.choice(members))
    refresh(driver, settings)
    return choice


def _chunks(folder: Path, parts: int, seed: int) -> list[Path]:
    lines = (folder / "interactions.jsonl").read_text().splitlines()
    random.Random(seed).shuffle(lines)
    paths = []
    for number in range(parts):
        path = folder / f"part-{number}.jsonl"
        path.write_text("\n".join(lines[number::parts]) + "\n")
        paths.append(path)
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 17])
def test_incremental_refresh_equals_a_from_scratch_derivation(
    seed: int, live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path
) -> None:
    driver, settings = live
    folder = tmp_path / "corpus"
    generate(folder, customers=25, interactions=120, seed=seed)
    load("crm", [folder / "crm.csv"], driver=driver, settings=settings, nlp=nlp,
         mapping=load_mapping(), dead_letters=tmp_path / "crm.jsonl", derive_after=False)
    refresh(driver, settings)
    chunks = _chunks(folder, 4, seed)
    rng = random.Random(seed)
    sink = open_store(settings)
    mapping = load_mapping()
    steps = []
    for _ in range(9):
        steps.append(_step(rng, driver, settings, nlp, chunks, tmp_path / "dead.jsonl"))
        sync(sink, driver, settings, mapping)
        result = check(sink, driver, settings, mapping)
        assert result.same, (steps, result.differences)
    assert {"load", "erase"} <= set(steps), steps
    assert set(steps) & {"merge", "split"}, steps
    pending = run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 1})
    assert pending == []
    incremental = fingerprint(driver, settings)
    assert incremental["nodes"] > 100
    run_query(driver, settings, FORGET_DERIVED, {"scoredRule": PROBABILISTIC_RULE},
              write=True)
    assert fingerprint(driver, settings) != incremental
    derive_everything(driver, settings)
    assert fingerprint(driver, settings) == incremental, steps
    sync(sink, driver, settings, mapping)
    assert check(sink, driver, settings, mapping).same


def _load_past_an_open_mirror(driver: neo4j.Driver, settings: Settings, nlp: Language,
                              tmp_path: Path, *, customers: int, interactions: int, seed: int,
                              batch_size: int) -> tuple[OxigraphSink, int]:
    """Open the mirror in this process and bring it up to date, then load a generated corpus
    (which cannot sync the mirror this process holds): the sink and its watermark before."""
    folder = tmp_path / "corpus"
    generate(folder, customers=customers, interactions=interactions, seed=seed)
    sink = open_store(settings)
    sync(sink, driver, settings, load_mapping())
    before = sink.applied_sequence()
    load("jsonl", [folder / "interactions.jsonl"], driver=driver, settings=settings, nlp=nlp,
         mapping=load_mapping(), dead_letters=tmp_path / "dead.jsonl", batch_size=batch_size)
    return sink, before


def test_the_mirror_recovers_from_its_watermark_after_a_crash(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path
) -> None:
    """A writer that dies between Neo4j and the mirror loses nothing: the next sync applies
    the feed from the watermark the mirror stored in the same transaction as its data."""
    driver, settings = live
    sink, before = _load_past_an_open_mirror(driver, settings, nlp, tmp_path, customers=8,
                                             interactions=30, seed=2, batch_size=10)
    mapping = load_mapping()
    assert sink.applied_sequence() == before  # the load could not sync: this process owns it
    assert not check(sink, driver, settings, mapping).same
    del sink  # the "crash": the store is closed with the feed unapplied
    reopened = OxigraphSink.open(settings.rdf_store)
    assert reopened.applied_sequence() == before
    result = sync(reopened, driver, settings, mapping)
    assert result.records > 0 and result.applied_to > before
    assert check(reopened, driver, settings, mapping).same
    again = sync(reopened, driver, settings, mapping)
    assert again.records == 0 and again.applied_to == result.applied_to


def test_one_sync_applies_the_feed_page_by_page_to_its_end(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync stops reading once a page comes back short; with pages of two records, every
    page but the last is full, so one sync still reaches the last committed record."""
    driver, settings = live
    sink, before = _load_past_an_open_mirror(driver, settings, nlp, tmp_path, customers=6,
                                             interactions=24, seed=4, batch_size=5)
    mapping = load_mapping()
    last = last_sequence(driver, settings)
    assert last - before >= 5  # five load batches at least, each with its own record
    monkeypatch.setattr("kg.rdf.sync.RECORDS_PER_STEP", 2)
    result = sync(sink, driver, settings, mapping)
    assert result.applied_to == last and result.records == last - before
    assert check(sink, driver, settings, mapping).same


def test_a_sync_applies_big_records_in_moderate_steps_to_its_end(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step stops taking records once they name ``NODES_PER_STEP`` nodes (a record is never
    split), and the sync goes on to the end of the page it read, and past it."""
    driver, settings = live
    sink, before = _load_past_an_open_mirror(driver, settings, nlp, tmp_path, customers=6,
                                             interactions=24, seed=5, batch_size=5)
    mapping = load_mapping()
    last = last_sequence(driver, settings)
    assert last - before >= 5
    records = run_query(driver, settings, READ_CHANGES_AFTER,
                        {"after": before, "limit": 1_000})
    naming = [r for r in records if r["nodes"] or r["edges"]]
    assert records[0] in naming and len(naming) >= 5
    monkeypatch.setattr("kg.rdf.sync.NODES_PER_STEP", 1)
    steps: list[str] = []
    update = sink.update
    monkeypatch.setattr(sink, "update", lambda text: (steps.append(text), update(text))[1])
    result = sync(sink, driver, settings, mapping)
    assert result.applied_to == last and result.records == last - before
    assert len(steps) == len(naming)  # a step per record that names a node
    assert check(sink, driver, settings, mapping).same


def test_a_message_that_moves_time_on_makes_the_customers_it_passes_inactive(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path
) -> None:
    """Messages dated long after a historic load move the inactivity line past customers
    they never touched, once there are enough of them to move the graph's "now" (one alone
    cannot: test_poison_records). They are dated exactly 180 days after the latest customer's
    last inbound message, so the line lands on that customer, who stays active (inactive
    means strictly before the line); every customer the line passed becomes inactive at once,
    and the graph equals a from-scratch derivation."""
    driver, settings = live
    folder = tmp_path / "corpus"
    generate(folder, customers=20, interactions=90, seed=8)
    for source, name in (("crm", "crm.csv"), ("jsonl", "interactions.jsonl")):
        load(source, [folder / name], driver=driver, settings=settings, nlp=nlp,
             mapping=load_mapping(), dead_letters=tmp_path / f"dead-{source}.jsonl")
    segments_query = """
        MATCH (c:Customer)-[:IN_SEGMENT]->(s:Segment) WHERE c.lastInboundAt IS NOT NULL
        RETURN c.customerId AS customer, s.segmentId AS segment, c.lastInboundAt AS last"""
    before = {r["customer"]: r for r in run_query(driver, settings, segments_query)}
    assert len(before) > 10 and {r["segment"] for r in before.values()} - {"inactives"}
    latest = max(before.values(), key=lambda r: r["last"])
    late_at = latest["last"].to_native() + timedelta(days=INACTIVE_DAYS)
    late = [{"source": "mail", "source_id": f"late-{n}", "kind": "EmailMessage",
             "channel": "email", "occurred_at": late_at.isoformat(),
             "text": "Is anyone still there?", "author": {"kind": "email",
                                                          "value": f"late{n}@example.org"}}
            for n in range(NOW_RANK)]
    path = tmp_path / "late.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in late))
    mapping = load_mapping()
    sink = open_store(settings)  # held here, so the load leaves the feed to this sync
    sync(sink, driver, settings, mapping)
    watermark = sink.applied_sequence()
    load("jsonl", [path], driver=driver, settings=settings, nlp=nlp, mapping=mapping,
         dead_letters=tmp_path / "dead-late.jsonl")
    after = {r["customer"]: r["segment"] for r in run_query(driver, settings, segments_query)}
    assert after[latest["customer"]] == latest["segment"] != "inactives"
    passed = [c for c, r in before.items() if r["last"] < latest["last"]]
    assert len(passed) > 5
    assert {after[c] for c in passed} == {"inactives"}
    # The mirror is told that only their segment edge changed, not to rewrite them whole.
    records = run_query(driver, settings, READ_CHANGES_AFTER,
                        {"after": watermark, "limit": 1000})
    touched = {n for r in records for n in r["nodes"]}
    edges = {e for r in records for e in r["edges"]}
    swept = {f"Customer:{c}" for c in passed if before[c]["segment"] != "inactives"}
    assert len(swept) > 5
    assert {f"IN_SEGMENT>{c}" for c in swept} <= edges
    assert not swept & touched
    assert not check(sink, driver, settings, mapping).same
    sync(sink, driver, settings, mapping)
    assert check(sink, driver, settings, mapping).same
    live_state = fingerprint(driver, settings)
    run_query(driver, settings, FORGET_DERIVED, {"scoredRule": PROBABILISTIC_RULE},
              write=True)
    derive_everything(driver, settings)
    assert fingerprint(driver, settings) == live_state


def test_subject_and_thread_are_written(live: tuple[neo4j.Driver, Settings], nlp: Language,
                                       tmp_path: Path) -> None:
    driver, settings = live
    record = {"source": "mail", "source_id": "m1", "kind": "EmailMessage", "channel": "email",
              "occurred_at": "2025-03-01T09:00:00Z", "text": "My invoice is wrong.",
              "subject": "Invoice 42", "thread_id": "t-7",
              "author": {"kind": "email", "value": "ada@example.org"}}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    load("jsonl", [path], driver=driver, settings=settings, nlp=nlp, mapping=load_mapping(),
         dead_letters=tmp_path / "dead.jsonl")
    [row] = run_query(driver, settings, """
        MATCH (i:Interaction {interactionId: 'mail:m1'})
        RETURN i.subjectLine AS subject, i.threadId AS thread""")
    assert row == {"subject": "Invoice 42", "thread": "t-7"}


def test_a_cli_load_and_api_ingests_at_once_never_fail(
    live: tuple[neo4j.Driver, Settings], tmp_path: Path
) -> None:
    """Two writers (a `kg load` process and API ingests) while the API owns the mirror:
    every request succeeds, and afterwards the mirror equals the graph."""
    import os
    import subprocess
    import sys
    import threading
    import time

    import httpx
    import uvicorn

    from kg_api.main import create_app

    _, settings = live
    folder = tmp_path / "corpus"
    generate(folder, customers=20, interactions=150, seed=9)
    configured = settings.model_copy(update={"api_keys": {"w": "writer"}})
    app = create_app(configured)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    env = {**os.environ, "KG_NEO4J_URI": settings.neo4j_uri,
           "KG_NEO4J_HOME": str(settings.neo4j_home), "KG_RDF_STORE": str(settings.rdf_store)}
    try:
        loader = subprocess.Popen(
            [sys.executable, "-m", "kg", "load", "jsonl", str(folder / "interactions.jsonl"),
             "--batch-size", "20", "--dead-letters", str(tmp_path / "dead.jsonl")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        statuses = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for number in range(8):
                record = {"source": "chat", "source_id": f"c{number}", "kind": "ChatSession",
                          "channel": "chat", "occurred_at": "2025-02-01T10:00:00Z",
                          "text": f"Still waiting for my refund, order {1000 + number}",
                          "author": {"kind": "email", "value": f"p{number}@example.org"}}
                response = client.post("/interactions", json=record, headers={"X-API-Key": "w"})
                statuses.append(response.status_code)
                assert response.status_code == 200, response.text
        out, err = loader.communicate(timeout=600)
        assert loader.returncode == 0, err
        assert "owned by a running server" in out
        assert statuses == [200] * 8
        assert app.state.mirror.check().same
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_the_change_feed_keeps_a_sparql_server_in_step(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path
) -> None:
    """The same writer, pointed at a real Fuseki through SPARQL Update and the Graph Store
    Protocol: after a load and after an erasure, Fuseki holds exactly the graph's facts."""
    from kg import fuseki_local
    from kg.rdf.sparql_sink import SparqlStoreSink

    driver, settings = live
    server = settings.model_copy(update={"fuseki_home": tmp_path / "fuseki",
                                         "fuseki_port": free_port()})
    url = fuseki_local.start(server)
    sink = SparqlStoreSink(url)
    try:
        mapping = load_mapping()
        folder = tmp_path / "corpus"
        generate(folder, customers=10, interactions=40, seed=4)
        load("jsonl", [folder / "interactions.jsonl"], driver=driver, settings=settings,
             nlp=nlp, mapping=mapping, dead_letters=tmp_path / "dead.jsonl", batch_size=15)
        assert sink.applied_sequence() == 0
        first = sync(sink, driver, settings, mapping)
        assert first.records > 0 and sink.applied_sequence() == first.applied_to
        assert check(sink, driver, settings, mapping).same
        erase_customer(driver, settings, sorted(_customers(driver, settings))[0])
        refresh(driver, settings)
        assert not check(sink, driver, settings, mapping).same
        sync(sink, driver, settings, mapping)
        result = check(sink, driver, settings, mapping)
        assert result.same and result.mirror_triples > 100
    finally:
        sink.close()
        fuseki_local.stop(server)


def test_a_wait_for_the_mirror_gives_up_on_time_while_an_apply_runs(
    live: tuple[neo4j.Driver, Settings]
) -> None:
    """Read-your-writes waits at most its timeout, even while the mirror writer is in the
    middle of a long apply (a request then answers ``mirrored: false`` instead of hanging)."""
    driver, settings = live
    owner = MirrorOwner(driver, settings, load_mapping())
    owner.start()
    try:
        assert owner.ready.wait(60)
        answers: list[bool] = []
        with owner._applying:  # the writer is busy applying a change
            waiter = threading.Thread(
                target=lambda: answers.append(owner.wait_for(owner.applied + 1, 0.5)))
            waiter.start()
            waiter.join(30)
            assert not waiter.is_alive(), "the wait must not block on the apply"
        assert answers == [False]
    finally:
        owner.stop()


def test_queries_get_a_snapshot_while_an_apply_runs(live: tuple[neo4j.Driver, Settings],
                                                    tmp_path: Path) -> None:
    """A query is not held up by a long apply: it reads a snapshot at the last published
    watermark. A snapshot taken during an update holds the store from before or after it;
    during a refill (not one transaction) the previous snapshot is served."""
    driver, settings = live
    owner = MirrorOwner(driver, settings, load_mapping())
    owner.start()
    graph = pyoxigraph.NamedNode("urn:test:g")

    def triples_in(folder: Path) -> int:
        return len(list(pyoxigraph.Store.read_only(str(folder)).quads_for_pattern(
            None, None, None, graph)))

    try:
        assert owner.ready.wait(60)
        before = owner.applied
        extra = " ".join(f"<urn:test:s{i}> <urn:test:p> {i} ." for i in range(200_000))
        update = threading.Thread(target=owner.sink.update,
                                  args=(f"INSERT DATA {{ GRAPH {graph} {{ {extra} }} }}",))
        during: list[int] = []
        with owner._applying:  # the writer is busy applying a change
            update.start()
            answers: list[Path | None] = []
            reader = threading.Thread(target=lambda: answers.append(owner.query_store(5)))
            reader.start()
            reader.join(30)
            assert not reader.is_alive(), "a query must not wait for the apply"
            while update.is_alive():
                folder = tmp_path / f"backup-{len(during)}"
                assert owner.sink.backup(folder)
                if update.is_alive():
                    during.append(triples_in(folder))
            update.join()
        [served] = answers
        assert served is not None and triples_in(served) == 0
        assert during and set(during) <= {0, 200_000}, "never half an update"
        current = owner.snapshot()
        assert current is not None and current[0] == before
        # A refill is running: no backup of a half-filled store, the last snapshot stays.
        owner._publish(before + 1)  # as if a change were applied since
        with owner.sink._refilling:
            assert not owner.sink.backup(tmp_path / "mid-refill")
            assert owner.snapshot() == current
    finally:
        owner.stop()


def test_the_warm_up_rehearses_a_write_and_an_erasure_and_leaves_no_trace(
    live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server's start rehearses a live write and an erasure in one transaction and rolls it
    back: the rehearsal reaches the erasure (so the write was derived into a customer), and
    the graph, its change feed and the mirror are as before, even on a graph holding data."""
    driver, settings = live
    sink, _ = _load_past_an_open_mirror(driver, settings, nlp, tmp_path, customers=5,
                                        interactions=20, seed=6, batch_size=10)
    mapping = load_mapping()
    sync(sink, driver, settings, mapping)
    before = fingerprint(driver, settings)
    sequence = last_sequence(driver, settings)
    erased: list[str] = []
    real_erase = erase_in

    def erase_spy(tx: neo4j.ManagedTransaction, customer_id: str, key: bytes) -> object:
        erasure = real_erase(tx, customer_id, key)
        assert erasure is not None
        erased.extend(erasure.interaction_ids)
        return erasure

    monkeypatch.setattr(warm_up_module, "erase_in", erase_spy)
    done = warm_up_module.warm_up(driver, settings, mapping)
    assert done.statements_planned
    # The author's message, derived into a customer, and the brand's reply to it.
    assert erased == [f"{warm_up_module.SOURCE}:message", f"{warm_up_module.SOURCE}:reply"]
    assert fingerprint(driver, settings) == before
    assert last_sequence(driver, settings) == sequence
    assert sync(sink, driver, settings, mapping).records == 0
    assert check(sink, driver, settings, mapping).same
