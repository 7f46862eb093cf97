"""Recurring questions and emerging topics on the real Neo4j, through the API: a question asked
ten times forms one group the report counts, with the brand's common answer, the community's
answers and what a published answer would deflect; erasure takes a customer out of every
group; the mirror answers the same in SPARQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from kg.derivation.question_groups import regroup_everything
from kg.extraction.pipeline import build_pipeline
from kg.graph.driver import run_query
from kg.ingestion.generator import generate
from kg.knowledge.recurring import PUBLISHED_ANSWER_AFTER
from kg.services.knowledge import recurring
from kg.settings import Settings
from tests.integration.support import load_corpus

pytestmark = pytest.mark.integration

WRITER, READER, ADMIN, ANALYST = ({"X-API-Key": k} for k in ("w", "r", "adm", "a"))

ASKED = [
    "How do I reset my password?",
    "How can I reset my password?",
    "how do i reset my account password",
    "How do I change my password, I forgot it?",
    "I forgot my password, how do I reset it?",
    "Can you tell me how to reset my password please?",
    "Where do I go to reset my password?",
    "Password reset: how do I do it?",
    "how to reset password??",
    "I need to reset my password, how?",
]
ANSWER = "You can reset your password from the sign-in page: choose Forgot password."
OTHER = [
    "The delivery van damaged my fence this morning and nobody called back",
    "Your new store opening hours are great, thanks",
]
WINDOW = {"since": "2025-04-01T00:00:00Z", "until": "2025-05-01T00:00:00Z"}


def _post(client: TestClient, records: list[dict[str, Any]]) -> None:
    response = client.post("/interactions", json=records, headers=WRITER)
    assert response.status_code == 200, response.text


def _asked(number: int, text: str) -> dict[str, Any]:
    return {"source": "forum", "source_id": f"ask-{number}", "kind": "Post",
            "channel": "forum", "occurred_at": f"2025-04-{number + 1:02d}T09:00:00Z",
            "text": text, "author": {"kind": "email", "value": f"asker{number}@example.org"}}


def _reply(source_id: str, parent: str, at: str, text: str, author: str | None
           ) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": "forum", "source_id": source_id, "kind": "Reply", "channel": "forum",
        "occurred_at": at, "text": text, "reply_to": parent,
        "direction": "inbound" if author else "outbound"}
    if author:
        record["author"] = {"kind": "email", "value": author}
    return record


@pytest.fixture
def asked(live_client: TestClient) -> TestClient:
    """Ten customers ask the same thing on a forum, one at a time; the brand answers four
    of them the same way; a helpful customer answers two before the brand does."""
    for number, text in enumerate(ASKED):
        _post(live_client, [_asked(number, text)])
    for number in range(4):
        _post(live_client, [_reply(f"answer-{number}", f"ask-{number}",
                                   f"2025-04-{number + 1:02d}T11:00:00Z", ANSWER, None)])
    for number in (4, 5):
        _post(live_client, [_reply(f"peer-{number}", f"ask-{number}",
                                   f"2025-04-{number + 1:02d}T09:30:00Z",
                                   "Click 'Forgot password' on the login page, it worked for me",
                                   "helper@example.org")])
    for number, text in enumerate(OTHER):
        _post(live_client, [{"source": "email", "source_id": f"other-{number}",
                             "kind": "EmailMessage", "channel": "email",
                             "occurred_at": f"2025-04-2{number}T09:00:00Z", "text": text,
                             "author": {"kind": "email", "value": f"other{number}@example.org"}}])
    return live_client


def _report(client: TestClient) -> dict[str, Any]:
    response = client.get("/insights/recurring-questions", params=WINDOW, headers=READER)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_question_asked_ten_times_is_one_group_with_its_answers(asked: TestClient) -> None:
    report = _report(asked)
    [group] = [g for g in report["groups"] if g["messages"] >= 2]
    assert group["messages"] == 10 and group["customers"] == 10 and group["allTime"] == 10
    assert group["trend"] == "new"
    assert all("password" in example["text"].lower() for example in group["examples"])
    assert group["answered"] == 4
    assert group["commonAnswer"]["text"] == ANSWER and group["commonAnswer"]["givenTimes"] == 4
    assert group["medianSecondsToAnswer"] == 2 * 3600
    assert group["publishedAnswerCandidate"] is True and group["deflectable"] == 3
    assert report["deflectable"] == 3
    assert group["communityAnswered"] == 2
    [advocate] = group["advocates"]
    assert advocate["answers"] == 2
    helper = asked.get("/customers", params={"q": "helper@example.org"},
                       headers=READER).json()["items"]
    assert [advocate["customerId"]] == [c["customerId"] for c in helper]


def test_the_mirror_holds_the_group_for_sparql(asked: TestClient) -> None:
    assert asked.app.state.mirror.check().same  # type: ignore[attr-defined]
    query = ("PREFIX ckg: <https://w3id.org/customer-kg/ontology#>\n"
             "SELECT ?group (COUNT(?message) AS ?messages) WHERE {\n"
             "  ?message ckg:inQuestionGroup ?group } GROUP BY ?group ORDER BY DESC(?messages)")
    answer = asked.get("/sparql", params={"query": query}, headers=ANALYST)
    assert answer.status_code == 200, answer.text
    counts = [int(row["messages"]["value"]) for row in answer.json()["results"]["bindings"]]
    assert counts[0] == 10


def test_erasure_takes_a_customer_out_of_every_group(asked: TestClient,
                                                     live: tuple[neo4j.Driver, Settings]
                                                     ) -> None:
    for number in range(10):
        [found] = asked.get("/customers", params={"q": f"asker{number}@example.org"},
                            headers=READER).json()["items"]
        assert asked.delete(f"/customers/{found['customerId']}",
                            headers=ADMIN).status_code == 200
        left = [g for g in _report(asked)["groups"] if g["messages"] >= 2]
        if number < 8:
            assert [g["messages"] for g in left] == [9 - number]
            assert left[0]["allTime"] == 9 - number
        else:
            assert left == []
    driver, settings = live
    rows = run_query(driver, settings, "MATCH (g:QuestionGroup)<-[:IN_QUESTION_GROUP]-(i) "
                                       "WHERE i.text CONTAINS 'password' RETURN count(g) AS n")
    assert rows == [{"n": 0}]


def test_regrouping_gives_the_same_groups_in_time_order(asked: TestClient,
                                                       live: tuple[neo4j.Driver, Settings]
                                                       ) -> None:
    before = _report(asked)["groups"]
    driver, settings = live
    done = regroup_everything(driver, settings)
    assert done.grouped == len(ASKED) + 1  # the fence complaint asks too; the praise does not
    after = _report(asked)["groups"]
    assert [(g["groupId"], g["messages"]) for g in after] == \
        [(g["groupId"], g["messages"]) for g in before]


NOVEL = [
    "The NFT airdrop never showed up in my crypto wallet",
    "Still no NFT airdrop in my wallet, what happened?",
    "NFT airdrop missing from my wallet",
    "Did the NFT airdrop fail? My wallet is empty",
    "NFT airdrop still not in my wallet",
    "No sign of the NFT airdrop in my wallet yet",
]


def test_a_growing_topic_no_concept_covers_is_emerging(asked: TestClient) -> None:
    """The password question is covered (login and account concepts); six messages about an
    airdrop no concept names, all this week, are an emerging topic with a SKOS suggestion."""
    _post(asked, [{"source": "forum", "source_id": f"novel-{n}", "kind": "Post",
                   "channel": "forum", "occurred_at": f"2025-04-2{n}T12:00:00Z", "text": text,
                   "author": {"kind": "email", "value": f"novel{n}@example.org"}}
                  for n, text in enumerate(NOVEL)])
    response = asked.get("/insights/emerging-topics", headers=READER, params={
        "since": "2025-04-20T00:00:00Z", "until": "2025-04-27T00:00:00Z"})
    assert response.status_code == 200, response.text
    [topic] = response.json()["topics"]
    assert topic["messages"] == 6 and topic["previousMessages"] == 0 and topic["growth"] == 6
    assert {"nft", "airdrop", "wallet"} <= set(topic["terms"][:4])
    suggestion = topic["suggestion"]
    assert suggestion["turtle"].startswith(f"ckc:{suggestion['conceptId']} a skos:Concept")
    assert suggestion["broader"] and f"skos:broader ckc:{suggestion['broader']}" in \
        suggestion["turtle"]
    assert all(example["text"] in NOVEL for example in topic["examples"])


@pytest.fixture
def forum_graph(live: tuple[neo4j.Driver, Settings], tmp_path: Path
                ) -> tuple[neo4j.Driver, Settings, Path]:
    """A generated corpus with a community forum, loaded by the ordinary load."""
    driver, settings = live
    folder = tmp_path / "corpus"
    generate(folder, customers=20, interactions=30, seed=3, forum_threads=40)
    load_corpus(folder, settings, build_pipeline(settings), tmp_path / "dead.jsonl")
    return driver, settings, folder


def test_generated_forum_threads_give_community_answers_and_advocates(
        forum_graph: tuple[neo4j.Driver, Settings, Path]) -> None:
    driver, settings, folder = forum_graph
    report = recurring(driver, settings, since=datetime(2024, 11, 1, tzinfo=UTC),
                       until=datetime(2025, 1, 1, tzinfo=UTC))
    forum = [g for g in report.groups if g.communityAnswered]
    assert forum, [g.examples[0].text for g in report.groups]
    [answered_by_peers] = run_query(driver, settings, """
        MATCH (q:Interaction)-[:IN_QUESTION_GROUP]->(:QuestionGroup)
        WHERE q.occurredAt >= datetime('2024-11-01T00:00:00Z')
        AND EXISTS { (r:Interaction {direction: 'inbound'})-[:REPLY_TO]->(q) }
        RETURN count(q) AS n""")
    assert sum(g.communityAnswered for g in report.groups) == answered_by_peers["n"] > 0
    records = [json.loads(line) for line in
               (folder / "interactions.jsonl").read_text(encoding="utf-8").splitlines()]
    peer_handles = {r["author"]["value"] for r in records
                    if r.get("source") == "forum" and r.get("reply_to")
                    and r.get("direction") == "inbound"}
    for group in forum:
        assert group.advocates
        for advocate in group.advocates:
            handles = {row["handle"] for row in run_query(driver, settings, """
                MATCH (:Customer {customerId: $c})-[:HAS_IDENTITY]->(x:Identity)
                RETURN x.identifierValue AS handle""", {"c": advocate.customerId})}
            assert handles & peer_handles, advocate
    brand = [g for g in report.groups if g.commonAnswer is not None
             and g.commonAnswer.givenTimes >= PUBLISHED_ANSWER_AFTER]
    assert brand and all(g.publishedAnswerCandidate and g.deflectable == g.answered - 1
                         for g in brand)
