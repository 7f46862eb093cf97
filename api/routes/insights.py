"""Concept correlations, pain points and channel insights across the whole customer base."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, Final, LiteralString

from fastapi import APIRouter, HTTPException, Query

from kg.consent.policy import ANALYTICS_INCLUDED, ANALYTICS_INCLUDED_INTERACTION
from kg.derivation.clock import NEWEST_INTERACTION_TIMES, NOW_RANK, graph_now, shifted
from kg.knowledge.models import EmergingTopics, RecurringQuestions
from kg.services.knowledge import emerging, recurring
from kg_api.deps import DriverDep, GraphDep, SettingsDep, utc_bound
from kg_api.security import Reader

CONCEPT_EXISTS: Final[LiteralString] = "MATCH (k:Concept {conceptId: $id}) RETURN k.conceptId AS id"

# Interactions in scope: optional channel, time range and customer segment filters; every
# aggregate below leaves out the interactions of customers the consent policy excludes from
# analytics (kg/consent/policy.py).
#
# Concept correlations are counted over the corpus the stored corpus counts describe (every
# interaction a customer wrote, customers left out of analytics excluded): with no filter the
# route reads those counts (CONCEPT_CORPUS_CORRELATIONS); with a filter this counts it live.
CONCEPT_CORRELATIONS: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
WHERE """ + ANALYTICS_INCLUDED + """
  AND ($channel IS NULL OR EXISTS { (i)-[:VIA_CHANNEL]->(:Channel {channelId: $channel}) })
  AND ($since IS NULL OR i.occurredAt >= $since) AND ($until IS NULL OR i.occurredAt < $until)
  AND ($segment IS NULL OR EXISTS { (c)-[:IN_SEGMENT]->(:Segment {segmentId: $segment}) })
WITH collect(i) AS scope
WITH scope, size(scope) AS total,
     [i IN scope WHERE EXISTS { (i)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $conceptId}) }]
       AS focus
UNWIND (CASE WHEN size(focus) = 0 THEN [null] ELSE focus END) AS i
OPTIONAL MATCH (i)-[:ABOUT_CONCEPT]->(other:Concept) WHERE other.conceptId <> $conceptId
WITH scope, total, focus, other, count(i) AS together
WITH scope, total, focus,
     collect(CASE WHEN other IS NULL THEN null ELSE {conceptId: other.conceptId,
       together: together,
       withOther: size([s IN scope WHERE EXISTS { (s)-[:ABOUT_CONCEPT]->(other) }])} END)
       AS pairs
RETURN total, size(focus) AS volume, pairs,
       [i IN focus | i.interactionId][..10] AS sample
"""

# The same answer from the stored corpus counts the refresh path keeps (as the 360° view's lift):
# the interactions, the concept's count, and each pair with it beside the other concept's count.
CONCEPT_CORPUS_CORRELATIONS: Final[LiteralString] = """
OPTIONAL MATCH (t:CorpusCount {countId: 'interactions'})
OPTIONAL MATCH (v:CorpusCount {countId: 'concept:' + $conceptId})
CALL () {
  MATCH (p:CorpusCount)
  WHERE p.countId STARTS WITH 'pair:' + $conceptId + '|'
     OR (p.countId STARTS WITH 'pair:' AND p.countId ENDS WITH '|' + $conceptId)
  WITH p, [x IN split(substring(p.countId, 5), '|') WHERE x <> $conceptId][0] AS other
  MATCH (o:CorpusCount {countId: 'concept:' + other})
  RETURN collect({conceptId: other, together: p.countValue, withOther: o.countValue}) AS pairs
}
CALL () {
  MATCH (:Concept {conceptId: $conceptId})<-[:ABOUT_CONCEPT]-(i:Interaction)
        -[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
  WHERE """ + ANALYTICS_INCLUDED + """
  WITH i LIMIT 10
  RETURN collect(i.interactionId) AS sample
}
RETURN coalesce(t.countValue, 0) AS total, coalesce(v.countValue, 0) AS volume, pairs, sample
"""

