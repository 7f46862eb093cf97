import http.server
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
import psutil
import pytest
import requests
from fastapi.testclient import TestClient
from rdflib.namespace import RDF, SKOS
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.graph.driver import create_driver, run_query
from kg.ontology.files import OntologyFiles, default_ontology_dir, parse_turtle
from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.support import serving

pytestmark = pytest.mark.integration


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def busiest_customer(client: TestClient) -> dict[str, Any]:
    rows = client.post("/query/cypher", headers=h("a"), json={"query": """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        WITH c, count(i) AS n, collect(x.identifierValue) AS values
        ORDER BY n DESC, c.customerId LIMIT 1
        RETURN c.customerId AS id, c.displayName AS name, values"""}).json()["rows"]
    return dict(rows[0])


def test_keys_and_roles(client: TestClient) -> None:
    assert client.get("/customers", params={"q": "a"}).status_code == 401
    unknown = client.get("/customers", params={"q": "a"}, headers=h("nope"))
    assert unknown.status_code == 401 and unknown.json()["detail"] == "unknown API key"
    assert client.get("/customers", params={"q": "a"}, headers=h("dev")).status_code == 401
    refused = client.post("/query/cypher", headers=h("r"), json={"query": "RETURN 1"})
    assert refused.status_code == 403
    assert "analyst" in refused.json()["detail"]
    assert client.post("/query/cypher", headers=h("a"), json={"query": "RETURN 1"}).status_code \
        == 200


def test_dev_key_only_in_development_mode(api_settings: Settings) -> None:
    dev = api_settings.model_copy(update={"api_dev_mode": True, "api_keys": {}})
    with TestClient(create_app(dev)) as dev_client:
        assert dev_client.get("/concepts", headers=h("dev")).status_code == 200


def test_search_by_name_email_phone_and_id(client: TestClient) -> None:
    customer = busiest_customer(client)
    for query in (customer["id"], customer["name"].split()[0], *customer["values"][:3]):
        found = client.get("/customers", params={"q": query}, headers=h("r")).json()
        assert customer["id"] in [item["customerId"] for item in found["items"]], query
    page = client.get("/customers", params={"q": "example", "limit": 5}, headers=h("r")).json()
    assert len(page["items"]) == 5 and page["total"] > 5


def test_360_view_correlates_and_cites_interactions(client: TestClient) -> None:
    customer = busiest_customer(client)
    view = client.get(f"/customers/{customer['id']}/360", headers=h("r"))
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["identities"] and all(i["linkRule"] for i in body["identities"])
    assert body["channels"] and all(c["interactionIds"] for c in body["channels"])
    assert body["journey"] and body["segment"] in {"creators", "critics", "spectators",
                                                   "inactives"}
    times = [step["occurredAt"] for step in body["journey"]]
    assert times == sorted(times, reverse=True)
    for section in ("concepts", "intents", "emotions", "coOccurringConcepts"):
        assert body[section], section
        assert all(fact["interactionIds"] for fact in body[section]), section
    # entities: of a customer whose messages name some (generated messages seldom do)
    named = client.post("/query/cypher", headers=h("a"), json={"query": """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(:Interaction)
              -[:MENTIONS_ENTITY]->(e:Entity)
        RETURN c.customerId AS id, count(DISTINCT e) AS n ORDER BY n DESC, id LIMIT 1"""})
    [row] = named.json()["rows"]
    entities = client.get(f"/customers/{row['id']}/360", headers=h("r")).json()["entities"]
    assert len(entities) == min(row["n"], 10)
    assert all(fact["interactionIds"] for fact in entities)
    journey_ids = {s["interactionId"] for s in client.get(
        f"/customers/{customer['id']}/timeline", params={"limit": 500},
        headers=h("r")).json()}
    assert {i for c in body["concepts"] for i in c["interactionIds"]} <= journey_ids
    assert client.get("/customers/nobody/360", headers=h("r")).status_code == 404


def test_customers_known_only_from_the_crm_get_a_view(client: TestClient) -> None:
    rows = client.post("/query/cypher", headers=h("a"), json={"query": """
        MATCH (c:Customer) WHERE NOT (c)-[:HAS_IDENTITY]->()<-[:AUTHORED_BY]-()
        RETURN c.customerId AS id LIMIT 1"""}).json()["rows"]
    if not rows:
        pytest.skip("every generated customer spoke")
    body = client.get(f"/customers/{rows[0]['id']}/360", headers=h("r")).json()
    assert body["segment"] == "spectators" and body["journey"] == []


def test_case_and_interaction_details(client: TestClient) -> None:
    [row] = client.post("/query/cypher", headers=h("a"), json={"query": """
        MATCH (i:Interaction)-[:PART_OF_CASE]->(k:Case), (i)-[:HAS_MENTION]->(:Mention)
        RETURN i.interactionId AS i, k.caseId AS k ORDER BY i LIMIT 1"""}).json()["rows"]
    case = client.get(f"/cases/{row['k']}", headers=h("r")).json()
    assert row["i"] in [i["interactionId"] for i in case["interactions"]]
    detail = client.get(f"/interactions/{row['i']}", headers=h("r")).json()
    assert detail["spans"]
    for span in detail["spans"]:
        assert detail["text"][span["start"]:span["end"]] == span["text"]
    assert detail["opinions"] and detail["caseId"] == row["k"]


