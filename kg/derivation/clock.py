"""The graph's "now": the time derived facts are measured from, which one record cannot move.

Inactivity (no inbound message for 180 days before now) and a pain point's recent share (the
90 days before now) are measured from a corpus-wide "now". Taking the newest interaction's time
let a single record decide it for everyone: one message dated a day ahead of a historic load
moved "now" by two years and made most customers inactive. Two bounds keep it where the
activity is:

* the **rank**: "now" is the :data:`NOW_RANK`-th newest interaction's time, so records dated
  ahead of the rest move it only once there are that many of them (a live stream does so within
  seconds; a stray record never does). With fewer interactions than the rank, it is the oldest.
* the **server's clock**: "now" is never later than the clock, so records dated a little in the
  future (the accepted skew, :mod:`kg.ingestion.time_window`) cannot carry it past the present.

For backfilled history the rank is what holds (the clock is far ahead); for live data both do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, LiteralString

# The newest interaction times, newest first, up to $rank: what graph_now reads.
NEWEST_INTERACTION_TIMES: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.occurredAt IS NOT NULL
WITH i.occurredAt AS at ORDER BY at DESC LIMIT $rank
RETURN collect(at) AS times
"""


NOW_RANK = 10


def graph_now(newest_first: Sequence[Any], clock: datetime | None = None) -> datetime | None:
    """"Now" from up to :data:`NOW_RANK` interaction times, newest first (the rows of
    :data:`NEWEST_INTERACTION_TIMES`), never past ``clock`` (default: the
    server's clock); None for a graph without timed interactions."""
    if not newest_first:
        return None
    last = newest_first[min(len(newest_first), NOW_RANK) - 1]
    ranked = last.to_native() if hasattr(last, "to_native") else last
    assert isinstance(ranked, datetime)
    return min(ranked, clock or datetime.now(UTC))


def shifted(at: datetime, by: timedelta) -> datetime:
    """``at + by``, held inside the calendar: a graph may hold a time near year 1 or 9999 from
    before the accepted window existed (or with a floor configured that far back), and the
    case window's or the inactivity line's arithmetic must not stop the derivation for it."""
    try:
        return at + by
    except OverflowError:
        return (datetime.min if by < timedelta(0) else datetime.max).replace(tzinfo=at.tzinfo)