CONCEPT_SENTIMENT_BY_CHANNEL: Final[LiteralString] = """
MATCH (i:Interaction)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $conceptId}),
      (i)-[:VIA_CHANNEL]->(ch:Channel),
      (i)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(:Concept {conceptId: $conceptId})
WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """
  AND ($channel IS NULL OR ch.channelId = $channel)
  AND ($since IS NULL OR i.occurredAt >= $since) AND ($until IS NULL OR i.occurredAt < $until)
RETURN ch.channelId AS channel, count(DISTINCT i) AS volume, avg(o.polarityScore) AS sentiment,
       i.occurredAt.year + '-' + right('0' + toString(i.occurredAt.month), 2) AS month
ORDER BY month, channel
"""

CONCEPT_TOP_ENTITIES: Final[LiteralString] = """
MATCH (i:Interaction)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $conceptId}),
      (i)-[:MENTIONS_ENTITY]->(e:Entity)
WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """
RETURN e.entityId AS entityId, e.entityName AS name, count(i) AS volume
ORDER BY volume DESC, entityId LIMIT 10
"""

PAIN_POINTS: Final[LiteralString] = """
MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(k:Concept)
WHERE o.polarity = 'negative' AND """ + ANALYTICS_INCLUDED_INTERACTION + """
  AND ($since IS NULL OR i.occurredAt >= $since) AND ($until IS NULL OR i.occurredAt < $until)
WITH k, count(DISTINCT i) AS negative, avg(-o.polarityScore) AS intensity,
     count(DISTINCT CASE WHEN i.occurredAt >= $recentSince THEN i END) AS recent,
     collect(DISTINCT i.interactionId)[..10] AS sample
RETURN k.conceptId AS conceptId, k.prefLabel AS label, negative, intensity,
       negative * intensity AS score, recent, sample
ORDER BY score DESC, conceptId LIMIT $limit
"""

CHANNEL_INSIGHTS: Final[LiteralString] = """
MATCH (i:Interaction)-[:VIA_CHANNEL]->(ch:Channel)
WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """
OPTIONAL MATCH (answer:Interaction {direction: 'outbound'})-[:REPLY_TO]->(i)
WHERE i.direction = 'inbound'
WITH ch, i, min(answer.occurredAt) AS answeredAt
RETURN ch.channelId AS channel, count(i) AS volume,
       count(CASE WHEN i.direction = 'inbound' THEN 1 END) AS inbound,
       avg(i.sentimentScore) AS sentiment,
       count(answeredAt) AS answered,
       avg(CASE WHEN answeredAt IS NULL THEN null
           ELSE duration.inSeconds(i.occurredAt, answeredAt).seconds END) AS meanResponseSeconds
