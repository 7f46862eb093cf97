"""The consent policy: one place that decides what a customer's permissions allow.

Every consumer goes through this module. Python code asks :func:`decide` (the API's
``contactable``, the 360° view, the CLI, identity linking) and :func:`analytics_flags` (the
refresh path, which keeps ``analyticsExcluded`` / ``analyticsAllowedUntil`` on each customer).
Cypher asks :data:`ANALYTICS_INCLUDED` (over a ``c:Customer`` variable) or
:data:`ANALYTICS_INCLUDED_INTERACTION` (over an ``i:Interaction`` variable), the predicates every
aggregate (corpus statistics, pain points, concept correlations, insights, similar customers)
filters on.

The rules:

- The current permission for a purpose on a channel is the newest applicable event by
  ``givenAt`` (the time the customer decided), whatever order events were recorded in: an older
  event that arrives later never overrides a newer one. Ties go to the later recorded, then to
  the more restrictive status. An event without a channel applies to every channel; asked about
  no particular channel, every event of the purpose applies.
- With no applicable event, the policy default of the purpose holds (``KG_CONSENT_DEFAULTS``).
- ``denied`` and ``withdrawn`` refuse; ``granted`` allows until ``expiresAt``: an expired grant
  counts as not given (refused), whatever the default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, LiteralString

from kg.consent.models import ConsentEvent
from kg.settings import Settings

BUILTIN_DEFAULTS: Final[dict[str, Literal["granted", "denied"]]] = {
    "marketing": "denied", "service": "granted", "analytics": "granted",
    "identity_linking": "granted"}
RESTRICTIVENESS: Final[dict[str, int]] = {"granted": 0, "denied": 1, "withdrawn": 2}
EPOCH_KEY: Final = datetime.min.isoformat()


def analytics_included(customer: LiteralString) -> LiteralString:
    """The Cypher predicate "this customer may be counted in analytics", over a variable."""
    return ("(coalesce(" + customer + ".analyticsExcluded, false) = false AND ("
            + customer + ".analyticsAllowedUntil IS NULL OR "
            + customer + ".analyticsAllowedUntil > datetime()))")


# The one enforcement predicate over a ``c:Customer`` variable; the refresh path maintains the
# two properties it reads whenever consent events or a customer's identities change.
ANALYTICS_INCLUDED: Final[LiteralString] = analytics_included("c")

# The same over an ``i:Interaction`` variable: interactions with no customer (the company's
# answers, anonymous posts) stay; those of a customer left out of analytics go.
ANALYTICS_INCLUDED_INTERACTION: Final[LiteralString] = (
    "NOT EXISTS { MATCH (i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(excluded:Customer) "
    "WHERE NOT " + analytics_included("excluded") + " }")


@dataclass(frozen=True)
class Decision:
    """What the policy says about one purpose on one channel, and why."""

    purpose: str
    channel: str | None
    allowed: bool
    reason: str
    event: ConsentEvent | None = None

    @property
    def allowed_until(self) -> datetime | None:
        return self.event.expires_at if self.allowed and self.event is not None else None


def default_for(purpose: str, settings: Settings | None) -> Literal["granted", "denied"]:
    """The permission assumed for a purpose with no consent event (``KG_CONSENT_DEFAULTS``,
    then the built-in default; an unknown purpose is refused)."""
    if settings is not None:
        for name, value in settings.consent_defaults.items():
            if name == purpose:
                return value
    return BUILTIN_DEFAULTS.get(purpose, "denied")


def _order(event: ConsentEvent) -> tuple[datetime, str, int, str]:
    recorded = event.recorded_at.isoformat() if event.recorded_at else EPOCH_KEY
    return (event.given_at, recorded, RESTRICTIVENESS.get(event.status, 3), event.consent_id)


def newest(events: Iterable[ConsentEvent]) -> ConsentEvent | None:
    """The event that decides: latest effective time, then latest recorded, then the more
    restrictive status, then the id (so the answer never depends on reading order)."""
    return max(events, key=_order, default=None)


def applicable(events: Iterable[ConsentEvent], purpose: str, channel: str | None
               ) -> list[ConsentEvent]:
    return [e for e in events if e.purpose == purpose
            and (channel is None or e.channel is None or e.channel == channel)]


def current(events: Iterable[ConsentEvent]) -> list[ConsentEvent]:
    """The newest event of each (purpose, channel): the permissions as they stand."""
    by_key: dict[tuple[str, str], list[ConsentEvent]] = {}
    for event in events:
        by_key.setdefault((event.purpose, event.channel or ""), []).append(event)
    found = [newest(group) for _, group in sorted(by_key.items())]
    return [event for event in found if event is not None]


def decide(events: Iterable[ConsentEvent], purpose: str, channel: str | None, *,
           now: datetime, settings: Settings | None) -> Decision:
    """May the company use the customer's data for ``purpose`` on ``channel`` now?"""
    event = newest(applicable(events, purpose, channel))
    where = f" on {channel}" if channel else ""
    if event is None:
        default = default_for(purpose, settings)
        return Decision(purpose, channel, default == "granted",
                        f"no consent recorded for {purpose}{where}; the policy default is "
                        f"{default}")
    scope = f"on {event.channel}" if event.channel else "on every channel"
    told = (f"{event.status} {scope} at {event.given_at.isoformat()} "
            f"(source {event.source or 'unknown'}, recorded by {event.recorded_by or 'unknown'})")
    if event.status != "granted":
        return Decision(purpose, channel, False, told, event)
    if event.expires_at is not None and event.expires_at <= now:
        return Decision(purpose, channel, False,
                        f"{told}, expired at {event.expires_at.isoformat()}: counts as not given",
                        event)
    until = f", until {event.expires_at.isoformat()}" if event.expires_at else ""
    return Decision(purpose, channel, True, told + until, event)


@dataclass(frozen=True)
class AnalyticsFlags:
    """What the refresh path stores on a customer for :data:`ANALYTICS_INCLUDED`."""

    excluded: bool
    allowed_until: datetime | None


def analytics_flags(events: Iterable[ConsentEvent], *, now: datetime,
                    settings: Settings | None) -> AnalyticsFlags:
    decision = decide(events, "analytics", None, now=now, settings=settings)
    return AnalyticsFlags(excluded=not decision.allowed, allowed_until=decision.allowed_until)


def linking_permitted(events: Iterable[ConsentEvent], *, now: datetime,
                      settings: Settings | None) -> bool:
    """May two identities of different channels be joined, given the consent events of both?
    Only asked when ``KG_CONSENT_LINKING_REQUIRED`` is true."""
    return decide(events, "identity_linking", None, now=now, settings=settings).allowed


def channel_of_identity(identity_id: str) -> str:
    """The kind and network an identity id starts with (``email:…``, ``handle:twitter:…``):
    two identities of different ones are linked across channels."""
    return ":".join(identity_id.split(":", 2)[:2])
