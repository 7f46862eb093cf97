"""``kg generate``: a synthetic multi-channel corpus with its ground truth.

Customers appear on several channels (Twitter, email, chat, phone, surveys, reviews) and in a
CRM master; their issues become cases whose interactions share an order number across
channels; brand replies thread the social posts. Noise: typos, stretched words, missing or
malformed fields (which the loader must reject and report), name variants in reviews.
Ground truth: ``truth/identities.csv`` (identity id → true customer) and
``truth/interactions.csv`` (interaction id → true customer and true case).

With ``forum_threads``, a community forum too (after the rest, from a random stream of its
own, so the rest of a seed's corpus is unchanged): customers ask the questions of
:data:`FORUM_QUESTIONS` in their own words, other customers answer some of them before the
brand does, and the brand gives each question its one standard answer, so recurring questions,
community answers and advocates have something to find.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from kg.ingestion.identities import identity_id
from kg.ingestion.records import IdentityRef

FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kemi",
         "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar",
         "Vera", "Wes", "Xena", "Yusuf", "Zoe", "Aiden", "Bea", "Carlos", "Dana")
LAST = ("Smith", "Okafor", "Nguyen", "Garcia", "Kowalski", "Haddad", "Silva", "Murphy", "Patel",
        "Rossi", "Müller", "Dubois", "Tanaka", "Larsen", "Costa", "Ahmed", "Brown", "Novak",
        "Ivanova", "Fischer", "Moreau", "Kim", "Lopez", "Walsh", "Singh")
ISSUES: dict[str, tuple[str, ...]] = {
    "late-delivery": ("my order {order} still hasn't arrived",
                      "where is my order {order}?? been waiting a week",
                      "order {order} was due on monday, nothing yet",
                      "still no delivery for {order}"),
    "lost-package": ("tracking says delivered but order {order} never came",
                     "my parcel for {order} is lost", "courier lost my package, order {order}"),
    "overcharge": ("I was charged twice for order {order}",
                   "you overcharged me on {order}, please fix",
                   "double charged again for {order}!!"),
    "refund": ("still waiting for my refund on {order}",
               "when do I get my money back for {order}?",
               "refund for order {order} never arrived"),
    "damaged-item": ("order {order} arrived damaged",
                     "the box for {order} was crushed and the item broken"),
    "login-problem": ("can't log in to my account since yesterday",
                      "password reset link doesn't work", "locked out of the app again"),
    "hold-time": ("on hold for an hour about order {order}",
                  "45 minutes on hold, nobody answers"),
    "rude-staff": ("the agent was rude to me about {order}",
                   "your store staff were really unprofessional"),
}
PRAISE = ("thanks, the team sorted it out quickly", "great service today, thank you",
          "love the new app, super easy", "delivery was early, brilliant")
FORUM_QUESTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # question id: (ways to ask, a customer's answer, the brand's standard answer)
    "password-reset": (("How do I reset my password?", "how can i reset my password??",
                        "I forgot my password, how do I reset it?",
                        "where do I reset my account password?"),
                       "Use 'Forgot password' on the login page, worked for me",
                       "You can reset it from the sign-in page: choose Forgot password."),
    "return-label": (("How do I print a return label?", "where can I get a returns label?",
                      "how do I get a label to send my order back?"),
                     "Go to your orders, pick the item and choose Return, the label is there",
                     "Open your order, choose Return item and print the label we email you."),
    "delivery-days": (("Do you deliver on Sundays?", "is there sunday delivery?",
                       "can I get my parcel delivered on a Sunday?"),
                      "They do in big cities, I got mine on a Sunday",
                      "We deliver on Sundays in most cities; the checkout shows your options."),
}
REPLIES = ("sorry to hear that, please DM us your order number", "we're looking into it for you",
           "thanks for reaching out, can you send your email in DM?")


@dataclass
class Person:
    customer: str
    name: str
    postcode: str
    email: str
    phone: str
    twitter: str | None
    crm_id: str
    in_crm: bool


def _typo(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08 and len(text) > 10:
        i = rng.randrange(1, len(text) - 1)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if roll < 0.12:
        return text.replace("o", "ooo", 1)
    return text


def _people(count: int, rng: random.Random) -> list[Person]:
    people = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append(Person(
            customer=f"true-{n:07d}", name=f"{first} {last}",
            postcode=f"{rng.choice('ABCDEFGHJKLMNPRSTW')}{rng.randint(1, 29)} {rng.randint(1, 9)}"
                     f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            email=f"{first.lower()}.{last.lower()}{n}@example.{rng.choice(('com', 'org', 'net'))}",
            phone=f"+447{rng.randint(100000000, 999999999)}",
            twitter=f"{first.lower()}{last.lower()[:3]}{n}" if rng.random() < 0.6 else None,
            crm_id=f"C{n:08d}", in_crm=rng.random() < 0.95,
        ))
    return people


def generate(out: Path, *, customers: int, interactions: int, seed: int = 7,
             forum_threads: int = 0) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    people = _people(customers, rng)
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    truth_identities: dict[str, str] = {}

    def remember(ref: IdentityRef, person: Person) -> None:
        truth_identities[identity_id(ref)] = person.customer

    with (out / "crm.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name", "email", "phone", "twitter", "postcode", "segment"])
        for person in people:
            if person.in_crm:
                writer.writerow([person.crm_id, person.name, person.email, person.phone,
                                 person.twitter or "", person.postcode,
                                 rng.choice(("gold", "silver", "bronze"))])
                remember(IdentityRef(kind="crm", value=person.crm_id, network="crm"), person)
                remember(IdentityRef(kind="email", value=person.email), person)
                remember(IdentityRef(kind="phone", value=person.phone), person)
                if person.twitter:
                    remember(IdentityRef(kind="handle", value=person.twitter, network="twitter"),
                             person)
    written = rejected = 0
    with (out / "interactions.jsonl").open("w", encoding="utf-8") as records, \
            (out / "truth" / "interactions.csv").open("w", newline="", encoding="utf-8") as t:
        truth = csv.writer(t)
        truth.writerow(["interaction_id", "customer", "case"])
        forum = _forum(people, forum_threads, random.Random(seed + 1_000_003))  # noqa: S311
        for record, person, case in chain(_interactions(people, interactions, rng), forum):
            if record.get("author"):
                ref = IdentityRef.model_validate(record["author"])
                remember(ref, person)
                for other in record.get("also_known_as", []):
                    remember(IdentityRef.model_validate(other), person)
            records.write(json.dumps(record, ensure_ascii=False) + "\n")
            truth.writerow([f"{record.get('source')}:{record.get('source_id')}",
                            person.customer if record.get("direction") != "outbound" else "",
                            case])
            written += 1
            rejected += record.get("occurred_at") in (None, "yesterday")
    with (out / "truth" / "identities.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identity_id", "customer"])
        writer.writerows(sorted(truth_identities.items()))
    return {"customers": customers, "crm rows": sum(p.in_crm for p in people),
            "interactions": written, "malformed on purpose": rejected}


def _interactions(people: list[Person], count: int, rng: random.Random
                  ) -> Iterator[tuple[dict[str, Any], Person, str]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made = case_number = 0
    while made < count:
        person = rng.choice(people)
        case_number += 1
        case = f"case-{case_number:07d}"
        order = f"{rng.choice('ABCDEFGH')}{rng.randint(100000, 999999)}"
        issue = rng.choice([*ISSUES, "praise"])
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 360))
        channels = rng.sample(("twitter", "email", "chat", "phone", "survey", "review"),
                              k=rng.randint(1, 3))
        for step, channel in enumerate(channels):
            if made >= count:
                return
            text = (rng.choice(PRAISE) if issue == "praise"
                    else rng.choice(ISSUES[issue]).format(order=order))
            at = when + timedelta(hours=step * rng.randint(2, 40))
            record = _record(person, channel, _typo(text, rng), at, made, rng)
            made += 1
            yield record, person, case
            if channel == "twitter" and made < count:
                reply = {"source": "synthetic", "source_id": f"r{made}", "kind": "Reply",
                         "channel": "twitter", "direction": "outbound",
                         "occurred_at": (at + timedelta(minutes=20)).isoformat(),
                         "text": rng.choice(REPLIES), "touchpoint": "twitter:AcmeHelp",
                         "reply_to": record["source_id"]}
                made += 1
                yield reply, person, case


def _forum(people: list[Person], threads: int, rng: random.Random
           ) -> Iterator[tuple[dict[str, Any], Person, str]]:
    """Forum threads: a question, answers from other customers (often before the brand's),
    and the brand's standard answer to most of them. Authors are forum handles."""
    start = datetime(2024, 11, 1, tzinfo=UTC)
    for number in range(threads):
        asker = rng.choice(people)
        topic = rng.choice(sorted(FORUM_QUESTIONS))
        ways, peer_answer, brand_answer = FORUM_QUESTIONS[topic]
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 56))
        case = f"forum-{number:05d}"
        question_id = f"f{number}"
        yield _forum_post(question_id, asker, rng.choice(ways), at, None), asker, case
        for peer_number in range(rng.choice((0, 1, 1, 2))):
            peer = rng.choice([p for p in people if p is not asker])
            yield _forum_post(f"f{number}-c{peer_number}", peer, peer_answer,
                              at + timedelta(minutes=rng.randint(5, 50)), question_id), peer, case
        if rng.random() < 0.8:
            yield {"source": "forum", "source_id": f"f{number}-b", "kind": "Reply",
                   "channel": "forum", "direction": "outbound",
                   "occurred_at": (at + timedelta(minutes=rng.randint(60, 600))).isoformat(),
                   "text": brand_answer, "touchpoint": "forum:AcmeCommunity",
                   "reply_to": question_id}, asker, case