def test_concept_tree_with_counts(client: TestClient) -> None:
    tree = client.get("/concepts", headers=h("r")).json()
    graph = parse_turtle(OntologyFiles(default_ontology_dir()).concepts)
    concepts = {str(c).rsplit("/", 1)[1]: c for c in graph.subjects(RDF.type, SKOS.Concept)}
    tops = sorted(i for i, c in concepts.items() if (c, SKOS.broader, None) not in graph)
    assert len(tops) == 14 and len(concepts) == 85
    assert sorted(t["conceptId"] for t in tree) == tops
    seen: list[str] = []

    def check(node: dict[str, Any]) -> None:
        seen.append(node["conceptId"])
        assert node["total"] == node["interactions"] + sum(n["total"] for n in node["narrower"])
        for child in node["narrower"]:
            check(child)

    for root in tree:
        check(root)
    assert sorted(seen) == sorted(concepts)
    assert sum(t["total"] for t in tree) > 0


def test_cypher_is_read_only_with_parameters_and_caps(client: TestClient) -> None:
    ok = client.post("/query/cypher", headers=h("a"), json={
        "query": "MATCH (k:Concept {conceptId: $id}) RETURN k.prefLabel AS label",
        "parameters": {"id": "refund"}})
    assert ok.json()["rows"] == [{"label": "refund"}]
    for write in ("CREATE (x:Customer {customerId: 'evil'})",
                  "MATCH (c:Customer) DETACH DELETE c",
                  "CALL apoc.create.node(['Customer'], {customerId: 'evil'}) YIELD node "
                  "RETURN node"):
        refused = client.post("/query/cypher", headers=h("a"), json={"query": write})
        assert refused.status_code == 403, write
    bad = client.post("/query/cypher", headers=h("a"), json={"query": "MATCH (n RETURN n"})
    assert bad.status_code == 400 and "bad query" in bad.json()["detail"]
    capped = client.post("/query/cypher", headers=h("a"),
                         json={"query": "UNWIND range(1, 500) AS n RETURN n"}).json()
    assert len(capped["rows"]) == 50 and capped["truncated"]
    still = client.post("/query/cypher", headers=h("a"), json={
        "query": "MATCH (c:Customer {customerId: 'evil'}) RETURN c"}).json()
    assert still["rows"] == []


SELECT = """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
SELECT ?concept (COUNT(?i) AS ?n) WHERE { ?i ckg:aboutConcept ?concept }
GROUP BY ?concept ORDER BY DESC(?n) LIMIT 3"""


def test_sparql_protocol_formats(client: TestClient) -> None:
    got = client.get("/sparql", params={"query": SELECT}, headers=h("a"))
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/sparql-results+json")
    assert len(got.json()["results"]["bindings"]) == 3
    posted = client.post("/sparql", data={"query": SELECT},
                         headers={**h("a"), "Accept": "text/csv"})
    assert posted.text.splitlines()[0] == "concept,n"
    raw = client.post("/sparql", content=SELECT, headers={
        **h("a"), "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+xml"})
    assert raw.text.startswith("<?xml") and "<sparql" in raw.text
    tsv = client.get("/sparql", params={"query": SELECT},
                     headers={**h("a"), "Accept": "text/tab-separated-values"})
    assert tsv.text.splitlines()[0] == "?concept\t?n"
    construct = ("CONSTRUCT { ?k ?p ?o } WHERE { "
                 "?k a <http://www.w3.org/2004/02/skos/core#Concept> ; ?p ?o } LIMIT 5")
    turtle = client.get("/sparql", params={"query": construct}, headers=h("a"))
    assert turtle.headers["content-type"].startswith("text/turtle") and turtle.text
    jsonld = client.get("/sparql", params={"query": construct},
                        headers={**h("a"), "Accept": "application/ld+json"})
    assert jsonld.json()
    describe = client.get("/sparql", params={
        "query": "DESCRIBE <https://w3id.org/customer-kg/concept/refund>"}, headers=h("a"))
    assert "refund" in describe.text


def test_sparql_updates_are_refused(client: TestClient) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    assert client.post("/sparql", data={"update": update}, headers=h("a")).status_code == 403
    assert client.post("/sparql", content=update, headers={
        **h("a"), "Content-Type": "application/sparql-update"}).status_code == 403
    assert client.get("/sparql", params={"query": update}, headers=h("a")).status_code == 403
    assert client.get("/sparql", params={"query": "SELEC nothing"},
                      headers=h("a")).status_code == 400


def test_a_standard_sparql_client_can_query(api_settings: Settings) -> None:
    with serving(create_app(api_settings)) as base:
        client = SPARQLWrapper(f"{base}/sparql")
        client.addCustomHttpHeader("X-API-Key", "a")
        client.setQuery(SELECT)
        client.setReturnFormat(JSON)
        result = client.queryAndConvert()
    assert isinstance(result, dict)
    assert len(result["results"]["bindings"]) == 3


