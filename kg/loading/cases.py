"""Cases, journeys and engagement segments, derived from the whole graph after each load.

Cases: interactions are one case when one replies to the other, when they share an order,
booking, ticket or account number within ``case_window_days``, or when the same customer
raises the same concept again within ``case_window_days``. A case is ``closed`` when its
latest interaction is the company's (outbound), else ``open``. Its id comes from its smallest
interaction id, so re-deriving changes nothing.

Journeys: each customer's interactions in time order, positions from 1.

Segments (engagement profile): ``creators`` start public conversations (posts, reviews);
``critics`` only react in public (replies); ``spectators`` speak only on private channels or
are known only from internal systems; ``inactives`` have not spoken for ``inactive_days``
before the newest interaction in the graph. (``joiners`` need follow/membership data, which no
adapter reads yet.)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, LiteralString

import neo4j

from kg.graph import queries
from kg.graph.driver import graph_errors, run_query
from kg.loading.unionfind import UnionFind
from kg.settings import Settings

REFERENCE_KINDS = ("ORDER:", "BOOKING:", "TICKET:", "ACCOUNT:")
PUBLIC_CHANNELS = {"twitter", "facebook", "instagram", "social", "forum", "review"}
WRITE_BATCH = 10_000


@dataclass(frozen=True)
class Row:
    interaction: str
    at: datetime | None
    outbound: bool
    customer: str | None
    parent: str | None
    refs: tuple[str, ...]
    concepts: tuple[str, ...]
    channel: str | None
    kind_labels: tuple[str, ...]


def case_id_for(smallest_interaction: str) -> str:
    return "case-" + hashlib.sha1(smallest_interaction.encode()).hexdigest()[:16]  # noqa: S324


def group_cases(rows: list[Row], window: timedelta) -> dict[str, list[str]]:
    """Case id → its interaction ids."""
    sets = UnionFind()
    for row in rows:
        sets.add(row.interaction)
        if row.parent:
            sets.union(row.interaction, row.parent)
    timed = sorted((r for r in rows if r.at is not None), key=lambda r: (r.at, r.interaction))
    last_seen: dict[tuple[str, ...], tuple[datetime, str]] = {}
    for row in timed:
        assert row.at is not None
        keys: list[tuple[str, ...]] = [("ref", ref) for ref in row.refs
                                       if ref.startswith(REFERENCE_KINDS)]
        if row.customer and not row.outbound:
            keys += [("concept", row.customer, concept) for concept in row.concepts]
        for key in keys:
            previous = last_seen.get(key)
            if previous is not None and row.at - previous[0] <= window:
                sets.union(row.interaction, previous[1])
            last_seen[key] = (row.at, row.interaction)
    return {case_id_for(root): members for root, members in sets.groups().items()}


def derive(driver: neo4j.Driver, settings: Settings, *, window_days: int = 7,
           inactive_days: int = 180) -> dict[str, int]:
    rows = [_row(r) for r in run_query(driver, settings, queries.READ_INTERACTIONS_FOR_CASES)]
    by_id = {row.interaction: row for row in rows}
    cases = group_cases(rows, timedelta(days=window_days))
    case_rows, assignments = [], []
    for case_id, members in sorted(cases.items()):
        timed = sorted((by_id[m] for m in members if by_id[m].at is not None),
                       key=lambda r: (r.at, r.interaction))
        closed = bool(timed) and timed[-1].outbound
        case_rows.append({
            "caseId": case_id, "caseStatus": "closed" if closed else "open",
            "openedAt": timed[0].at if timed else None,
            "closedAt": timed[-1].at if closed else None,
            "customers": sorted({c for m in members if (c := by_id[m].customer) is not None}),
        })
        assignments += [{"interactionId": m, "caseId": case_id} for m in members]
    journeys: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.customer and row.at is not None:
            journeys[row.customer].append(row)
    journey_rows = [{"customerId": customer, "journeyId": f"journey-{customer}",
                     "steps": [r.interaction for r in sorted(items,
                                                             key=lambda r: (r.at, r.interaction))]}
                    for customer, items in sorted(journeys.items())]
    segment_rows = _segments(driver, settings, journeys, inactive_days)
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        for statement, items in ((queries.ASSIGN_CASES, assignments),
                                 (queries.DESCRIBE_CASES, case_rows),
                                 (queries.WRITE_JOURNEYS, journey_rows),
                                 (queries.ASSIGN_SEGMENTS, segment_rows)):
            for start in range(0, len(items), WRITE_BATCH):
                session.execute_write(_run_rows, statement, items[start:start + WRITE_BATCH])
        for statement in (queries.DELETE_EMPTY_CASES, queries.DELETE_ORPHAN_JOURNEYS):
            session.execute_write(_run_rows, statement, None)
    return {"cases": len(case_rows), "journeys": len(journey_rows),
            "segmented customers": len(segment_rows)}


def _run_rows(tx: neo4j.ManagedTransaction, statement: LiteralString,
              rows: list[dict[str, Any]] | None) -> None:
    if rows is None:
        tx.run(statement).consume()
    else:
        tx.run(statement, rows=rows).consume()


def _row(record: dict[str, Any]) -> Row:
    at = record["at"]
    return Row(
        interaction=record["interactionId"],
        at=at.to_native() if hasattr(at, "to_native") else at,
        outbound=record["direction"] == "outbound",
        customer=record["customerId"], parent=record["parentId"],
        refs=tuple(sorted(record["refs"])), concepts=tuple(sorted(record["concepts"])),
        channel=record["channelId"], kind_labels=tuple(record["labels"]),
    )


def _segments(driver: neo4j.Driver, settings: Settings, journeys: dict[str, list[Row]],
              inactive_days: int) -> list[dict[str, str]]:
    customers = [r["customerId"] for r in run_query(driver, settings, queries.READ_CUSTOMER_IDS)]
    newest = max((row.at for rows in journeys.values() for row in rows if row.at), default=None)
    segments = []
    for customer in sorted(customers):
        inbound = [r for r in journeys.get(customer, []) if not r.outbound]
        public = [r for r in inbound if r.channel in PUBLIC_CHANNELS]
        if newest is not None and inbound and max(r.at for r in inbound if r.at) < (
            newest - timedelta(days=inactive_days)
        ):
            segment = "inactives"
        elif any(not r.parent for r in public):
            segment = "creators"
        elif public:
            segment = "critics"
        else:
            segment = "spectators"
        segments.append({"customerId": customer, "segmentId": segment})
    return segments
