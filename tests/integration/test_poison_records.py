"""One bad record never stops the others: a time outside the accepted window is set aside, a
record whose derivation fails is quarantined while the feed goes on, and one outlier cannot
move the graph's "now" (and with it every customer's segment and every trend)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j
import orjson
import pytest
from fastapi.testclient import TestClient
from spacy.language import Language
from typer.testing import CliRunner

from kg.cli import app as cli_app
from kg.derivation import refresh as refresh_module
from kg.derivation.clock import NOW_RANK
from kg.derivation.quarantine import quarantined, release
from kg.derivation.refresh import derive_everything, refresh
from kg.graph.driver import run_query
from kg.ingestion.generator import generate
from kg.ontology.mapping import load_mapping
from kg.services.ingest import load
from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.graph_state import fingerprint
from tests.integration.support import API_KEYS, load_corpus

POISON = "poison-1"


def _record(source_id: str, at: str, *, author: str | None = None,
            text: str = "My parcel never arrived") -> dict[str, Any]:
    return {"source": "probe", "source_id": source_id, "kind": "EmailMessage",
            "channel": "email", "occurred_at": at, "text": text,
            "author": {"kind": "email", "value": author or f"{source_id}@example.org"}}


def _load(records: list[dict[str, Any]], driver: neo4j.Driver, settings: Settings,
          nlp: Language, folder: Path, name: str) -> Any:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return load("jsonl", [path], driver=driver, settings=settings, nlp=nlp,
                mapping=load_mapping(), dead_letters=folder / f"dead-{name}.jsonl")


def _derived(driver: neo4j.Driver, settings: Settings, source_id: str) -> bool:
    """Whether the interaction has been derived: it belongs to a case."""
    rows = run_query(driver, settings, """
        MATCH (i:Interaction {sourceRecordId: $sourceId})
        RETURN EXISTS { (i)-[:PART_OF_CASE]->(:Case) } AS cased""", {"sourceId": source_id})
    return bool(rows) and bool(rows[0]["cased"])


def _pending(driver: neo4j.Driver, settings: Settings) -> int:
    return int(run_query(driver, settings, """
        MATCH (r:ChangeRecord) WHERE r.derivationPending = true RETURN count(r) AS n""")[0]["n"])


def test_times_outside_the_window_are_set_aside_naming_the_field(
        live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path) -> None:
    driver, settings = live
    ahead = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    done = _load([_record("year-1", "0001-01-01T00:00:00Z"),
                  _record("year-9999", "9999-12-31T23:59:59-14:00"),
                  _record("two-hours-ahead", ahead),
                  _record("fine", "2024-03-01T10:00:00Z")],
                 driver, settings, nlp, tmp_path, "window")
    assert (done.read, done.loaded, done.rejected) == (4, 1, 3)
    dead = [orjson.loads(line) for line in (tmp_path / "dead-window.jsonl").read_bytes()
            .splitlines()]
    assert [d["field"] for d in dead] == ["occurred_at"] * 3
    assert "earliest" in dead[0]["reason"] and "KG_EARLIEST_OCCURRED_AT" in dead[0]["reason"]
    assert "calendar" in dead[1]["reason"] and "future" in dead[2]["reason"]
    assert _derived(driver, settings, "fine") and _pending(driver, settings) == 0
    widened = settings.model_copy(update={"max_future_skew_seconds": 3 * 3600.0})
    assert _load([_record("two-hours-ahead", ahead)], driver, widened, nlp, tmp_path,
                 "widened").loaded == 1


def test_a_time_near_the_calendars_edge_no_longer_breaks_derivation(
        live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path) -> None:
    """A graph may hold a year-1 message from before the window existed (here: a floor
    configured that far back): its case window is held inside the calendar."""
    driver, settings = live
    ancient = settings.model_copy(update={"earliest_occurred_at": datetime(1, 1, 1,
                                                                            tzinfo=UTC)})
    done = _load([_record("year-1", "0001-01-01T00:00:00Z"),
                  _record("later", "2024-03-01T10:00:00Z")], driver, ancient, nlp, tmp_path,
                 "ancient")
    assert done.loaded == 2 and done.derived.quarantined == 0
    assert _derived(driver, ancient, "year-1") and _derived(driver, ancient, "later")


def _poisoned(original: Callable[..., Any]) -> Callable[..., Any]:
    """``cases_around`` that fails on the poison record's interaction, as a bug or a value
    no rule foresaw would."""
    def cases_around(tx: neo4j.ManagedTransaction, *, interactions: set[str],
                     **kwargs: Any) -> Any:
        if any(POISON in i for i in interactions):
            raise RuntimeError("no rule for this record")
        return original(tx, interactions=interactions, **kwargs)
    return cases_around


def test_a_record_whose_derivation_fails_is_quarantined_and_the_feed_goes_on(
        live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    driver, settings = live
    _load([_record("before", "2024-03-01T10:00:00Z")], driver, settings, nlp, tmp_path,
          "before")
    monkeypatch.setattr(refresh_module, "cases_around", _poisoned(refresh_module.cases_around))
    # The poison record arrives in one load with good records around it.
    done = _load([_record("good-a", "2024-03-02T10:00:00Z"),
                  _record(POISON, "2024-03-03T10:00:00Z"),
                  _record("good-b", "2024-03-04T10:00:00Z")], driver, settings, nlp,
                 tmp_path, "mixed")
    # The batch's one change record was split, and only what names the poison record (its
    # interaction, and its author, whose derivation regroups that interaction) set aside.
    set_aside = quarantined(driver, settings)
    assert done.loaded == 3 and done.derived.quarantined == len(set_aside) >= 1
    assert all("RuntimeError: no rule for this record" in r.error for r in set_aside)
    named = [n for r in set_aside for n in r.interactions + r.identities + r.customers]
    assert len(named) == len(set_aside) and any(POISON in n for n in named)
    assert not any("good" in n for n in named)
    # Everything after it goes on: a load, a write through the API, a consent change.
    assert _load([_record("after", "2024-03-05T10:00:00Z")], driver, settings, nlp, tmp_path,
                 "after").derived.quarantined == 0
    for source_id in ("before", "good-a", "good-b", "after"):
        assert _derived(driver, settings, source_id), source_id
    assert not _derived(driver, settings, POISON)
    api = settings.model_copy(update={"api_keys": API_KEYS, "api_warm_up": False})
    with TestClient(create_app(api)) as client:
        posted = client.post("/interactions", headers={"X-API-Key": "w"},
                             json=_record("posted", "2024-03-06T10:00:00Z"))
        assert posted.status_code == 200, posted.text
        assert posted.json()["loaded"] == 1
        customer = run_query(driver, settings, """
            MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-
                  (:Interaction {sourceRecordId: 'posted'})
            RETURN c.customerId AS id""")[0]["id"]
        consent = client.post(f"/customers/{customer}/consents", headers={"X-API-Key": "w"},
                              json={"purpose": "marketing", "status": "granted"})
        assert consent.status_code in (200, 201), consent.text
    assert _derived(driver, settings, "posted") and _pending(driver, settings) == 0
    # Reported by the check, listed, and derived by --retry once the cause is fixed.
    checked = CliRunner().invoke(cli_app, ["derive", "--check"])
    assert checked.exit_code == 1
    assert f"quarantined change records: {len(set_aside)}" in checked.output
    listed = CliRunner().invoke(cli_app, ["derive", "--quarantined"])
    assert listed.exit_code == 0
    assert [orjson.loads(line)["sequence"] for line in listed.output.splitlines()] == [
        r.sequence for r in set_aside]
    monkeypatch.undo()
    retried = CliRunner().invoke(cli_app, ["derive", "--retry"])
    assert retried.exit_code == 0, retried.output
    assert f"released from quarantine: {len(set_aside)}" in retried.output
    assert quarantined(driver, settings) == [] and _derived(driver, settings, POISON)
    live_state = fingerprint(driver, settings)
    derive_everything(driver, settings)
    assert fingerprint(driver, settings) == live_state


def test_a_record_that_fails_again_is_quarantined_again(
        live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    driver, settings = live
    monkeypatch.setattr(refresh_module, "cases_around", _poisoned(refresh_module.cases_around))
    _load([_record(POISON, "2024-03-03T10:00:00Z")], driver, settings, nlp, tmp_path, "p")
    first = quarantined(driver, settings)
    assert first and release(driver, settings) == len(first)
    assert refresh(driver, settings).quarantined == len(first)
    again = quarantined(driver, settings)
    assert [r.interactions + r.identities for r in again] == [
        r.interactions + r.identities for r in first]
    assert _pending(driver, settings) == 0


def test_one_outlier_does_not_move_the_graphs_now(
        live: tuple[neo4j.Driver, Settings], nlp: Language, tmp_path: Path) -> None:
    """After a historic load, one message dated at the server's clock (inside the accepted
    skew) leaves every segment and every pain point's recent share where they were."""
    driver, settings = live
    folder = tmp_path / "corpus"
    generate(folder, customers=30, interactions=150, seed=11)
    load_corpus(folder, settings, nlp, tmp_path / "dead.jsonl")
    segments = """MATCH (c:Customer)-[:IN_SEGMENT]->(s:Segment)
                  WHERE c.lastInboundAt IS NOT NULL
                  RETURN c.customerId AS customer, s.segmentId AS segment"""
    api = settings.model_copy(update={"api_keys": API_KEYS, "api_warm_up": False})

    def pain_points() -> list[dict[str, Any]]:
        with TestClient(create_app(api)) as client:
            response = client.get("/insights/pain-points", headers={"X-API-Key": "r"})
            assert response.status_code == 200, response.text
            return list(response.json())

    before = {r["customer"]: r["segment"] for r in run_query(driver, settings, segments)}
    points_before = pain_points()
    assert len(before) > 10 and set(before.values()) - {"inactives"}
    assert points_before and any(p["recent"] for p in points_before)
    now = datetime.now(UTC).isoformat()
    # a message about no concept, so any change in the pain points could only come from "now"
    assert _load([_record("outlier", now, text="Hello, just saying hi.")], driver, settings,
                 nlp, tmp_path, "outlier").loaded == 1
    after = {r["customer"]: r["segment"] for r in run_query(driver, settings, segments)}
    assert {c: s for c, s in after.items() if c in before} == before
    assert pain_points() == points_before
    # Sustained activity does move it: NOW_RANK messages at that time make the historic
    # customers inactive.
    _load([_record(f"live-{n}", now) for n in range(NOW_RANK)], driver, settings, nlp,
          tmp_path, "live")
    moved = {r["customer"]: r["segment"] for r in run_query(driver, settings, segments)}
    assert {moved[c] for c in before} == {"inactives"}