def test_ingest_through_the_loader_path(client: TestClient) -> None:
    record = {"source": "api-test", "source_id": "1", "kind": "Post", "channel": "twitter",
              "occurred_at": "2025-01-01T10:00:00Z",
              "text": "still waiting for my refund on order #ZZ99887",
              "author": {"kind": "handle", "network": "twitter", "value": "api_tester"}}
    assert client.post("/interactions", json=record, headers=h("a")).status_code == 403
    done = client.post("/interactions", headers=h("w"),
                       json=[record, {**record, "source_id": "2", "channel": "fax"}]).json()
    assert done["received"] == 2 and done["loaded"] == 1
    assert done["rejected"] == [{"position": "record 1", "field": "channel",
                                 "reason": done["rejected"][0]["reason"]}]
    detail = client.get("/interactions/api-test:1", headers=h("r")).json()
    assert {"slow-response", "refund"} <= {s["refersTo"] for s in detail["spans"]}
    assert any(i["category"] == "complaint" for i in detail["intents"])


def test_request_size_limit(client: TestClient) -> None:
    big = client.post("/interactions", headers=h("w"), content=b"[" + b" " * 300_000 + b"]")
    assert big.status_code == 413


def test_erasure_removes_the_customer_everywhere(client: TestClient) -> None:
    customer = busiest_customer(client)
    view = client.get(f"/customers/{customer['id']}/360",
                      params={"journey_limit": 200}, headers=h("r")).json()
    values = [i["value"] for i in view["identities"]]
    own = [s["interactionId"] for s in view["journey"]]
    texts = []  # texts nobody else wrote, so none may remain after the erasure
    for step in view["journey"]:
        if step["text"] and len(step["text"]) > 20:
            elsewhere = client.post("/query/cypher", headers=h("a"), json={"query": """
                MATCH (i:Interaction) WHERE i.text = $t AND NOT i.interactionId IN $own
                RETURN count(i) AS n""", "parameters": {"t": step["text"], "own": own}}).json()
            if elsewhere["rows"][0]["n"] == 0:
                texts.append(step["text"])
    assert texts
    assert client.delete(f"/customers/{customer['id']}", headers=h("w")).status_code == 403
    erased = client.delete(f"/customers/{customer['id']}", headers=h("adm"))
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["identityIds"] and report["interactionIds"]
    for value in [customer["id"], *values, *texts, *own]:
        exact = value in own or value == customer["id"]  # ids: the id itself or id + ":…"
        found = client.post("/query/cypher", headers=h("a"), json={"query": """
            MATCH (n) WHERE any(k IN keys(n) WHERE n[k] IS :: STRING AND (
                  n[k] = $v OR n[k] STARTS WITH $v + ':' OR (NOT $exact AND n[k] CONTAINS $v)))
            RETURN count(n) AS n""", "parameters": {"v": value, "exact": exact}}).json()
        assert found["rows"][0]["n"] == 0, value
        encoded = quote(value, safe="")
        subject = (f'STRENDS(STR(?s), {json.dumps("/" + encoded)}) || '
                   f'CONTAINS(STR(?s), {json.dumps("/" + encoded + "%3A")})')
        literal = "false" if exact else f"CONTAINS(STR(?o), {json.dumps(value)})"
        sparql = client.get("/sparql", headers=h("a"), params={"query": (
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER((isLiteral(?o) && "
            f"({literal} || STR(?o) = {json.dumps(value)})) || {subject}) }}")})
        assert sparql.status_code == 200, sparql.text
        assert sparql.json()["results"]["bindings"][0]["n"]["value"] == "0", value
    assert client.get(f"/customers/{customer['id']}/360", headers=h("r")).status_code == 404
    others = client.get("/customers", params={"q": "a", "limit": 50}, headers=h("r")).json()
    assert others["items"]
    for other in others["items"][:10]:
        similar = client.get(f"/customers/{other['customerId']}/360", headers=h("r")).json()
        assert customer["id"] not in [s["customerId"] for s in similar["similarCustomers"]]
    identity = view["identities"][0]
    again = client.post("/interactions", headers=h("w"), json={
        "source": "api-test", "source_id": "after-erasure", "kind": "Post",
        "channel": "twitter", "occurred_at": "2025-01-02T10:00:00Z", "text": "hello again",
        "author": {"kind": identity["kind"], "value": identity["value"],
                   "network": identity["network"]}})
    assert again.status_code == 422, again.text  # nothing of the request could be loaded
    [refusal] = again.json()["detail"]
    assert refusal["field"] == f"author.{identity['kind']}" and "suppressed" in refusal["reason"]



def _statistics(settings: Settings) -> str:
    with create_driver(settings) as driver:
        rows = run_query(driver, settings,
                         "CALL db.stats.retrieve('QUERIES') YIELD data RETURN data")
    return json.dumps(rows, default=str)


def test_erasure_clears_query_statistics(client: TestClient, api_settings: Settings) -> None:
    customer = busiest_customer(client)
    with create_driver(api_settings) as driver:
        run_query(driver, api_settings, "CALL db.stats.collect('QUERIES')", write=True)
    assert client.get("/customers", params={"q": customer["values"][0]},
                      headers=h("r")).status_code == 200
    assert customer["values"][0] in _statistics(api_settings)
    assert client.delete(f"/customers/{customer['id']}", headers=h("adm")).status_code == 200
    assert customer["values"][0] not in _statistics(api_settings)


def test_concept_correlations_with_filters(client: TestClient) -> None:
    tree = client.get("/concepts", headers=h("r")).json()
    busiest = max((n for t in tree for n in t["narrower"]), key=lambda n: n["interactions"])
    body = client.get(f"/concepts/{busiest['conceptId']}/correlations", headers=h("r")).json()
    # the corpus is what customers wrote (the tree counts the company's answers too)
    assert 0 < body["volume"] <= busiest["interactions"]
    assert body["sampleInteractionIds"]
    assert body["coOccurring"], "the busiest concept co-occurs with others in the corpus"
    for pair in body["coOccurring"]:
        assert pair["count"] > 0 and pair["lift"] > 0 and -1 <= pair["npmi"] <= 1
    assert body["sentimentByChannelAndMonth"]
    email = client.get(f"/concepts/{busiest['conceptId']}/correlations",
                       params={"channel": "email"}, headers=h("r")).json()
    assert email["volume"] <= body["volume"]
    assert email["interactionsInScope"] < body["interactionsInScope"]
    none = client.get(f"/concepts/{busiest['conceptId']}/correlations",
                      params={"until": "2000-01-01T00:00:00Z"}, headers=h("r")).json()
    assert none["volume"] == 0 and none["coOccurring"] == []
    assert client.get("/concepts/nope/correlations", headers=h("r")).status_code == 404


def test_pain_points_and_channels(client: TestClient) -> None:
    pains = client.get("/insights/pain-points", headers=h("r")).json()
    assert pains
    scores = [p["score"] for p in pains]
    assert scores == sorted(scores, reverse=True)
    assert all(p["negative"] > 0 and 0 < p["intensity"] <= 1 for p in pains)
    channels = {c["channel"]: c for c in client.get("/insights/channels", headers=h("r")).json()}
    assert channels["twitter"]["answered"] > 0
    assert channels["twitter"]["meanResponseSeconds"] > 0


def _counting(app: Any, seen: list[int]) -> Any:
    """The app, with a tally of the body bytes it reads."""
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            seen.append(len(message.get("body", b"")))
            return message
        await app(scope, counted, send)
    return wrapped


def _chunks(payload: bytes, size: int = 65_536) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start:start + size]


def test_a_chunked_body_over_the_limit_is_refused(api_settings: Settings) -> None:
    payload = json.dumps({"query": "RETURN size($pad) AS n",
                          "parameters": {"pad": "x" * 1_000_000}}).encode()
    with serving(create_app(api_settings)) as base, httpx.Client(base_url=base) as http:
        response = http.post("/query/cypher", content=_chunks(payload),
                             headers={**h("a"), "Content-Type": "application/json"})
        assert response.status_code == 413, response.text
        assert "KG_API_MAX_BODY_BYTES" in response.json()["detail"]
        small = http.post("/query/cypher", content=_chunks(b'{"query": "RETURN 2 AS n"}'),
                          headers={**h("a"), "Content-Type": "application/json"})
        assert small.json()["rows"] == [{"n": 2}]


def test_a_body_is_not_read_before_the_key_is_checked(api_settings: Settings) -> None:
    seen: list[int] = []
    payload = json.dumps([{"text": "x" * 100_000}]).encode()
    with serving(_counting(create_app(api_settings), seen)) as base, \
            httpx.Client(base_url=base) as http:
        for headers in ({}, h("nope")):
            seen.clear()
            response = http.post("/interactions", content=_chunks(payload),
                                 headers={**headers, "Content-Type": "application/json"})
            assert response.status_code == 401
            assert sum(seen) == 0


ADMINISTRATION = (
    "SHOW TRANSACTIONS YIELD transactionId AS t TERMINATE TRANSACTIONS t "
    "YIELD transactionId RETURN transactionId",
    "SHOW TRANSACTIONS",
    "SHOW SETTINGS",
    "SHOW PROCEDURES",
    "CALL db.stats.retrieve('GRAPH COUNTS')",
    "CALL dbms.components()",
    "CALL db.info()",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'RETURN 1', {})",
)


