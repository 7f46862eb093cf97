"""Cases, journeys and engagement segments: the pure rules, applied by :mod:`kg.derivation`.

Cases: interactions are one case when one replies to the other, when they share an order,
booking, ticket or account number within ``case_window_days``, or when the same customer
raises the same concept again within ``case_window_days``. A case is ``closed`` when its
latest interaction is the company's (outbound), else ``open``. Its id comes from its smallest
interaction id, so re-deriving changes nothing.

Journeys: each customer's interactions in time order, positions from 1.

Segments (engagement profile): ``creators`` start public conversations (posts, reviews);
``critics`` only react in public (replies); ``spectators`` speak only on private channels or
are known only from internal systems; ``inactives`` have not spoken for ``inactive_days``
before the newest interaction in the graph (a change that moves the newest interaction
re-segments only the customers whose last inbound message crosses that line). ``joiners`` need
follow or membership data, which no adapter reads yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kg.derivation.clock import shifted
from kg.unionfind import UnionFind

REFERENCE_KINDS = ("ORDER:", "BOOKING:", "TICKET:", "ACCOUNT:")
PUBLIC_CHANNELS = {"twitter", "facebook", "instagram", "social", "forum", "review"}


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


def row_of(record: dict[str, Any]) -> Row:
    """A :class:`Row` from a neighbourhood record of :mod:`kg.derivation.cases`."""
    at = record["at"]
    return Row(
        interaction=record["interactionId"],
        at=at.to_native() if hasattr(at, "to_native") else at,
        outbound=record["direction"] == "outbound",
        customer=record["customerId"], parent=record["parentId"],
        refs=tuple(sorted(record["refs"])), concepts=tuple(sorted(record["concepts"])),
        channel=record["channelId"], kind_labels=tuple(record["labels"]),
    )


@dataclass(frozen=True)
class Activity:
    """One timed interaction of a customer, as journeys and segments see it."""

    interaction: str
    at: datetime
    outbound: bool
    channel: str | None
    replies: bool


INACTIVE_SEGMENT = "inactives"


def segment_of(activity: list[Activity], newest: datetime | None, inactive_days: int) -> str:
    """The engagement segment of one customer from their timed interactions."""
    inbound = [a for a in activity if not a.outbound]
    public = [a for a in inbound if a.channel in PUBLIC_CHANNELS]
    if newest is not None and inbound and max(a.at for a in inbound) < shifted(
        newest, -timedelta(days=inactive_days)
    ):
        return INACTIVE_SEGMENT
    if any(not a.replies for a in public):
        return "creators"
    if public:
        return "critics"
    return "spectators"
