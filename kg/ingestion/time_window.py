"""Which interaction times the graph accepts: a floor, and at most a small skew past the clock.

An interaction's time is not only its own fact: case windows, inactivity and trends are
computed from it, so a year-1 placeholder or a date in the next century would reach other
customers' derived facts (and a year 1 overflows the case window's arithmetic). The window is
checked where every record becomes graph rows (:func:`kg.ingestion.loader.build_batch`), so a
load sets the record aside with its reason and the API refuses it naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kg.settings import Settings


def refusal(occurred_at: datetime, settings: Settings, *, now: datetime | None = None
            ) -> str | None:
    """Why ``occurred_at`` is outside the accepted window, or None when it is inside."""
    at = occurred_at.astimezone(UTC)
    floor = settings.earliest_occurred_at.astimezone(UTC)
    if at < floor:
        return (f"{occurred_at.isoformat()} is before the earliest accepted time "
                f"{floor.isoformat()} (KG_EARLIEST_OCCURRED_AT)")
    skew = timedelta(seconds=settings.max_future_skew_seconds)
    latest = (now or datetime.now(UTC)) + skew
    if at > latest:
        return (f"{occurred_at.isoformat()} is in the future: more than "
                f"{settings.max_future_skew_seconds:g} s past the server's clock "
                "(KG_MAX_FUTURE_SKEW_SECONDS)")
    return None