def test_analysts_cannot_administer_the_server(client: TestClient, settings: Settings) -> None:
    for query in ADMINISTRATION:
        refused = client.post("/query/cypher", headers=h("a"), json={"query": query})
        assert refused.status_code == 403, (query, refused.text)
    allowed = ("CALL db.labels() YIELD label RETURN label",
               "MATCH p=(:Customer)-[:HAS_IDENTITY]->(:Identity) RETURN length(p) AS n LIMIT 1",
               "RETURN date.truncate('month', date('2025-05-17')) AS m, "
               "apoc.text.join(['a', 'b'], '-') AS j")
    for query in allowed:
        response = client.post("/query/cypher", headers=h("a"), json={"query": query})
        assert response.status_code == 200, (query, response.text)
    # a transaction of someone else's survives an analyst's attempt to terminate it
    with create_driver(settings) as driver, driver.session() as other:
        transaction = other.begin_transaction(metadata={"app": "other-session"})
        transaction.run("RETURN 1").consume()
        try:
            response = client.post("/query/cypher", headers=h("a"), json={"query": (
                "SHOW TRANSACTIONS YIELD transactionId AS t, metaData "
                "WHERE metaData.app = 'other-session' TERMINATE TRANSACTIONS t "
                "YIELD transactionId RETURN transactionId")})
            assert response.status_code == 403
            assert transaction.run("RETURN 2 AS n").single()["n"] == 2  # type: ignore[index]
        finally:
            transaction.rollback()