ORDER BY volume DESC, channel
"""


router = APIRouter(tags=["insights"])
RECENT = timedelta(days=30)


def _npmi(together: int, with_a: int, with_b: int, total: int) -> float | None:
    """Normalised pointwise mutual information in [-1, 1]."""
    if not together or not total:
        return None
    p_ab, p_a, p_b = together / total, with_a / total, with_b / total
    if p_ab >= 1.0:
        return 1.0
    return math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)


@router.get("/concepts/{concept_id}/correlations",
            summary="Co-occurring concepts (count, lift, NPMI), sentiment by channel and month, "
                    "top entities, sample interactions")
def correlations(concept_id: str, graph: GraphDep, _: Reader,
                 channel: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, segment: str | None = None) -> dict[str, Any]:
    if not graph.rows(CONCEPT_EXISTS, id=concept_id):
        raise HTTPException(404, f"no concept {concept_id!r}")
    filters = {"channel": channel, "since": utc_bound(since), "until": utc_bound(until)}
    if channel is None and since is None and until is None and segment is None:
        # the whole corpus: the counts the refresh path keeps, not a pass over every interaction
        [row] = graph.rows(CONCEPT_CORPUS_CORRELATIONS, conceptId=concept_id)
    else:
        [row] = graph.rows(CONCEPT_CORRELATIONS, conceptId=concept_id,
                           segment=segment, **filters)
    total, volume = row["total"], row["volume"]
    co = sorted(({
        "conceptId": p["conceptId"], "count": p["together"],
        "lift": (p["together"] * total) / (volume * p["withOther"]) if volume else None,
        "npmi": _npmi(p["together"], volume, p["withOther"], total)}
        for p in row["pairs"] if p), key=lambda c: (-c["count"], c["conceptId"]))
    return {
        "conceptId": concept_id, "interactionsInScope": total, "volume": volume,
        "coOccurring": co[:20],
        "sentimentByChannelAndMonth": graph.rows(CONCEPT_SENTIMENT_BY_CHANNEL,
                                                 conceptId=concept_id, **filters),
        "topEntities": graph.rows(CONCEPT_TOP_ENTITIES, conceptId=concept_id),
        "sampleInteractionIds": row["sample"],
    }


@router.get("/insights/pain-points",
            summary="Concepts ranked by negative volume x intensity, with their recent share")
def pain_points(graph: GraphDep, _: Reader, since: datetime | None = None,
                until: datetime | None = None,
                limit: int = Query(10, ge=1, le=100)) -> list[dict[str, Any]]:
    times = graph.rows(NEWEST_INTERACTION_TIMES, rank=NOW_RANK)[0]["times"]
    newest = graph_now(times) or datetime.now(UTC)  # "now" that one record cannot move
    rows = graph.rows(PAIN_POINTS, since=utc_bound(since), until=utc_bound(until),
                      recentSince=shifted(newest, -RECENT), limit=limit)
    return [{**r, "trend": r["recent"] / r["negative"] if r["negative"] else 0.0} for r in rows]


@router.get("/insights/channels",
            summary="Per channel: volume, inbound share, sentiment and response times")
def channels(graph: GraphDep, _: Reader) -> list[dict[str, Any]]:
    return graph.rows(CHANNEL_INSIGHTS)


@router.get("/insights/recurring-questions", response_model=RecurringQuestions,
            summary="Questions and complaints that keep coming back, grouped by meaning")
def recurring_questions(driver: DriverDep, settings: SettingsDep, _: Reader,
                        since: datetime | None = None, until: datetime | None = None,
                        min_messages: int = Query(2, ge=1, le=1_000_000),
                        offset: int = Query(0, ge=0, le=100_000),
                        limit: int = Query(20, ge=1, le=100)) -> RecurringQuestions:
    """The question groups with most messages in the window (default: the 28 days up to the
    graph's now), each with its trend, examples, concepts, the brand's most common answer and
    time to answer, community answers and advocates, and the contacts a published answer
    would have deflected. Customers left out of analytics count nowhere."""
    _ordered(since, until)
    return recurring(driver, settings, since=utc_bound(since), until=utc_bound(until),
                     min_messages=min_messages, offset=offset, limit=limit)


@router.get("/insights/emerging-topics", response_model=EmergingTopics,
            summary="Growing groups of messages no concept covers, with a SKOS suggestion")
def emerging_topics(driver: DriverDep, settings: SettingsDep, _: Reader,
                    since: datetime | None = None, until: datetime | None = None,
                    min_messages: int = Query(3, ge=1, le=1_000_000),
                    limit: int = Query(20, ge=1, le=100)) -> EmergingTopics:
    """Question groups with more messages in the window (default: the 7 days up to the
    graph's now) than in the week before, that no concept covers; each with its distinctive
    terms, examples and a SKOS concept to review (``kg ontology suggest`` writes them)."""
    _ordered(since, until)
    return emerging(driver, settings, since=utc_bound(since), until=utc_bound(until),
                    min_messages=min_messages, limit=limit)


def _ordered(since: datetime | None, until: datetime | None) -> None:
    start, end = utc_bound(since), utc_bound(until)
    if start is not None and end is not None and start >= end:
        raise HTTPException(422, "since must be before until")
