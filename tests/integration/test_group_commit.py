"""Group commit: concurrent ingests written by one writer, each request answered on its own.

Against the real Neo4j: twenty concurrent ``POST /interactions`` all succeed, each response
counts its own record, and the 360° view, the timeline and SPARQL show each record as soon as
its response arrives. With the writer held, queued requests are written as one transaction and
one change record, and a group that mixes a bad field and a suppressed identity with good records
sets only those two aside, each with its field and reason. A batch built before an erasure
of its author and written after it is prepared again, so the erased person stays erased.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from spacy.language import Language

from bench.graphs import READ_CUSTOMER_OF_IDENTITIES, wipe
from kg.derivation.refresh import (
    ALL_INTERACTION_IDS,
    READ_PENDING_CHANGES,
    RECORDS_PER_TRANSACTION,
    refresh,
)
from kg.errors import GraphError
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.graph.schema import init_schema, seed_reference_data
from kg.ingestion import writer as writer_module
from kg.ingestion.group_commit import GroupWriter
from kg.ingestion.records import CustomerRecord, IdentityRef
from kg.ingestion.rows import GraphBatch, add_customer_record
from kg.ingestion.writer import write_batch
from kg.ontology.mapping import load_mapping
from kg.services.erasure import erase_customer
from kg.services.ingest import Ingested, canonical_items, ingest
from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.support import API_KEYS, serving

pytestmark = pytest.mark.integration
THREADS = 20


@pytest.fixture
def fresh(settings: Settings, tmp_path: Path) -> Iterator[tuple[neo4j.Driver, Settings]]:
    from kg.neo4j_local import server

    server.start(settings)
    # One analyst key per request thread: each key may run one SPARQL query at a time.
    keys = {**API_KEYS, **{f"q{n}": "analyst" for n in range(THREADS)}}
    configured = settings.model_copy(update={"rdf_store": tmp_path / "mirror",
                                             "api_keys": keys})
    with create_driver(configured) as driver:
        wipe(driver, configured)
        init_schema(driver, configured, load_mapping())
        seed_reference_data(driver, configured)
        yield driver, configured


def _message(number: int, **changes: Any) -> dict[str, Any]:
    record = {"source": "chat", "source_id": f"g{number}", "kind": "ChatSession",
              "channel": "chat", "occurred_at": f"2025-03-{1 + number % 28:02d}T10:00:00Z",
              "text": f"Still waiting for my refund on order {5000 + number}, please help",
              "author": {"kind": "email", "value": f"group{number}@example.org",
                         "display_name": f"Groupwriter Person{number}"}}
    return {**record, **changes}


def _sparql_count(http: httpx.Client, number: int) -> int:
    query = ("PREFIX ckg: <https://w3id.org/customer-kg/ontology#> "
             "SELECT (COUNT(?i) AS ?n) WHERE { ?i ckg:sourceRecordId ?id "
             f'FILTER(?id = "g{number}") }}')
    response = http.get("/sparql", params={"query": query}, headers={"X-API-Key": f"q{number}"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _post_and_read_back(http: httpx.Client, number: int) -> dict[str, Any]:
    """POST one message, then read it back through the 360° view, timeline and SPARQL."""
    posted = http.post("/interactions", json=_message(number), headers={"X-API-Key": "w"})
    assert posted.status_code == 200, posted.text
    found = http.get("/customers", params={"q": f"group{number}@example.org"},
                     headers={"X-API-Key": "r"}).json()
    assert found["total"] == 1, found
    customer = found["items"][0]["customerId"]
    view = http.get(f"/customers/{customer}/360", headers={"X-API-Key": "r"}).json()
    timeline = http.get(f"/customers/{customer}/timeline", headers={"X-API-Key": "r"}).json()
    return {"body": posted.json(),
            "journey": [step["interactionId"] for step in view["journey"]],
            "timeline": [step["interactionId"] for step in timeline],
            "sparql": _sparql_count(http, number)}


def test_concurrent_posts_are_each_answered_and_visible_on_return(
    fresh: tuple[neo4j.Driver, Settings]
) -> None:
    driver, settings = fresh
    app = create_app(settings)
    with serving(app) as base, httpx.Client(base_url=base, timeout=300) as http:
        start = threading.Barrier(THREADS)

        def one(number: int) -> dict[str, Any]:
            start.wait()
            return _post_and_read_back(http, number)

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(one, range(THREADS)))
        sequences = [r["body"]["sequence"] for r in results]
        for number, result in enumerate(results):
            body = result["body"]
            assert (body["received"], body["loaded"], body["rejected"]) == (1, 1, []), body
            assert body["mirrored"] is True
            assert result["journey"] == [f"chat:g{number}"]
            assert result["timeline"] == [f"chat:g{number}"]
            assert result["sparql"] == 1
        assert app.state.mirror.check().same
    # Fewer change records than requests would show grouping, but that depends on timing;
    # what must hold is that every request's change is in the feed and derived.
    assert len(sequences) == THREADS and min(sequences) > 0
    pending = run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 10})
    assert pending == []


class _HeldWriter:
    """A writer whose thread is kept busy until released, so requests queue up behind it."""

    def __init__(self, writer: GroupWriter) -> None:
        self.writer = writer
        self.entered = threading.Event()
        self.release = threading.Event()

    def hold(self) -> threading.Thread:
        def busy() -> None:
            self.entered.set()
            assert self.release.wait(120)

        thread = threading.Thread(target=self.writer.exclusive, args=(busy,))
        thread.start()
        assert self.entered.wait(60)
        return thread


def _queued(writer: GroupWriter) -> int:
    return writer._queue.qsize()


def test_queued_requests_share_one_transaction_and_keep_their_own_rejections(
    fresh: tuple[neo4j.Driver, Settings], nlp: Language
) -> None:
    driver, settings = fresh
    mapping = load_mapping()
    writer = GroupWriter(driver, settings)
    writer.start()
    try:
        # An erased customer's identity is suppressed: a later record naming it is set aside.
        ingest(canonical_items([_message(100)], "request"), driver=driver, settings=settings,
               nlp=nlp, mapping=mapping, writer=writer)
        [customer] = [r["customerId"] for r in
                      run_query(driver, settings, queries.READ_CUSTOMER_IDS)]
        assert erase_customer(driver, settings, customer) is not None
        refresh(driver, settings)

        requests = [
            [_message(1), _message(2, channel="fax")],     # a bad field beside a good record
            [_message(3)],
            [_message(100, source_id="g100-again")],       # the erased person writes again
            [_message(4), _message(5)],
        ]
        held = _HeldWriter(writer)
        holder = held.hold()
        groups_before = writer.groups_written
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            futures = [pool.submit(ingest, canonical_items(body, "request"), driver=driver,
                                   settings=settings, nlp=nlp, mapping=mapping, writer=writer)
                       for body in requests]
            # The erased person's request has nothing left to write: answered at once, it
            # never queues (no transaction, no change record).
            writing = [f for n, f in enumerate(futures) if n != 2]
            while _queued(writer) < len(writing):
                assert not any(f.done() for f in writing)
                threading.Event().wait(0.01)
            held.release.set()
            done: list[Ingested] = [f.result(timeout=300) for f in futures]
        holder.join(timeout=60)
    finally:
        writer.stop()

    assert writer.groups_written == groups_before + 1  # one transaction for three requests
    assert len({d.sequence for n, d in enumerate(done) if n != 2}) == 1
    assert done[2].sequence == 0
    assert [d.loaded for d in done] == [1, 1, 0, 2]
    assert [[(r.ref.position, r.field) for r in d.rejected] for d in done] == [
        [("record 1", "channel")], [], [("record 0", "author.email")], []]
    assert "suppressed" in done[2].rejected[0].reason
    written = {r["id"] for r in run_query(driver, settings, ALL_INTERACTION_IDS)}
    assert written == {"chat:g1", "chat:g3", "chat:g4", "chat:g5"}
    authors = run_query(driver, settings, """
        MATCH (i:Interaction)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
        RETURN i.interactionId AS i, c.customerId AS c""")
    assert sorted(row["i"] for row in authors) == sorted(written)
    assert run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 10}) == []


def test_a_batch_prepared_before_an_erasure_is_not_written_after_it(
    fresh: tuple[neo4j.Driver, Settings], nlp: Language
) -> None:
    """A request whose batch was built before an erasure of its author ran, and queued behind
    it, does not bring the erased person back: it is prepared again and the record is set
    aside as suppressed."""
    driver, settings = fresh
    mapping = load_mapping()
    writer = GroupWriter(driver, settings)
    writer.start()
    try:
        ingest(canonical_items([_message(200)], "request"), driver=driver, settings=settings,
               nlp=nlp, mapping=mapping, writer=writer)
        [customer] = [r["customerId"] for r in
                      run_query(driver, settings, queries.READ_CUSTOMER_IDS)]
        held = _HeldWriter(writer)
        holder = held.hold()
        with ThreadPoolExecutor(max_workers=2) as pool:
            erased = pool.submit(writer.exclusive,
                                 lambda: erase_customer(driver, settings, customer))
            while _queued(writer) < 1:
                threading.Event().wait(0.01)
            again = _message(200, source_id="g200-again")
            late = pool.submit(ingest, canonical_items([again], "request"), driver=driver,
                               settings=settings, nlp=nlp, mapping=mapping, writer=writer)
            while _queued(writer) < 2:
                assert not late.done()
                threading.Event().wait(0.01)
            held.release.set()
            assert erased.result(timeout=300) is not None
            done = late.result(timeout=300)
        holder.join(timeout=60)
    finally:
        writer.stop()
    assert done.loaded == 0
    assert [(r.ref.position, r.field) for r in done.rejected] == [("record 0", "author.email")]
    assert "suppressed" in done.rejected[0].reason
    assert run_query(driver, settings, ALL_INTERACTION_IDS) == []
    assert run_query(driver, settings, queries.READ_CUSTOMER_IDS) == []


def test_the_same_record_twice_in_a_queue_is_written_in_turn(
    fresh: tuple[neo4j.Driver, Settings], nlp: Language
) -> None:
    """A record sent again while its first version is queued replaces it, as one after the
    other would: the second version's text and extraction, none of the first's."""
    driver, settings = fresh
    mapping = load_mapping()
    writer = GroupWriter(driver, settings)
    writer.start()
    first = _message(7, text="The delivery was late and the courier was rude")
    second = _message(7, text="Thanks, the refund arrived today")
    try:
        held = _HeldWriter(writer)
        holder = held.hold()
        with ThreadPoolExecutor(max_workers=2) as pool:
            one = pool.submit(ingest, canonical_items([first], "request"), driver=driver,
                              settings=settings, nlp=nlp, mapping=mapping, writer=writer)
            while _queued(writer) < 1:
                threading.Event().wait(0.01)
            two = pool.submit(ingest, canonical_items([second], "request"), driver=driver,
                              settings=settings, nlp=nlp, mapping=mapping, writer=writer)
            while _queued(writer) < 2 and not two.done():
                threading.Event().wait(0.01)
            held.release.set()
            results = [one.result(timeout=300), two.result(timeout=300)]
        holder.join(timeout=60)
    finally:
        writer.stop()
    assert results[0].sequence < results[1].sequence
    [row] = run_query(driver, settings, """
        MATCH (i:Interaction {interactionId: 'chat:g7'})
        OPTIONAL MATCH (i)-[:HAS_MENTION]->(m)
        RETURN i.text AS text, collect(m.spanText) AS spans""")
    assert row["text"] == second["text"]
    assert row["spans"]
    assert all(span in second["text"] for span in row["spans"]), row["spans"]


def test_a_group_that_fails_is_written_again_request_by_request(
    fresh: tuple[neo4j.Driver, Settings], nlp: Language
) -> None:
    """A batch Neo4j refuses (a map is no property value) fails alone; its neighbours load."""
    driver, settings = fresh
    mapping = load_mapping()
    writer = GroupWriter(driver, settings)
    writer.start()
    refused = GraphBatch()
    refused.add("channels", {"channelId": "chat", "companyOwned": True,
                             "labels": mapping.labels_of("ChatChannel")})
    refused.add("interactions", {"interactionId": "chat:refused",
                                 "props": {"text": {"not": "a property value"}},
                                 "labels": mapping.labels_of("ChatSession"),
                                 "channelId": "chat"})
    refused.records = 1
    try:
        held = _HeldWriter(writer)
        holder = held.hold()
        with ThreadPoolExecutor(max_workers=3) as pool:
            good = pool.submit(ingest, canonical_items([_message(8)], "request"),
                               driver=driver, settings=settings, nlp=nlp, mapping=mapping,
                               writer=writer)
            while _queued(writer) < 1:
                threading.Event().wait(0.01)
            bad = pool.submit(writer.write, refused)
            while _queued(writer) < 2:
                threading.Event().wait(0.01)
            other = pool.submit(ingest, canonical_items([_message(9)], "request"),
                                driver=driver, settings=settings, nlp=nlp, mapping=mapping,
                                writer=writer)
            while _queued(writer) < 3:
                threading.Event().wait(0.01)
            held.release.set()
            with pytest.raises(GraphError):
                bad.result(timeout=300)
            loaded = [good.result(timeout=300).loaded, other.result(timeout=300).loaded]
        holder.join(timeout=60)
    finally:
        writer.stop()
    assert loaded == [1, 1]
    written = {r["id"] for r in run_query(driver, settings, ALL_INTERACTION_IDS)}
    assert written == {"chat:g8", "chat:g9"}
    assert run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 10}) == []


def _crm_batch(number: int) -> GraphBatch:
    """A CRM record of one person, as another writer (a CLI load) would write it."""
    batch = GraphBatch()
    add_customer_record(batch, CustomerRecord(
        source="crm", source_id=f"B{number}",
        identities=[IdentityRef(kind="crm", value=f"B{number}")]), load_mapping())
    batch.records = 1
    return batch


def test_a_write_derives_itself_and_a_backlog_too_long_for_its_transaction(
    fresh: tuple[neo4j.Driver, Settings], nlp: Language
) -> None:
    """The writer derives its group in the transaction that writes it; records other writers
    left pending beyond what that transaction takes are derived before the request returns."""
    driver, settings = fresh
    backlog = RECORDS_PER_TRANSACTION + 5
    for number in range(backlog):
        write_batch(driver, settings, _crm_batch(number))
    pending = run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 1000})
    assert len(pending) == backlog
    writer = GroupWriter(driver, settings)
    writer.start()
    try:
        done = ingest(canonical_items([_message(20)], "request"), driver=driver,
                      settings=settings, nlp=nlp, mapping=load_mapping(), writer=writer)
    finally:
        writer.stop()
    assert done.loaded == 1
    assert run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 1000}) == []
    customers = {r["identityId"]: r["customerId"] for r in run_query(
        driver, settings, READ_CUSTOMER_OF_IDENTITIES)}
    assert {f"crm:crm:B{n}" for n in range(backlog)} <= customers.keys()
    assert any(identity.startswith("email:") for identity in customers)


def test_a_group_whose_derivation_fails_is_not_written(
    fresh: tuple[neo4j.Driver, Settings], nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Write and derivation share one transaction: a derivation that fails leaves no write
    behind, and the request gets the error."""
    driver, settings = fresh

    def failing(*args: Any, **kwargs: Any) -> None:
        raise GraphError("derivation failed on purpose")

    monkeypatch.setattr(writer_module, "derive_pending", failing)
    writer = GroupWriter(driver, settings)
    writer.start()
    try:
        with pytest.raises(GraphError, match="on purpose"):
            ingest(canonical_items([_message(21)], "request"), driver=driver,
                   settings=settings, nlp=nlp, mapping=load_mapping(), writer=writer)
    finally:
        writer.stop()
    assert run_query(driver, settings, ALL_INTERACTION_IDS) == []
    assert run_query(driver, settings, READ_PENDING_CHANGES, {"limit": 10}) == []