def _running_queries(settings: Settings, marker: str) -> list[str]:
    with create_driver(settings) as driver:
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS $marker "
            "AND NOT currentQuery CONTAINS 'SHOW TRANSACTIONS' RETURN currentQuery",
            marker=marker, database_=settings.neo4j_database)
    return [r["currentQuery"] for r in records]


def test_nothing_an_analyst_sends_runs_past_the_timeout(api_settings: Settings) -> None:
    quick = api_settings.model_copy(update={"query_timeout_seconds": 2.0})
    heavy = "UNWIND range(1, 4000000000) AS x WITH x WHERE x = -1 RETURN count(*) AS n"
    with TestClient(create_app(quick)) as client:
        for query in (
                f"CALL apoc.cypher.runTimeboxed('{heavy} // boxed', {{}}, 30000)",
                f"RETURN apoc.cypher.runFirstColumnSingle('{heavy} // first', {{}}) AS n",
                f"CALL apoc.cypher.run('{heavy} // run', {{}}) YIELD value RETURN value",
                "CALL apoc.util.sleep(30000)"):
            refused = client.post("/query/cypher", headers=h("a"), json={"query": query})
            assert refused.status_code == 403, (query, refused.text)
        timed_out = client.post("/query/cypher", headers=h("a"),
                                json={"query": heavy + " // plain"})
        assert timed_out.status_code == 504, timed_out.text
    deadline = time.monotonic() + 10
    while _running_queries(quick, "x = -1") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _running_queries(quick, "x = -1") == []


HEAP_EXHAUSTING = (
    # a string doubled 27 times in one row: 1 GiB, which Neo4j does not count as query memory
    ("RETURN size(reduce(s='xxxxxxxx', i IN range(1,27) | s + s)) AS n", "reduce()"),
    ("RETURN size(apoc.text.lpad('',1500000000,'x')) AS n", "apoc.text.lpad"),
    # rows held by collect are counted, against the per-transaction cap in neo4j.conf
    ("UNWIND range(1, 100000000) AS x RETURN size(collect(x)) AS n",
     "db.memory.transaction.max"),
)


def test_queries_that_would_exhaust_the_heap_are_refused_and_the_server_answers(
        client: TestClient) -> None:
    """Issue 30, item 3: each used to run Neo4j out of heap, which exited it (503s after)."""
    for query, limit in HEAP_EXHAUSTING:
        refused = client.post("/query/cypher", headers=h("a"), json={"query": query})
        assert 400 <= refused.status_code < 500, (query, refused.text)
        assert limit in refused.json()["detail"], refused.text
        after = client.post("/query/cypher", headers=h("a"), json={"query": "RETURN 1 AS n"})
        assert after.status_code == 200 and after.json()["rows"] == [{"n": 1}], after.text


def test_regular_expressions_are_refused_before_they_run(client: TestClient) -> None:
    """Issue 30, item 4: one regex match is never interrupted (the first answered 504 after
    27.7 s against a 10 s limit; with {15} the match ran on until Neo4j restarted)."""
    for query in ("RETURN reduce(s='',i IN range(1,44)|s+'a') =~ '(.*a){10}b' AS m",
                  "MATCH (i:Interaction) WHERE i.text =~ '(.*a){15}b' RETURN count(*) AS n",
                  "MATCH (i:Interaction) RETURN apoc.text.regexGroups(i.text, '(.*a){15}b') "
                  "AS g LIMIT 1"):
        refused = client.post("/query/cypher", headers=h("a"), json={"query": query})
        assert refused.status_code == 403, (query, refused.text)
        assert "=~" in refused.json()["detail"] or "apoc.text.regexGroups" in \
            refused.json()["detail"], refused.text
    contains = client.post("/query/cypher", headers=h("a"), json={"query": (
        "MATCH (i:Interaction) WHERE i.text CONTAINS '=~' RETURN count(*) AS n")})
    assert contains.status_code == 200 and contains.json()["rows"] == [{"n": 0}], contains.text


