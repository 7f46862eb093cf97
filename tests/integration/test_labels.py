"""Analysts' labels are facts in the graph: written with provenance, kept across reloads,
mirrored, read back for training, and erased with their customer; activating a model re-reads
the graph through the change feed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import build_pipeline, extract, provenance
from kg.feed.ids import installation_key
from kg.graph.driver import run_query
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import owner_in_this_process
from kg.semantic.labels import parse_labels
from kg.semantic.versions import activate, base_version, load_heads, save_version
from kg.services.labels import graph_labelled_texts, import_labels
from kg.services.reread import STALE_PAGE, Reread, _write_current, reread, stale_count
from kg.settings import Settings

WRITER, ADMIN = {"X-API-Key": "w"}, {"X-API-Key": "adm"}


def _message(source_id: str, email: str, text: str) -> dict[str, Any]:
    return {"source": "lab", "source_id": source_id, "kind": "EmailMessage",
            "channel": "email", "occurred_at": "2025-03-01T10:00:00Z", "text": text,
            "author": {"kind": "email", "value": email}}


def _interaction(driver: neo4j.Driver, settings: Settings, source_id: str) -> dict[str, Any]:
    [row] = run_query(driver, settings, """
        MATCH (i:Interaction) WHERE i.interactionId ENDS WITH $suffix
        MATCH (i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
        RETURN i.interactionId AS id, i.sentimentLabel AS sentiment, c.customerId AS customer
        """, {"suffix": f":{source_id}"})
    return row


def _mirrored_label_subjects(settings: Settings) -> set[str]:
    owner = owner_in_this_process(settings)
    assert owner is not None  # the test API owns the mirror
    check = owner.check()
    assert check.same, check.differences
    return {str(t.subject) for t in owner.sink.data_triples()
            if t.predicate.value.endswith("#labelledBy")}


def test_labels_are_facts_that_survive_reloads_and_leave_with_their_customer(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    driver, settings = live
    posted = live_client.post("/interactions", headers=WRITER, json=[
        _message("a1", "ann.label@example.com", "My parcel never arrived, order 5512."),
        _message("b1", "bob.label@example.com", "Thanks, the refund came through quickly!")])
    assert posted.status_code == 200 and posted.json()["loaded"] == 2
    ann, bob = _interaction(driver, settings, "a1"), _interaction(driver, settings, "b1")
    csv_text = (
        "interaction_id,text,sentiment,area,concept\n"
        f"{ann['id']},,negative,delivery-logistics,lost-package\n"
        "lab:missing,,neutral,,\n"
        f"{bob['id']},,positive,returns-refunds,refund\n"
        ",The app logs me out every day,negative,website-app,login-problem\n"
        ",Fine thanks,angry,,\n")
    labels, rejected = parse_labels(io.StringIO(csv_text, newline=""))
    outcome = import_labels(driver, settings, labels, rejected, "analyst:ana")
    assert outcome.written == 3
    assert sorted((r.line, r.field) for r in outcome.rejected) == [
        (3, "interaction_id"), (6, "sentiment")]
    stored = run_query(driver, settings, """
        MATCH (l:AnalystLabel)
        OPTIONAL MATCH (l)-[:LABEL_OF]->(i:Interaction)
        RETURN l.labelId AS id, i.interactionId AS interaction, l.labelSentiment AS sentiment,
               l.labelArea AS area, l.labelledBy AS by, l.labelledAt IS NOT NULL AS dated,
               l.modelSentiment AS model, l.modelVersion AS version, l.labelText AS text,
               [(l)-[:LABEL_CONCEPT]->(k:Concept) | k.conceptId] AS concepts
        ORDER BY id""")
    by_interaction = {row["interaction"]: row for row in stored}
    assert set(by_interaction) == {ann["id"], bob["id"], None}
    assert by_interaction[ann["id"]]["concepts"] == ["lost-package"]
    assert by_interaction[ann["id"]]["model"] == ann["sentiment"]  # what the model had said
    assert "+semantic." in by_interaction[ann["id"]]["version"]  # which model said it
    assert all(row["by"] == "analyst:ana" and row["dated"] for row in stored)
    assert by_interaction[None]["text"] == "The app logs me out every day"
    assert ann["customer"] not in str(stored)  # labels name messages, never a customer key

    # Reloading a message replaces what extraction made of it, never the analyst's label.
    again = live_client.post("/interactions", headers=WRITER, json=_message(
        "a1", "ann.label@example.com", "My parcel never arrived, order 5512."))
    assert again.status_code == 200
    training = graph_labelled_texts(driver, settings)
    assert sorted((t.text, t.sentiment, t.area, t.concepts) for t in training) == [
        ("My parcel never arrived, order 5512.", "negative", "delivery-logistics",
         ("lost-package",)),
        ("Thanks, the refund came through quickly!", "positive", "returns-refunds",
         ("refund",)),
        ("The app logs me out every day", "negative", "website-app", ("login-problem",))]
    mirrored = _mirrored_label_subjects(settings)
    assert len(mirrored) == 3

    # Labelling the same message again replaces the judgement (one label per analyst).
    relabel, _ = parse_labels(io.StringIO(
        f"interaction_id,sentiment,concept\n{ann['id']},neutral,late-delivery\n", newline=""))
    assert import_labels(driver, settings, relabel, [], "analyst:ana").written == 1
    [ann_label] = run_query(driver, settings, """
        MATCH (l:AnalystLabel)-[:LABEL_OF]->(:Interaction {interactionId: $id})
        RETURN l.labelSentiment AS sentiment,
               [(l)-[:LABEL_CONCEPT]->(k) | k.conceptId] AS concepts""", {"id": ann["id"]})
    assert ann_label == {"sentiment": "neutral", "concepts": ["late-delivery"]}

    erased = live_client.delete(f"/customers/{ann['customer']}", headers=ADMIN)
    assert erased.status_code == 200 and erased.json()["mirrored"] is True
    left = run_query(driver, settings, """
        MATCH (l:AnalystLabel) OPTIONAL MATCH (l)-[:LABEL_OF]->(i)
        RETURN i.interactionId AS interaction ORDER BY interaction""")
    assert left == [{"interaction": bob["id"]}, {"interaction": None}]
    after = _mirrored_label_subjects(settings)
    assert len(after) == 2 and after < mirrored
    assert not [name for name in run_query(driver, settings, """
        MATCH (r:ChangeRecord) UNWIND coalesce(r.touchedNodes, []) AS name
        RETURN name""") if ann["id"] in name["name"]]


class Interrupted(Exception):
    """Stands in for a re-read killed midway."""


def test_activating_a_model_re_reads_the_graph_through_the_feed_and_resumes(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient, tmp_path: Path) -> None:
    driver, settings = live
    posted = live_client.post("/interactions", headers=WRITER, json=[
        _message(f"r{n}", f"reader{n}@example.com", text) for n, text in enumerate([
            "My parcel is lost and nobody answers.", "Great service, thank you!",
            "How do I change my PIN?", "Charged twice for one order."])])
    assert posted.status_code == 200 and posted.json()["loaded"] == 4
    # a second version (the base heads under a new name): what changes is who read what
    save_version(tmp_path, load_heads(base_version()), {"note": "re-read test"})
    activate(tmp_path, "latest")
    configured = settings.model_copy(update={"model_dir": tmp_path})
    nlp = build_pipeline(configured)
    version = provenance(nlp).version
    assert version.endswith("+semantic.v0001")
    assert stale_count(driver, configured, version) == 4

    def stop_after_first_page(done: Reread) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        reread(driver, configured, nlp, load_mapping(), page=1,
               progress=stop_after_first_page)
    assert stale_count(driver, configured, version) == 3  # one page was committed
    resumed = reread(driver, configured, nlp, load_mapping(), page=2)
    assert (resumed.stale_at_start, resumed.reread, resumed.failed) == (3, 3, 0)
    assert reread(driver, configured, nlp, load_mapping()).reread == 0  # nothing left
    versions = run_query(driver, settings, """
        MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)
        RETURN DISTINCT o.extractorVersion AS version""")
    assert versions == [{"version": version}]
    assert run_query(driver, settings, """
        MATCH (r:ChangeRecord) WHERE r.derivationPending = true RETURN count(r) AS n""") == [
        {"n": 0}]  # summaries, tallies and pain points followed the new reading
    owner = owner_in_this_process(settings)
    assert owner is not None and owner.check().same


def test_the_label_api_checks_roles_and_values(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    driver, settings = live
    assert live_client.post("/interactions", headers=WRITER, json=_message(
        "q1", "quinn@example.com", "Where is my order?")).status_code == 200
    interaction = _interaction(driver, settings, "q1")["id"]
    analyst, reader = {"X-API-Key": "a"}, {"X-API-Key": "r"}
    queued = live_client.get("/labels/queue", headers=analyst).json()["items"]
    assert [item["interactionId"] for item in queued] == [interaction]
    assert live_client.get("/labels/queue", headers=reader).status_code == 403
    assert live_client.post("/labels", headers=reader, json={
        "interactionId": interaction, "sentiment": "neutral"}).status_code == 403
    bad = live_client.post("/labels", headers=analyst, json={
        "interactionId": interaction, "sentiment": "furious"})
    assert bad.status_code == 422 and "sentiment" in bad.text
    unknown = live_client.post("/labels", headers=analyst, json={
        "interactionId": interaction, "concepts": ["teleportation"]})
    assert unknown.status_code == 422 and "teleportation" in unknown.text
    missing = live_client.post("/labels", headers=analyst, json={
        "interactionId": "lab:nowhere", "sentiment": "neutral"})
    assert missing.status_code == 404 and "lab:nowhere" in missing.text
    written = live_client.post("/labels", headers=analyst, json={
        "interactionId": interaction, "sentiment": "neutral", "concepts": []})
    assert written.status_code == 200 and written.json()["labelledBy"].startswith("api:analyst:")
    assert live_client.get("/labels/queue", headers=analyst).json()["items"] == []
    [judged] = graph_labelled_texts(driver, settings)
    assert (judged.sentiment, judged.concepts) == ("neutral", ())  # judged: about no concept
    only_concepts = live_client.post("/labels", headers=analyst, json={
        "interactionId": interaction, "concepts": []})
    assert only_concepts.status_code == 200, only_concepts.text  # "about none" alone is a label
    [again] = graph_labelled_texts(driver, settings)
    assert (again.sentiment, again.concepts) == (None, ())  # the new judgement replaced it


def test_a_re_read_never_brings_back_an_erased_message_nor_overwrites_a_reload(
        live: tuple[neo4j.Driver, Settings], live_client: TestClient) -> None:
    """The page is read, then the message is erased (or reloaded with new text) before the
    re-read writes: the write checks under the feed's lock and leaves both alone."""
    driver, settings = live
    assert live_client.post("/interactions", headers=WRITER, json=[
        _message("e1", "erased.reader@example.com", "Lost my bag at the airport."),
        _message("n1", "new.text@example.com", "The app crashed again.")]).status_code == 200
    erased, reloaded = (_interaction(driver, settings, "e1"),
                        _interaction(driver, settings, "n1"))
    nlp = build_pipeline(settings)
    pages = run_query(driver, settings, STALE_PAGE, {"after": "", "version": "none",
                                                     "limit": 10})
    results = list(extract(nlp, [(row["id"], row["text"]) for row in pages], settings))
    read = [(row, result) for row, result in zip(pages, results, strict=True)
            if isinstance(result, ExtractionResult)]
    assert {row["id"] for row, _ in read} == {erased["id"], reloaded["id"]}
    assert live_client.delete(f"/customers/{erased['customer']}",
                              headers=ADMIN).status_code == 200
    assert live_client.post("/interactions", headers=WRITER, json=_message(
        "n1", "new.text@example.com", "All good now, thanks!")).status_code == 200
    with driver.session(database=settings.neo4j_database) as session:
        written = session.execute_write(_write_current, read, load_mapping(),
                                        installation_key(settings))
    assert written == 0
    assert run_query(driver, settings, "MATCH (i:Interaction {interactionId: $id}) "
                     "RETURN count(i) AS n", {"id": erased["id"]}) == [{"n": 0}]
    [kept] = run_query(driver, settings, """
        MATCH (i:Interaction {interactionId: $id})-[:HAS_OPINION]->(o:Opinion)
        WHERE o.opinionId ENDS WITH ':message'
        RETURN i.text AS text, o.polarity AS polarity""", {"id": reloaded["id"]})
    assert kept["text"] == "All good now, thanks!" and kept["polarity"] == "positive"
