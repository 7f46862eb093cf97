"""Recurring questions: the question groups with most messages in a time window, with what an
analyst needs to act on each.

For each group: its messages in the window and in the window of the same length before (the
trend), the messages closest to its meaning, the concepts they touch, how many the brand
answered and how fast, the brand's most common answer (the reply most like the others, with how
many replies say much the same), and, where customers reply to each other (forums,
communities, public threads), how many messages another customer answered before the brand
did and who those customers are (advocates). A group whose answer the brand gave
:data:`PUBLISHED_ANSWER_AFTER` times or more is a candidate for a published answer; every
answered message after the first is a contact that answer would have deflected.

Everything is read live from the members the group has now, so an erased customer's messages
are gone from every figure as soon as the erasure commits. At most :data:`MEMBERS_READ` of a
group's newest messages in the window are read for the examples and answers; counts are exact.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime
from typing import Any, Final, LiteralString

import neo4j
import numpy as np

from kg.consent.policy import ANALYTICS_INCLUDED_INTERACTION
from kg.derivation.clock import shifted
from kg.graph.driver import native, run_query
from kg.knowledge.models import (
    Advocate,
    CommonAnswer,
    ConceptCount,
    Example,
    RecurringQuestion,
    RecurringQuestions,
)
from kg.settings import Settings

PUBLISHED_ANSWER_AFTER: Final = 3
SAME_ANSWER: Final = 0.8  # cosine between two replies that say much the same
MEMBERS_READ: Final = 300
EXAMPLES: Final = 3
TOP_CONCEPTS: Final = 3
TOP_ADVOCATES: Final = 5

# Members of customers left out of analytics (their consent) count nowhere.
IN_WINDOW: Final[LiteralString] = """
  i.occurredAt >= $since AND i.occurredAt < $until AND """ + ANALYTICS_INCLUDED_INTERACTION

GROUPS_IN_WINDOW: Final[LiteralString] = """
MATCH (g:QuestionGroup)<-[:IN_QUESTION_GROUP]-(i:Interaction)
WHERE """ + IN_WINDOW + """
WITH g, count(i) AS messages, count(DISTINCT [(i)-[:AUTHORED_BY]->(:Identity)
     <-[:HAS_IDENTITY]-(c:Customer) | c.customerId][0]) AS customers