def _terminate(settings: Settings, marker: str) -> None:
    """Stop the transactions whose query contains ``marker`` (as an operator would)."""
    with create_driver(settings) as driver:
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD transactionId, currentQuery WHERE currentQuery CONTAINS "
            "$marker AND NOT currentQuery CONTAINS 'SHOW TRANSACTIONS' RETURN transactionId",
            marker=marker, database_=settings.neo4j_database)
        if records:
            driver.execute_query("TERMINATE TRANSACTIONS $ids",
                                 ids=[r["transactionId"] for r in records],
                                 database_=settings.neo4j_database)


def _post_query(base: str, key: str, query: str) -> httpx.Response:
    """One analyst query over HTTP, on a client of its own (one per thread)."""
    with httpx.Client(base_url=base, timeout=300) as http:
        return http.post("/query/cypher", headers=h(key), json={"query": query})


def test_one_key_cannot_hold_the_api_while_others_are_served(api_settings: Settings) -> None:
    """Issue 30, item 4: one key holds its two slots with queries that run until stopped; its
    next query is a 429 at once, and another analyst and a reader are answered meanwhile.
    Served by uvicorn and sent over HTTP from threads of their own, as clients would."""
    held = api_settings.model_copy(update={"query_timeout_seconds": 300.0,
                                           "query_concurrent_per_key": 2})
    marker = f"held_{time.monotonic_ns()}"
    slow = f"UNWIND range(1, 4000000000) AS x WITH x WHERE x = -7 RETURN count(*) AS {marker}"
    with serving(create_app(held)) as base, ThreadPoolExecutor(max_workers=2) as pool, \
            httpx.Client(base_url=base, timeout=60) as http:
        running = [pool.submit(_post_query, base, "a", slow) for _ in range(2)]
        try:
            deadline = time.monotonic() + 60
            while (len(_running_queries(held, marker)) < 2 and time.monotonic() < deadline
                   and not any(future.done() for future in running)):
                time.sleep(0.1)
            answered = [future.result().text for future in running if future.done()]
            assert answered == [], f"a held query answered before it was stopped: {answered}"
            assert len(_running_queries(held, marker)) == 2, \
                f"both slots are held; running now: {_running_queries(held, '')}"
            third = http.post("/query/cypher", headers=h("a"), json={"query": "RETURN 1"})
            assert third.status_code == 429, third.text
            assert "KG_QUERY_CONCURRENT_PER_KEY" in third.json()["detail"]
            other = http.post("/query/cypher", headers=h("a2"), json={"query": "RETURN 2 AS n"})
            assert other.status_code == 200 and other.json()["rows"] == [{"n": 2}], other.text
            reader = http.get("/customers", params={"q": "a"}, headers=h("r"))
            assert reader.status_code == 200 and reader.json()["items"], reader.text
        finally:
            _terminate(held, marker)
        stopped = [future.result(timeout=120) for future in running]
        assert [response.status_code for response in stopped] == [504, 504], \
            [response.text for response in stopped]
        again = http.post("/query/cypher", headers=h("a"), json={"query": "RETURN 3 AS n"})
        assert again.status_code == 200 and again.json()["rows"] == [{"n": 3}], again.text


