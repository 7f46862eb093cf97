"""The consent policy's pure logic: newest wins, channels, expiry, defaults, and the DPV
alignment the RDF mirror states."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
from pydantic import ValidationError

from kg.consent.models import ConsentChange, ConsentEvent
from kg.consent.policy import (
    ANALYTICS_INCLUDED,
    ANALYTICS_INCLUDED_INTERACTION,
    analytics_flags,
    channel_of_identity,
    current,
    decide,
    newest,
)
from kg.consent.rows import consent_row
from kg.ingestion.adapters import AdapterOptions, Loaded, Rejected
from kg.ingestion.adapters.crm import read_crm
from kg.ingestion.adapters.survey import read_survey
from kg.ingestion.records import CustomerRecord, InteractionRecord
from kg.ontology.mapping import load_mapping
from kg.rdf.mirror import DATA_GRAPH, node_quads
from kg.settings import Settings

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DPV = "https://w3id.org/dpv#"


def event(status: str, day: int, *, purpose: str = "analytics", channel: str | None = None,
          expires: datetime | None = None, recorded_day: int | None = None,
          cid: str | None = None) -> ConsentEvent:
    return ConsentEvent(
        consent_id=cid or f"{purpose}-{status}-{day}-{channel}", purpose=purpose, status=status,
        channel=channel, given_at=datetime(2026, 1, day, tzinfo=UTC), expires_at=expires,
        recorded_at=datetime(2026, 3, recorded_day or day, tzinfo=UTC), source="test")


def test_the_newest_decision_wins_whatever_order_events_arrive_in() -> None:
    older_grant = event("granted", 1, recorded_day=20)  # an old decision recorded late
    withdrawal = event("withdrawn", 10, recorded_day=11)
    for order in ([older_grant, withdrawal], [withdrawal, older_grant]):
        decision = decide(order, "analytics", None, now=NOW, settings=None)
        assert not decision.allowed
        assert decision.event == withdrawal
        assert "withdrawn" in decision.reason
    renewed = event("granted", 15)
    assert decide([older_grant, withdrawal, renewed], "analytics", None, now=NOW,
                  settings=None).allowed


def test_ties_go_to_the_later_recorded_then_the_more_restrictive() -> None:
    first = event("granted", 5, recorded_day=6, cid="a")
    second = event("denied", 5, recorded_day=7, cid="b")
    assert newest([first, second]) == second
    same_time_grant = event("granted", 5, recorded_day=7, cid="c")
    same_time_withdrawal = event("withdrawn", 5, recorded_day=7, cid="d")
    assert newest([same_time_withdrawal, same_time_grant]) == same_time_withdrawal


def test_an_event_without_a_channel_applies_to_every_channel() -> None:
    everywhere = event("granted", 1, purpose="marketing")
    not_by_email = event("withdrawn", 5, purpose="marketing", channel="email")
    events = [everywhere, not_by_email]
    assert not decide(events, "marketing", "email", now=NOW, settings=None).allowed
    assert decide(events, "marketing", "phone", now=NOW, settings=None).allowed
    stop_everything = event("withdrawn", 8, purpose="marketing")
    assert not decide([*events, stop_everything], "marketing", "phone", now=NOW,
                      settings=None).allowed
    back_on_phone = event("granted", 9, purpose="marketing", channel="phone")
    assert decide([*events, stop_everything, back_on_phone], "marketing", "phone", now=NOW,
                  settings=None).allowed
    assert [e.channel for e in current([*events, stop_everything, back_on_phone])] == [
        None, "email", "phone"]


def test_an_expired_grant_counts_as_not_given() -> None:
    expired = event("granted", 1, expires=NOW - timedelta(days=1))
    decision = decide([expired], "analytics", None, now=NOW, settings=None)
    assert not decision.allowed and "expired" in decision.reason
    still = event("granted", 1, expires=NOW + timedelta(days=1))
    flags = analytics_flags([still], now=NOW, settings=None)
    assert not flags.excluded and flags.allowed_until == NOW + timedelta(days=1)
    assert analytics_flags([expired], now=NOW, settings=None).excluded


def test_no_event_means_the_policy_default() -> None:
    assert decide([], "analytics", None, now=NOW, settings=None).allowed
    assert not decide([], "marketing", "email", now=NOW, settings=None).allowed
    opt_in = Settings(consent_defaults={"analytics": "denied"})
    decision = decide([], "analytics", None, now=NOW, settings=opt_in)
    assert not decision.allowed and "policy default is denied" in decision.reason
    assert analytics_flags([], now=NOW, settings=opt_in).excluded
    # a purpose the setting leaves out keeps its built-in default
    assert decide([], "service", None, now=NOW, settings=opt_in).allowed


def test_linking_across_channels_compares_kind_and_network() -> None:
    assert channel_of_identity("handle:twitter:ada") == "handle:twitter"
    assert channel_of_identity("handle:twitter:ada") != channel_of_identity("handle:facebook:ada")
    assert channel_of_identity("email:email:ada@example.org") != channel_of_identity("crm:crm:1")


def test_the_cypher_predicates_read_the_maintained_customer_flags() -> None:
    assert ANALYTICS_INCLUDED == (
        "(coalesce(c.analyticsExcluded, false) = false AND (c.analyticsAllowedUntil IS NULL "
        "OR c.analyticsAllowedUntil > datetime()))")
    assert "(i)-[:AUTHORED_BY]->" in ANALYTICS_INCLUDED_INTERACTION
    assert "excluded.analyticsExcluded" in ANALYTICS_INCLUDED_INTERACTION


def test_a_consent_change_is_validated() -> None:
    with pytest.raises(ValidationError, match="purpose"):
        ConsentChange.model_validate({"purpose": "spam", "status": "granted"})
    with pytest.raises(ValidationError, match="time zone"):
        ConsentChange.model_validate({"purpose": "service", "status": "granted",
                                      "given_at": "2026-01-01T00:00:00"})
    with pytest.raises(ValidationError, match="in the future"):
        ConsentChange.model_validate({"purpose": "service", "status": "granted",
                                      "given_at": "2999-01-01T00:00:00Z"})
    with pytest.raises(ValidationError, match="after given_at"):
        ConsentChange.model_validate({"purpose": "service", "status": "granted",
                                      "given_at": "2026-01-02T00:00:00Z",
                                      "expires_at": "2026-01-01T00:00:00Z"})


def test_the_same_decision_has_the_same_id_and_a_new_one_a_new_id() -> None:
    def row(status: str) -> str:
        return str(consent_row(identity_id="crm:crm:1", purpose="marketing", status=status,
                               channel=None, given_at=NOW, expires_at=None, source="crm",
                               evidence="crm.csv line 2", recorded_by="load:crm")["consentId"])
    assert row("granted") == row("granted") != row("withdrawn")


def test_crm_and_survey_columns_become_consent_statements(tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text("customer_id,email,marketing_consent,consent_at,analytics_consent,"
                   "analytics_consent_until,marketing_consent_channel\n"
                   "C1,ada@example.org,yes,2025-03-01T09:00:00Z,no,,email\n"
                   "C2,bob@example.org,maybe,2025-03-01T09:00:00Z,,,\n"
                   "C3,cy@example.org,yes,,,,\n")
    items = list(read_crm(crm, AdapterOptions()))
    first = items[0]
    assert isinstance(first, Loaded) and isinstance(first.record, CustomerRecord)
    by_purpose = {c.purpose: c for c in first.record.consents}
    assert by_purpose["marketing"].status == "granted"
    assert by_purpose["marketing"].channel == "email"
    assert by_purpose["analytics"].status == "denied"
    assert by_purpose["marketing"].given_at == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert by_purpose["marketing"].evidence == "crm.csv line 2 column marketing_consent=yes"
    assert isinstance(items[1], Rejected) and items[1].field == "consents.0.status"
    assert isinstance(items[2], Rejected) and items[2].field == "consents.0.given_at"
    survey = tmp_path / "survey.csv"
    survey.write_text("response_id,submitted_at,email,nps,comment,marketing_consent\n"
                      "r1,2025-04-01T10:00:00Z,ada@example.org,9,great,checked\n")
    [answer] = list(read_survey(survey, AdapterOptions()))
    assert isinstance(answer, Loaded) and isinstance(answer.record, InteractionRecord)
    [consent] = answer.record.consents
    assert consent.status == "granted"
    assert consent.given_at == datetime(2025, 4, 1, 10, tzinfo=UTC)


def test_consents_of_an_interaction_need_an_author() -> None:
    with pytest.raises(ValidationError, match="need an author"):
        InteractionRecord.model_validate({
            "source": "s", "source_id": "1", "kind": "Post", "channel": "twitter",
            "occurred_at": "2025-01-01T00:00:00Z",
            "consents": [{"purpose": "marketing", "status": "withdrawn",
                          "given_at": "2025-01-01T00:00:00Z"}]})


def test_the_mirror_states_consent_events_in_dpv_terms() -> None:
    mapping = load_mapping()
    props = {"consentId": "e1", "purpose": "analytics", "consentStatus": "withdrawn",
             "givenAt": NOW, "consentSource": "api", "recordedBy": "api:writer:x"}
    edges = [{"type": "CONSENT_OF", "props": {}, "endLabels": ["Identity", "EmailAddress"],
              "endKey": "email:email:ada@example.org"}]
    quads = set(node_quads(mapping, ["Consent"], "e1", props, edges))
    subject = ox.NamedNode("https://w3id.org/customer-kg/id/consent/e1")
    identity = ox.NamedNode(
        "https://w3id.org/customer-kg/id/identity/email%3Aemail%3Aada%40example.org")

    def has(predicate: str, obj: ox.NamedNode | ox.Literal) -> bool:
        return ox.Quad(subject, ox.NamedNode(predicate), obj, DATA_GRAPH) in quads

    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert has(rdf_type, ox.NamedNode(DPV + "Consent"))
    assert has(DPV + "hasConsentStatus", ox.NamedNode(DPV + "ConsentWithdrawn"))
    assert has(DPV + "hasPurpose", ox.NamedNode("https://w3id.org/customer-kg/ref/"
                                                "purpose-analytics"))
    assert has(DPV + "hasDataSubject", identity)
    assert has(DPV + "isIndicatedAtTime", ox.Literal(
        NOW.isoformat(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")))
