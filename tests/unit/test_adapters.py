import json
from pathlib import Path

import pytest

from kg.errors import ConfigError
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Item, Loaded, Rejected
from kg.ingestion.adapters.cfpb import zip_code
from kg.ingestion.identities import IdentityError, identity_id, normalise
from kg.ingestion.records import (
    CustomerRecord,
    IdentityRef,
    InteractionRecord,
    interaction_json_schema,
)

ROOT = Path(__file__).parents[2]


def read(source: str, path: Path, mapping: Path | None = None) -> list[Item]:
    return list(ADAPTERS[source](path, AdapterOptions(mapping=mapping)))


def records(items: list[Item]) -> list[InteractionRecord]:
    found = [i.record for i in items if isinstance(i, Loaded)]
    assert all(isinstance(r, InteractionRecord) for r in found)
    return found  # type: ignore[return-value]


def test_every_adapter_is_registered() -> None:
    assert set(ADAPTERS) == {"jsonl", "csv", "twcs", "twitter_care", "email", "transcript",
                             "survey", "cfpb", "amazon_reviews", "crm"}


def test_published_json_schema_is_current() -> None:
    assert (ROOT / "schemas" / "interaction.schema.json").read_text() == interaction_json_schema()


def test_canonical_jsonl_names_the_bad_field(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    good = {"source": "s", "source_id": "1", "kind": "Post", "channel": "twitter",
            "occurred_at": "2024-05-01T10:00:00Z", "text": "hi",
            "author": {"kind": "handle", "network": "twitter", "value": "@Ada"}}
    path.write_text("\n".join([json.dumps(good), json.dumps({**good, "channel": "pigeon"}),
                               "{oops", json.dumps({**good, "occurred_at": "2024-05-01T10:00"})])
                    + "\n")
    items = read("jsonl", path)
    assert isinstance(items[0], Loaded)
    assert [(i.ref.position, i.field) for i in items[1:] if isinstance(i, Rejected)] == [
        ("line 2", "channel"), ("line 3", "record"), ("line 4", "occurred_at")]


def test_identity_normalisation() -> None:
    assert normalise("email", " Ada.E@Example.ORG ") == "ada.e@example.org"
    assert normalise("phone", "+44 (20) 7946-0958") == "+442079460958"
    assert normalise("phone", "0044 20 7946 0958") == "+442079460958"
    assert normalise("handle", "@AcmeHelp") == "acmehelp"
    assert identity_id(IdentityRef(kind="handle", network="Twitter", value="@Ada")) == (
        "handle:twitter:ada")
    with pytest.raises(IdentityError, match="network"):
        identity_id(IdentityRef(kind="handle", value="ada"))
    with pytest.raises(IdentityError, match="not an email"):
        normalise("email", "ada-at-example")


def test_csv_with_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({
        "source": "helpdesk", "kind": "Ticket", "channel": "webform",
        "columns": {"source_id": "Ticket", "occurred_at": "Created", "text": "Body",
                    "author.email": "Email", "author.crm": "Customer",
                    "author.display_name": "Name"},
        "time_format": "%d/%m/%Y %H:%M"}))
    data = tmp_path / "tickets.csv"
    data.write_text("Ticket,Created,Body,Email,Customer,Name\n"
                    "T1,01/05/2024 10:00,Refund please,ada@example.org,C1,Ada\n"
                    "T2,yesterday,Broken,ben@example.org,,Ben\n")
    items = read("csv", data, mapping)
    [record] = records(items)
    assert record.author is not None and record.author.kind == "email"
    assert record.author.display_name == "Ada"
    assert [r.kind for r in record.also_known_as] == ["crm"]
    assert record.occurred_at.isoformat() == "2024-05-01T10:00:00+00:00"
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [(r.ref.position, r.field) for r in rejected] == [("line 3", "Created")]
    with pytest.raises(ConfigError, match="--mapping"):
        read("csv", data)


def test_twcs_threads(tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        '2,115712,True,Tue Oct 31 22:11:45 +0000 2017,@sprintcare still waiting,"1,3",\n'
        "1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 sorry!,,2\n"
        "9,115712,True,not a date,hello,,\n")
    items = read("twcs", path)
    inbound, reply = records(items)
    assert inbound.author is not None and inbound.author.value == "115712"
    assert inbound.kind == "Post" and inbound.direction == "inbound"
    assert reply.direction == "outbound" and reply.reply_to == "2" and reply.author is None
    assert reply.touchpoint == "twitter:sprintcare"
    assert isinstance(items[2], Rejected) and items[2].field == "created_at"


