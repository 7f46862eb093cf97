"""Concept correlations, pain points and channel insights across the whole customer base."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query

from kg.derivation.clock import NOW_RANK, graph_now, shifted
from kg.graph import queries
from kg_api.deps import GraphDep
from kg_api.security import Reader

router = APIRouter(tags=["insights"])
RECENT = timedelta(days=30)


def _utc(moment: datetime | None) -> datetime | None:
    """Query bounds in UTC (a bound without a zone is taken as UTC): Neo4j compares zoned
    times only with zoned times, and the driver refuses offsets with seconds."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise HTTPException(400, f"{moment.isoformat()} is outside the calendar once taken to "
                                 "UTC") from error


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
    if not graph.rows("MATCH (k:Concept {conceptId: $id}) RETURN k.conceptId AS id",
                      id=concept_id):
        raise HTTPException(404, f"no concept {concept_id!r}")
    filters = {"channel": channel, "since": _utc(since), "until": _utc(until)}
    if channel is None and since is None and until is None and segment is None:
        # the whole corpus: the counts the refresh path keeps, not a pass over every interaction
        [row] = graph.rows(queries.CONCEPT_CORPUS_CORRELATIONS, conceptId=concept_id)
    else:
        [row] = graph.rows(queries.CONCEPT_CORRELATIONS, conceptId=concept_id,
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
        "sentimentByChannelAndMonth": graph.rows(queries.CONCEPT_SENTIMENT_BY_CHANNEL,
                                                 conceptId=concept_id, **filters),
        "topEntities": graph.rows(queries.CONCEPT_TOP_ENTITIES, conceptId=concept_id),
        "sampleInteractionIds": row["sample"],
    }


@router.get("/insights/pain-points",
            summary="Concepts ranked by negative volume x intensity, with their recent share")
def pain_points(graph: GraphDep, _: Reader, since: datetime | None = None,
                until: datetime | None = None,
                limit: int = Query(10, ge=1, le=100)) -> list[dict[str, Any]]:
    times = graph.rows(queries.NEWEST_INTERACTION_TIMES, rank=NOW_RANK)[0]["times"]
    newest = graph_now(times) or datetime.now(UTC)  # "now" that one record cannot move
    rows = graph.rows(queries.PAIN_POINTS, since=_utc(since), until=_utc(until),
                      recentSince=shifted(newest, -RECENT), limit=limit)
    return [{**r, "trend": r["recent"] / r["negative"] if r["negative"] else 0.0} for r in rows]


@router.get("/insights/channels",
            summary="Per channel: volume, inbound share, sentiment and response times")
def channels(graph: GraphDep, _: Reader) -> list[dict[str, Any]]:
    return graph.rows(queries.CHANNEL_INSIGHTS)