WHERE messages >= $minMessages
WITH g, messages, customers ORDER BY messages DESC, g.groupId SKIP $skip LIMIT $limit
CALL (g) {
  OPTIONAL MATCH (g)<-[:IN_QUESTION_GROUP]-(i:Interaction)
  WHERE i.occurredAt >= $previousSince AND i.occurredAt < $since
    AND """ + ANALYTICS_INCLUDED_INTERACTION + """
  RETURN count(i) AS previousMessages
}
CALL (g) {
  MATCH (g)<-[:IN_QUESTION_GROUP]-(i:Interaction)
  WHERE """ + IN_WINDOW + """
  WITH i ORDER BY i.occurredAt DESC, i.interactionId LIMIT $membersRead
  RETURN collect({
    interactionId: i.interactionId, text: i.text, at: i.occurredAt, embedding: i.embedding,
    customerId: [(i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
                 | c.customerId][0],
    concepts: [(i)-[:ABOUT_CONCEPT]->(k:Concept) | {conceptId: k.conceptId,
                                                      prefLabel: k.prefLabel}],
    replies: [(r:Interaction)-[:REPLY_TO]->(i) | {
      interactionId: r.interactionId, text: r.text, at: r.occurredAt,
      direction: r.direction, embedding: r.embedding,
      customerId: [(r)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(o:Customer)
                   | o.customerId][0]}]
  }) AS members
}
RETURN g.groupId AS groupId, g.centroid AS centroid, g.memberCount AS allTime, messages,
       customers, previousMessages, members
"""


def recurring_questions(driver: neo4j.Driver, settings: Settings, *, since: datetime,
                        until: datetime, min_messages: int = 2, offset: int = 0,
                        limit: int = 20) -> RecurringQuestions:
    """The groups with most messages in ``[since, until)``, most first."""
    rows = run_query(driver, settings, GROUPS_IN_WINDOW, {
        "since": since, "until": until, "previousSince": shifted(since, since - until),
        "minMessages": min_messages, "skip": offset, "limit": limit,
        "membersRead": MEMBERS_READ})
    groups = [_group(row) for row in rows]
    return RecurringQuestions(since=since, until=until, groups=groups,
                              deflectable=sum(g.deflectable for g in groups))


def trend_of(messages: int, previous: int) -> str:
    if previous == 0:
        return "new" if messages else "steady"
    ratio = messages / previous
    return "rising" if ratio >= 1.25 else "falling" if ratio <= 0.8 else "steady"


def _group(row: dict[str, Any]) -> RecurringQuestion:
    members = row["members"]
    centroid = np.asarray(row["centroid"] or [], np.float64)
    examples = _closest(members, centroid)
    concepts = Counter((k["conceptId"], k["prefLabel"]) for m in members
                       for k in {(c["conceptId"], c["prefLabel"]): c
                                 for c in m["concepts"]}.values())
    answered, waits, brand_replies = 0, [], []
    community, advocates = 0, Counter[str]()
    for member in members:
        at = native(member["at"])
        brand = sorted((native(r["at"]), r) for r in member["replies"]
                       if r["direction"] == "outbound" and r["at"] is not None)
        first_brand = brand[0][0] if brand else None
        if brand:
            answered += 1
            brand_replies.append(brand[0][1])
            if at is not None and first_brand is not None:
                waits.append((first_brand - at).total_seconds())
        peers = [r for r in member["replies"] if r["direction"] == "inbound"
                 and r["customerId"] and r["customerId"] != member["customerId"]
                 and (first_brand is None or (r["at"] is not None
                                              and native(r["at"]) < first_brand))]
        if peers:
            community += 1
            advocates.update(r["customerId"] for r in peers)
    common = _common_answer(brand_replies)
    candidate = common is not None and common.givenTimes >= PUBLISHED_ANSWER_AFTER
    return RecurringQuestion(
        groupId=row["groupId"], messages=row["messages"],
        previousMessages=row["previousMessages"],
        trend=trend_of(row["messages"], row["previousMessages"]),
        allTime=row["allTime"] or row["messages"], customers=row["customers"],
        examples=examples,
        concepts=[ConceptCount(conceptId=c, prefLabel=label, messages=n)
                  for (c, label), n in sorted(concepts.items(),
                                              key=lambda item: (-item[1], item[0][0]))
                  [:TOP_CONCEPTS]],
        answered=answered, commonAnswer=common,
        medianSecondsToAnswer=statistics.median(waits) if waits else None,
        communityAnswered=community,
        advocates=[Advocate(customerId=c, answers=n) for c, n in sorted(
            advocates.items(), key=lambda item: (-item[1], item[0]))[:TOP_ADVOCATES]],
        publishedAnswerCandidate=candidate,
        deflectable=max(0, answered - 1) if candidate else 0)


def _closest(members: list[dict[str, Any]], centroid: np.ndarray) -> list[Example]:
    """The members nearest the group's meaning, one per distinct text."""
    scored = []
    for member in members:
        vector = np.asarray(member["embedding"] or [], np.float64)
        similarity = float(vector @ centroid) if len(vector) == len(centroid) > 0 else -1.0
        scored.append((-similarity, member["interactionId"], member))
    seen: set[str] = set()
    examples = []
    for _, _, member in sorted(scored, key=lambda item: item[:2]):
        text = (member["text"] or "").strip().lower()
        if text in seen:
            continue
        seen.add(text)
        examples.append(Example(interactionId=member["interactionId"], text=member["text"],
                                occurredAt=native(member["at"])))
        if len(examples) == EXAMPLES:
            break
    return examples


def _common_answer(replies: list[dict[str, Any]]) -> CommonAnswer | None:
    """The reply most like the others (the medoid of their embeddings), with how many of
    the replies are at least :data:`SAME_ANSWER` alike with it."""
    usable = [r for r in replies if r["embedding"]]
    if not usable:
        return None
    vectors = np.asarray([r["embedding"] for r in usable], np.float64)
    similarity = vectors @ vectors.T
    best = int(np.argmax(similarity.sum(axis=1)))
    return CommonAnswer(text=usable[best]["text"], interactionId=usable[best]["interactionId"],
                        givenTimes=int((similarity[best] >= SAME_ANSWER).sum()))