def test_twitter_care_conversations(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text(json.dumps([{"dialogHeader": {"company": "TeamYouTube", "sessionID": "s1"},
                                 "dialogContent": [
        {"client": "Ada", "datetime": "2020-04-01T17:31:32.000Z", "message": "help",
         "tweet_ID": "10"},
        {"agent": "TeamYouTube", "datetime": "2020-04-01T17:40:00.000Z", "message": "DM us",
         "tweet_ID": "11"}]}]))
    first, second = records(read("twitter_care", path))
    assert first.direction == "inbound" and first.author is not None
    assert second.direction == "outbound" and second.reply_to == "10"
    assert second.thread_id == "s1"


EML = """From: Ada Example <Ada@Example.org>
To: support@acme.com
Subject: Order 12345
Date: Wed, 01 May 2024 10:00:00 +0000
Message-ID: <m1@example.org>
Content-Type: text/plain; charset=utf-8

Where is my order #AB12345?
"""


def test_email_eml_and_mbox(tmp_path: Path) -> None:
    (tmp_path / "one.eml").write_text(EML)
    [message] = records(read("email", tmp_path / "one.eml"))
    assert message.source_id == "m1@example.org"
    assert message.author is not None and message.author.display_name == "Ada Example"
    assert "AB12345" in message.text and message.subject == "Order 12345"
    reply = EML.replace("From: Ada Example <Ada@Example.org>", "From: Support <help@acme.com>")
    reply = reply.replace("<m1@example.org>", "<m2@acme.com>\nIn-Reply-To: <m1@example.org>")
    box = tmp_path / "inbox.mbox"
    box.write_text("From ada@example.org Wed May  1 10:00:00 2024\n" + EML + "\n"
                   "From help@acme.com Wed May  1 11:00:00 2024\n" + reply + "\n")
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"company_domains": ["acme.com"]}))
    first, second = records(read("email", box, options))
    assert first.direction == "inbound"
    assert second.direction == "outbound" and second.reply_to == "m1@example.org"


def test_transcripts(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_text("# id: call-42\n# channel: phone\n# customer_phone: +44 20 7946 0958\n"
                    "[2024-05-01T10:00:03Z] Customer: My router keeps dropping.\n"
                    "[2024-05-01T10:00:20Z] Agent: Sorry, let me check.\n"
                    "garbage line\n")
    items = read("transcript", path)
    customer, agent = records(items)
    assert customer.kind == "Call" and customer.author is not None
    assert customer.author.kind == "phone" and customer.direction == "inbound"
    assert agent.direction == "outbound" and agent.reply_to == customer.source_id
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == 1 and rejected[0].ref.position == "line 6"


def test_surveys(tmp_path: Path) -> None:
    path = tmp_path / "nps.csv"
    path.write_text("response_id,submitted_at,email,customer_id,nps,comment\n"
                    "r1,2024-05-01T10:00:00Z,ada@example.org,C1,9,Great support\n"
                    "r2,2024-05-01T11:00:00Z,ben@example.org,,11,Too high\n")
    items = read("survey", path)
    [response] = records(items)
    assert response.rating == 9 and response.kind == "SurveyResponse"
    assert [r.kind for r in response.also_known_as] == ["crm"]
    assert [(i.field, i.ref.position) for i in items if isinstance(i, Rejected)] == [
        ("nps", "line 3")]


def test_cfpb_quirks(tmp_path: Path) -> None:
    path = tmp_path / "cfpb.csv"
    path.write_text(
        "Date received,Product,Issue,Consumer complaint narrative,Company,ZIP code,"
        "Submitted via,Complaint ID\n"
        "2019/9/24,Mortgage,Trouble paying,XXXX called me twice,Big Bank,2134,Phone,111\n"
        "2019/13/1,Mortgage,x,,Big Bank,,Web,112\n")
    items = read("cfpb", path)
    [complaint] = records(items)
    assert complaint.channel == "phone" and complaint.kind == "Ticket"
    assert complaint.occurred_at.isoformat() == "2019-09-24T00:00:00+00:00"
    assert complaint.author is not None and complaint.author.postcode == "02134"
    assert complaint.subject == "Mortgage / Trouble paying"
    assert isinstance(items[1], Rejected) and items[1].field == "Date received"
    assert zip_code("330XX") == "330XX" and zip_code("601") == "00601"


def test_amazon_reviews(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("Id,ProductId,UserId,ProfileName,HelpfulnessNumerator,"
                    "HelpfulnessDenominator,Score,Time,Summary,Text\n"
                    "1,B001,A3SG,delmartian,1,1,5,1303862400,Good,Great<br />food &amp; fast\n"
                    "2,B002,A1D8,dll pa,0,0,,1346976000,Hmm,ok\n")
    first, second = records(read("amazon_reviews", path))
    assert first.rating == 5 and first.text == "Great\nfood & fast"
    assert first.about_product == "B001" and first.author is not None
    assert second.rating is None


def test_crm_master(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    path.write_text("customer_id,name,email,phone,twitter,segment,postcode\n"
                    "C1,Ada Example,ada@example.org,+44 20 7946 0958,@ada,gold,N1 1AA\n"
                    ",Nobody,,,,,\n")
    items = read("crm", path)
    record = items[0].record if isinstance(items[0], Loaded) else None
    assert isinstance(record, CustomerRecord)
    assert [r.kind for r in record.identities] == ["crm", "email", "phone", "handle"]
    assert record.segment == "gold"
    assert isinstance(items[1], Rejected) and items[1].field == "customer_id"


@pytest.mark.parametrize(("source", "relative"), [
    ("twcs", "twcs_threads/twcs_head5000.csv"),
    ("twitter_care", "twitter_customer_care/dev.json"),
    ("cfpb", "cfpb_complaints/complaints_sample.csv"),
    ("amazon_reviews", "amazon_food_reviews/Reviews_head5000.csv"),
])
def test_shared_data_reads_without_rejections(source: str, relative: str) -> None:
    path = ROOT.parent / "shared" / "data" / relative
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    items = read(source, path)
    assert len(items) > 500
    assert [i for i in items if isinstance(i, Rejected)] == []