def _forum_post(source_id: str, person: Person, text: str, at: datetime,
                reply_to: str | None) -> dict[str, Any]:
    handle = "".join(part.lower() for part in person.name.split()) + person.customer[-3:]
    record: dict[str, Any] = {
        "source": "forum", "source_id": source_id, "kind": "Reply" if reply_to else "Post",
        "channel": "forum", "direction": "inbound", "occurred_at": at.isoformat(), "text": text,
        "author": {"kind": "handle", "network": "forum", "value": handle,
                   "display_name": person.name}}
    if reply_to:
        record["reply_to"] = reply_to
    return record


def _record(person: Person, channel: str, text: str, at: datetime, number: int,
            rng: random.Random) -> dict[str, Any]:
    record: dict[str, Any] = {"source": "synthetic", "source_id": f"m{number}",
                              "occurred_at": at.isoformat(), "text": text, "direction": "inbound"}
    if channel == "twitter" and person.twitter:
        record.update(kind="Post", channel="twitter",
                      author={"kind": "handle", "network": "twitter", "value": person.twitter,
                              "display_name": person.name})
    elif channel in ("email", "twitter"):
        record.update(kind="EmailMessage", channel="email",
                      author={"kind": "email", "value": person.email, "display_name": person.name})
    elif channel in ("chat", "phone"):
        record.update(kind="ChatSession" if channel == "chat" else "Call", channel=channel,
                      author={"kind": "phone", "value": person.phone})
    elif channel == "survey":
        record.update(kind="SurveyResponse", channel="survey", rating=rng.randint(0, 10),
                      author={"kind": "email", "value": person.email},
                      also_known_as=[{"kind": "crm", "network": "crm", "value": person.crm_id}])
    else:
        name = person.name if rng.random() < 0.7 else person.name.replace("a", "e", 1)
        record.update(kind="Review", channel="review", rating=rng.randint(1, 5),
                      author={"kind": "handle", "network": "shop", "value": f"shopper{number}x",
                              "display_name": name, "postcode": person.postcode})
    roll = rng.random()
    if roll < 0.005:
        record["occurred_at"] = "yesterday"  # malformed on purpose: must be rejected
    elif roll < 0.01:
        del record["occurred_at"]
    return record
