"""Message search and "seen before" on the real Neo4j: by meaning, by words, filtered, erased
with the customer, and the closed cases like an open one."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from kg.graph.driver import run_query
from kg.search.terms import words
from kg.services.embeddings import embed_stored_messages
from kg.services.search import search_messages
from kg.settings import Settings

pytestmark = pytest.mark.integration

WRITER, READER, ADMIN = {"X-API-Key": "w"}, {"X-API-Key": "r"}, {"X-API-Key": "adm"}

PARCEL = "My parcel never arrived and the tracking page has not changed for a week"
CHARGED = "I was charged twice for my subscription this month, please fix it"
CRASH = "The app crashes every time I open the settings screen"
WHERE_IS_IT = "Where is my package? It still hasn't been delivered"
RESHIPPED = "Sorry about that! We have sent a replacement, it will be with you in two days"
REFUNDED = "We have refunded the second payment, you will see it in 3-5 working days"


def _message(source_id: str, text: str, at: str, *, author: str | None = None,
             channel: str = "twitter", reply_to: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": "test", "source_id": source_id, "channel": channel, "occurred_at": at,
        "kind": "EmailMessage" if channel == "email" else ("Reply" if reply_to else "Post"),
        "direction": "inbound" if author else "outbound", "text": text}
    if author:
        record["author"] = {"kind": "email", "value": author}
    if reply_to:
        record["reply_to"] = reply_to
    return record


MESSAGES = [
    _message("parcel", PARCEL, "2025-03-01T09:00:00Z", author="ann@example.org"),
    _message("parcel-reply", RESHIPPED, "2025-03-01T11:30:00Z", reply_to="parcel"),
    _message("charged", CHARGED, "2025-03-02T09:00:00Z", author="bob@example.org"),
    _message("charged-reply", REFUNDED, "2025-03-02T10:00:00Z", reply_to="charged"),
    _message("crash", CRASH, "2025-03-03T09:00:00Z", author="cy@example.org", channel="email"),
    _message("where", WHERE_IS_IT, "2025-03-10T09:00:00Z", author="dee@example.org"),
]


def _id(client: TestClient, source_id: str) -> str:
    rows = client.post("/query/cypher", headers={"X-API-Key": "a"}, json={
        "query": "MATCH (i:Interaction {sourceRecordId: $s}) RETURN i.interactionId AS id",
        "parameters": {"s": source_id}}).json()["rows"]
    [row] = rows
    return str(row["id"])


@pytest.fixture
def posted(live_client: TestClient) -> TestClient:
    response = live_client.post("/interactions", json=MESSAGES, headers=WRITER)
    assert response.status_code == 200, response.text
    return live_client


def _texts(page: dict[str, Any]) -> list[str]:
    return [item["snippet"] for item in page["items"]]


def test_search_finds_a_paraphrase_that_shares_no_word_with_the_query(posted: TestClient
                                                                       ) -> None:
    query = "shipment went missing"
    assert not set(words(query)) & (set(words(PARCEL)) | set(words(WHERE_IS_IT)))
    page = posted.get("/search", params={"q": query}, headers=READER).json()
    assert page["items"], page
    assert page["items"][0]["snippet"] in (PARCEL, WHERE_IS_IT), _texts(page)
    assert {PARCEL, WHERE_IS_IT} <= set(_texts(page)[:3])
    first = page["items"][0]
    assert first["vectorRank"] == 1 and first["textRank"] is None
    assert first["customer"]["customerId"] and first["case"]["caseId"]
    words_only = posted.get("/search", params={"q": query, "mode": "text"},
                            headers=READER).json()
    assert words_only["items"] == [], "nothing shares a word with it"


def test_words_are_matched_and_highlighted(posted: TestClient) -> None:
    page = posted.get("/search", params={"q": "charged twice", "mode": "text"},
                      headers=READER).json()
    [hit] = page["items"]
    assert hit["snippet"] == CHARGED and hit["textRank"] == 1
    marked = [hit["snippet"][start:end] for start, end in hit["highlights"]]
    assert marked == ["charged", "twice"]
    assert hit["sentiment"] == "negative"


def test_filters_narrow_the_results(posted: TestClient) -> None:
    everything = posted.get("/search", params={"q": "help, it does not work"},
                            headers=READER).json()
    by_email = posted.get("/search", params={"q": "help, it does not work",
                                             "channel": "email"}, headers=READER).json()
    assert len(by_email["items"]) < len(everything["items"])
    assert [item["snippet"] for item in by_email["items"]] == [CRASH]
    customer = next(item["customer"]["customerId"] for item in everything["items"]
                    if item["customer"])
    theirs = posted.get("/search", params={"q": "help, it does not work",
                                           "customer": customer}, headers=READER).json()
    assert theirs["items"] and {item["customer"]["customerId"] for item in theirs["items"]} \
        == {customer}
    brand = posted.get("/search", params={"q": "refund", "direction": "outbound"},
                       headers=READER).json()
    assert brand["items"] and {item["direction"] for item in brand["items"]} == {"outbound"}
    later = posted.get("/search", params={"q": "parcel", "since": "2025-03-05T00:00:00Z"},
                       headers=READER).json()
    assert [item["snippet"] for item in later["items"]] == [WHERE_IS_IT]


def test_search_refuses_what_it_cannot_read_with_4xx(posted: TestClient) -> None:
    assert posted.get("/search", params={"q": "parcel"}).status_code == 401
    assert posted.get("/search", params={"q": ""}, headers=READER).status_code == 422
    assert posted.get("/search", params={"q": "x" * 501}, headers=READER).status_code == 422
    assert posted.get("/search", params={"q": "parcel", "since": "last tuesday"},
                      headers=READER).status_code == 422
    syntax = posted.get("/search", params={"q": 'AND OR "( title:[* TO *] \\'},
                        headers=READER)
    assert syntax.status_code == 200, syntax.text


def test_seen_before_gives_closed_cases_with_their_replies_never_its_own(posted: TestClient
                                                                        ) -> None:
    where = _id(posted, "where")
    found = posted.get(f"/interactions/{where}/similar-cases", headers=READER).json()
    assert found["items"], found
    best = found["items"][0]
    assert best["matched"]["text"] == PARCEL
    assert [reply["text"] for reply in best["replies"]] == [RESHIPPED]
    assert best["secondsToClose"] == 2.5 * 3600
    assert best["replies"][0]["secondsAfterOpening"] == 2.5 * 3600
    own_case = posted.get(f"/interactions/{where}", headers=READER).json()["caseId"]
    assert own_case and own_case not in {item["caseId"] for item in found["items"]}
    parcel = _id(posted, "parcel")
    earlier = posted.get(f"/interactions/{parcel}/similar-cases", headers=READER).json()
    parcel_case = posted.get(f"/interactions/{parcel}", headers=READER).json()["caseId"]
    assert parcel_case not in {item["caseId"] for item in earlier["items"]}
    assert posted.get("/interactions/nope/similar-cases", headers=READER).status_code == 404


def test_erasure_removes_a_customer_from_search(posted: TestClient) -> None:
    page = posted.get("/search", params={"q": "charged twice"}, headers=READER).json()
    customer = next(item["customer"]["customerId"] for item in page["items"]
                    if item["snippet"] == CHARGED)
    erased = posted.delete(f"/customers/{customer}", headers=ADMIN)
    assert erased.status_code == 200, erased.text
    after = posted.get("/search", params={"q": "charged twice"}, headers=READER).json()
    assert CHARGED not in _texts(after)
    assert {item["customer"]["customerId"] for item in after["items"] if item["customer"]} \
        .isdisjoint({customer})


def test_stored_messages_without_embeddings_get_them(posted: TestClient,
                                                     live: tuple[neo4j.Driver, Settings]
                                                     ) -> None:
    driver, settings = live
    run_query(driver, settings, "MATCH (i:Interaction {sourceRecordId: 'crash'}) "
                                "REMOVE i.embedding", write=True)
    before = search_messages(driver, settings, "application keeps crashing", mode="vector")
    assert CRASH not in [item.snippet for item in before.items]
    assert embed_stored_messages(driver, settings) == 1
    assert embed_stored_messages(driver, settings) == 0
    page = search_messages(driver, settings, "application keeps crashing", mode="vector")
    assert [item.snippet for item in page.items][:1] == [CRASH]