class _Endpoint(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint on loopback that counts the requests it gets."""

    requests: ClassVar[list[str]] = []

    def _answer(self) -> None:
        type(self).requests.append(self.path)
        body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
            {"x": {"type": "literal", "value": "remote"}}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


def test_no_outbound_requests_unless_an_endpoint_is_allowed(api_settings: Settings) -> None:
    _Endpoint.requests = []
    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{listener.server_address[1]}/sparql"
    service = f"SELECT ?x WHERE {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }}"
    try:
        with TestClient(create_app(api_settings)) as client:
            for query in (service, service.replace("SERVICE", "SERVICE SILENT"),
                          service.replace("SERVICE", "service").replace(f"<{endpoint}>", "?e"),
                          service.replace("SERVICE", "\\u0053ERVICE")):
                refused = client.get("/sparql", params={"query": query}, headers=h("a"))
                assert refused.status_code == 403, (query, refused.text)
            wording = client.get("/sparql", headers=h("a"), params={"query": (
                'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o = "customer service") }')})
            assert wording.status_code == 200, wording.text
            for query in (f"LOAD CSV FROM '{endpoint}' AS row RETURN row",
                          f"CALL apoc.load.json('{endpoint}') YIELD value RETURN value",
                          f"CALL apoc.load.jsonParams('{endpoint}', {{}}, null) YIELD value "
                          "RETURN value"):
                refused = client.post("/query/cypher", headers=h("a"), json={"query": query})
                assert refused.status_code == 403, (query, refused.text)
        assert _Endpoint.requests == []
        allowed = api_settings.model_copy(update={"sparql_federation_endpoints": [endpoint]})
        with TestClient(create_app(allowed)) as client:
            answered = client.get("/sparql", params={"query": service}, headers=h("a"))
            assert answered.status_code == 200, answered.text
            assert answered.json()["results"]["bindings"] == [
                {"x": {"type": "literal", "value": "remote"}}]
        assert len(_Endpoint.requests) == 1
    finally:
        listener.shutdown()
        listener.server_close()


CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _query_workers() -> list[psutil.Process]:
    """Processes running SPARQL queries: the children of this process's fork server."""
    return [worker for child in psutil.Process().children()
            if "forkserver" in " ".join(child.cmdline())
            for worker in child.children(recursive=True)]


def test_a_timed_out_sparql_query_is_stopped(api_settings: Settings) -> None:
    quick = api_settings.model_copy(update={"query_timeout_seconds": 2.0})
    with TestClient(create_app(quick)) as client:
        for key in ("a", "a2", "a"):  # more runaway queries than there are workers
            stopped = client.get("/sparql", params={"query": CARTESIAN}, headers=h(key))
            assert stopped.status_code == 504, stopped.text
            assert _query_workers() == []
        fine = client.get("/sparql", params={"query": SELECT}, headers=h("a2"))
        assert fine.status_code == 200, fine.text


def test_one_analyst_cannot_hold_every_worker(api_settings: Settings) -> None:
    slow = api_settings.model_copy(update={"query_timeout_seconds": 6.0})
    with TestClient(create_app(slow)) as client:
        started = threading.Event()

        def runaway() -> int:
            started.set()
            return client.get("/sparql", params={"query": CARTESIAN},
                              headers=h("a")).status_code

        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(runaway)
            started.wait()
            deadline = time.monotonic() + 5
            while not _query_workers() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _query_workers(), "the runaway query is running in a worker"
            second = client.get("/sparql", params={"query": CARTESIAN}, headers=h("a"))
            assert second.status_code == 429, second.text
            other = client.get("/sparql", params={"query": SELECT}, headers=h("a2"))
            assert other.status_code == 200, other.text
            assert first.result() == 504


def test_hostile_cypher_values_are_a_bad_request(client: TestClient) -> None:
    def cypher(query: str, **parameters: Any) -> httpx.Response:
        return client.post("/query/cypher", headers={**h("a"), "Content-Type":
                                                      "application/json"},
                           content=json.dumps({"query": query, "parameters": parameters}))
    for value, named in ((2**63, "$x"), (-(2**63) - 1, "$x"), ({"a": [2**70]}, "$x.a[0]")):
        refused = cypher("RETURN $x AS x", x=value)
        assert refused.status_code == 400, (value, refused.text)
        assert named in refused.json()["detail"]
    # A lone surrogate is refused with the body, before the route: a 422 naming its place.
    for value, place in (("\udc80", ["x"]), (["ok", "\ud800"], ["x", 1])):
        refused = cypher("RETURN $x AS x", x=value)
        assert refused.status_code == 422, (value, refused.text)
        assert refused.json()["detail"][0]["loc"] == ["body", "parameters", *place]
    deep: Any = []
    for _ in range(900):
        deep = [deep]
    nested = cypher("RETURN $x AS x", x=deep)
    assert nested.status_code == 400 and "nested" in nested.json()["detail"]
    assert cypher("RETURN $x AS x", x=2**63 - 1).json()["rows"] == [{"x": 2**63 - 1}]
    overflow = cypher("RETURN date('9999-12-31') + duration('P1D') AS d")
    assert overflow.status_code == 400, overflow.text
    for query in ("RETURN 1 / 0 AS x", "RETURN toInteger('9' + '0' * 30) + 1 AS x",
                  "UNWIND [1, 'a'] AS x RETURN x + {} AS y"):
        failed = cypher(query)
        assert failed.status_code == 400, (query, failed.text)
    odd = cypher("RETURN 0.0 / 0.0 AS nan, 1e308 * 10 AS inf").json()["rows"]
    assert odd == [{"nan": "NaN", "inf": "Infinity"}]


def test_paths_serialise_as_nodes_and_relationships(client: TestClient) -> None:
    response = client.post("/query/cypher", headers=h("a"), json={"query": """
        MATCH p=(c:Customer)-[:HAS_IDENTITY]->(x:Identity)
        RETURN p, c.customerId AS c, x.identityId AS x ORDER BY c, x LIMIT 1"""})
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    path = row["p"]
    assert "Customer" in path["nodes"][0]["labels"]
    assert "Identity" in path["nodes"][1]["labels"]
    assert path["nodes"][0]["customerId"] == row["c"]
    assert path["nodes"][1]["identityId"] == row["x"]
    assert [r["type"] for r in path["relationships"]] == ["HAS_IDENTITY"]
    assert path["relationships"][0]["linkRule"]
    anonymous = client.post("/query/cypher", headers=h("a"),
                            json={"query": "MATCH p=()-[]->() RETURN p LIMIT 3"})
    assert anonymous.status_code == 200 and len(anonymous.json()["rows"]) == 3


def test_hostile_ingest_and_time_bounds_are_a_bad_request(client: TestClient) -> None:
    record = {"source": "api-hostile", "source_id": "1", "kind": "Post", "channel": "twitter",
              "occurred_at": "2025-01-01T10:00:00Z", "text": "fine",
              "author": {"kind": "handle", "network": "twitter", "value": "hostile"}}
    surrogate = client.post("/interactions", headers={**h("w"),
                                                      "Content-Type": "application/json"},
                            content=json.dumps([record, {**record, "text": "bad \udc80"}]))
    assert surrogate.status_code == 422, surrogate.text
    assert surrogate.json()["detail"][0]["loc"] == ["body", 1, "text"]
    bad = [{**record, "source_id": "s", "text": None},
           {**record, "source_id": "early", "occurred_at": "0001-01-01T00:00:00+14:00"},
           {**record, "source_id": "late", "occurred_at": "9999-12-31T23:59:59-12:00"},
           {**record, "source_id": "future", "occurred_at": "9999-01-01T00:00:00Z"}]
    bad.append({**record, "source_id": "year-1", "occurred_at": "0001-01-01T00:00:00Z"})
    done = client.post("/interactions", headers={**h("w"), "Content-Type": "application/json"},
                       content=json.dumps(bad))
    assert done.status_code == 422, done.text  # nothing of the request could be written
    detail = done.json()["detail"]
    assert [(r["position"], r["field"]) for r in detail] == [
        ("record 0", "text"), ("record 1", "occurred_at"), ("record 2", "occurred_at"),
        ("record 3", "occurred_at"), ("record 4", "occurred_at")]
    assert "future" in detail[3]["reason"] and "earliest" in detail[4]["reason"]
    one = client.post("/interactions", headers=h("w"), json=bad[4])
    assert one.status_code == 422 and one.json()["detail"][0]["loc"] == [
        "body", "record 0", "occurred_at"]
    mixed = client.post("/interactions", headers=h("w"), json=[bad[4], record])
    assert mixed.status_code == 200 and mixed.json()["loaded"] == 1
    assert [r["field"] for r in mixed.json()["rejected"]] == ["occurred_at"]
    for path in ("/insights/pain-points", "/concepts/refund/correlations"):
        for name, value in (("since", "0001-01-01T00:00:00+14:00"),
                            ("until", "9999-12-31T23:59:59-12:00")):
            response = client.get(path, params={name: value}, headers=h("r"))
            assert response.status_code == 400, (path, name, response.text)
            assert "calendar" in response.json()["detail"]


def test_duplicate_source_ids_in_one_request_are_reported(client: TestClient) -> None:
    record = {"source": "api-dup", "source_id": "1", "kind": "Post", "channel": "twitter",
              "occurred_at": "2025-02-01T10:00:00Z", "text": "where is my parcel",
              "author": {"kind": "handle", "network": "twitter", "value": "dup_tester"}}
    done = client.post("/interactions", headers=h("w"), json=[
        record, {**record, "text": "second version"}, {**record, "source_id": "2"}]).json()
    assert done["received"] == 3 and done["loaded"] == 2
    assert [(r["position"], r["field"]) for r in done["rejected"]] == [("record 1", "source_id")]
    assert "record 0" in done["rejected"][0]["reason"]


def test_responses_have_a_byte_cap(api_settings: Settings) -> None:
    capped = api_settings.model_copy(update={"api_max_response_bytes": 100_000})
    with TestClient(create_app(capped)) as client:
        one_big_row = client.post("/query/cypher", headers=h("a"), json={
            "query": "RETURN apoc.text.join([i IN range(1, 20000) | 'xxxxxxxxxx'], '') AS s"})
        assert one_big_row.status_code == 200
        assert one_big_row.json() == {"columns": ["s"], "rows": [], "truncated": True}
        rows = client.post("/query/cypher", headers=h("a"), json={
            "query": "UNWIND range(1, 40) AS n RETURN n, apoc.text.join([i IN range(1, 300) | "
                     "'xxxxxxxxxx'], '') AS s"}).json()
        assert rows["truncated"] and 0 < len(rows["rows"]) < 40
        assert len(json.dumps(rows["rows"])) <= 100_000
        everything = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                                headers=h("a"))
        assert everything.status_code == 400, everything.status_code
        assert "KG_API_MAX_RESPONSE_BYTES" in everything.json()["detail"]
        long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 20_000
        for response in (
                client.post("/sparql", content=long_query, headers={
                    **h("a"), "Content-Type": "application/sparql-query"}),
                client.post("/sparql", data={"query": long_query}, headers=h("a")),
                client.get("/sparql", params={"query": long_query}, headers=h("a"))):
            assert response.status_code in (413, 422), response.text
        invalid = client.post("/sparql", content=b"SELECT \xff\xfe WHERE {}", headers={
            **h("a"), "Content-Type": "application/sparql-query"})
        assert invalid.status_code == 400 and "UTF-8" in invalid.json()["detail"]
        form = client.post("/sparql", content=b"query=SELECT%FF", headers={
            **h("a"), "Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 400, form.text


def test_a_long_query_in_the_url_gets_an_answer(api_settings: Settings) -> None:
    """20,001 three-byte characters: 180 kB once percent-encoded, refused with a status."""
    with serving(create_app(api_settings)) as base:
        response = requests.get(f"{base}/sparql", params={"query": "\u0800" * 20_001},
                                headers=h("a"), timeout=60)
        assert response.status_code == 422, response.text
        fine = requests.get(f"{base}/sparql", headers=h("a"), timeout=60,
                            params={"query": SELECT + " #" + "\u0800" * 10_000})
        assert fine.status_code == 200, fine.text
