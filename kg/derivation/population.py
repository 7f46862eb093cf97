"""Whole-population identity resolution: when most identities are pending, resolve them at once.

The incremental path (:mod:`kg.derivation.identities`) pays per transaction group: a candidate
fetch through the blocking keys, a Splink run, a closure walk and small writes. After a first
load, ``kg derive --all`` or any load that brings a large share of all identities
(``KG_RESOLUTION_POPULATION_SHARE`` of them, at least ``KG_RESOLUTION_POPULATION_MIN_IDENTITIES``)
that work covers nearly the whole graph anyway, so the refresh does it once instead:

1. one streaming read of every person row, scored in one Splink run with the same model,
   blocking keys and thresholds as the incremental path (a pair's score depends only on its
   two records and the model, so both paths store the same links);
2. one read of every other link and every current assignment, then the same pure
   :func:`kg.derivation.linkage.resolve` over the whole graph (consent-linking filter first,
   as the incremental path does);
3. bulk writes (``UNWIND`` batches of :data:`WRITE_BATCH`) of only what differs: scored links,
   customer assignments, customer names, empty customers deleted; and change records naming
   every node rewritten, so the RDF mirror follows.

The pending records it covered are then derived customer by customer
(:mod:`kg.derivation.by_customer`: cases, journeys, segments, consent flags, summaries), taking
the customers this run moved from :class:`PopulationResolution`. These writes span several
transactions and the records stay pending until the last: after a crash the next refresh runs
again, finds the links and assignments already written (nothing differs) and derives every
customer the records concern now. A customer that only lost an identity to a crashed run is
the one case it cannot see again; ``kg derive --all`` rebuilds every read model from the facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, LiteralString

import neo4j

from kg.consent.derivation import links_permitted_by_consent
from kg.derivation.identities import (
    ASSIGN_CUSTOMERS,
    DELETE_THESE_EMPTY_CUSTOMERS,
    NAME_THESE_CUSTOMERS,
)
from kg.derivation.linkage import (
    DELETE_LINKS,
    MERGE_SCORED_LINKS,
    PROBABILISTIC_RULE,
    READ_PERSON_IDENTITIES,
    Link,
    person_rows_of,
    resolve,
    scored_link_rows,
)
from kg.feed.changes import Change, append_change, lock_feed
from kg.resolution.linker import link_population
from kg.resolution.probabilistic import load_model
from kg.settings import Settings

# Whole-population resolution (kg.derivation.population): a few whole-graph streaming reads
# instead of one neighbourhood query per transaction group.
PENDING_IDENTITY_COUNT: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true
RETURN sum(size(coalesce(r.pendingIdentities, []))) AS pending,
       max(r.sequenceNumber) AS upTo, min(r.sequenceNumber) AS first
"""

COUNT_IDENTITIES: Final[LiteralString] = """
MATCH (x:Identity) RETURN count(x) AS n
"""

READ_PENDING_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
RETURN r.pendingIdentities AS identities, r.pendingCustomers AS customers
"""

READ_ALL_ASSIGNMENTS: Final[LiteralString] = """
MATCH (x:Identity)
OPTIONAL MATCH (c:Customer)-[h:HAS_IDENTITY]->(x)
RETURN x.identityId AS identityId, c.customerId AS customerId, h.linkRule AS rule,
       h.linkScore AS score
"""

READ_LINKS_EXCEPT_RULE: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH]->(b:Identity)
WHERE l.linkRule IS NULL OR l.linkRule <> $rule
RETURN a.identityId AS a, b.identityId AS b, l.linkRule AS rule, l.linkScore AS score
"""

READ_SCORED_LINK_VALUES: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b, l.linkScore AS score,
       l.matchWeight AS matchWeight, l.matchWeights AS matchWeights
"""


WRITE_BATCH = 10_000
NODES_PER_CHANGE_RECORD = 20_000


@dataclass
class PopulationResolution:
    """What one whole-population run changed, for the refresh of the records it covered."""

    up_to: int  # pending records up to this sequence were resolved here
    identities: int = 0
    scored_pairs: int = 0
    old_customer: dict[str, str | None] = field(default_factory=dict)  # moved identities
    new_customer: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def customers_around(self, identities: Iterable[str]) -> set[str]:
        """Customers that moved identities of these left or joined."""
        found: set[str] = set()
        for identity in identities:
            if identity in self.new_customer:
                found.add(self.new_customer[identity])
                if (old := self.old_customer[identity]) is not None:
                    found.add(old)
        return found


def population_due(session: neo4j.Session, settings: Settings) -> int | None:
    """The last pending record's sequence when the pending records name enough identities for
    a whole-population run; None otherwise."""
    row = session.run(PENDING_IDENTITY_COUNT).single()
    if row is None or row["upTo"] is None:
        return None
    pending = int(row["pending"] or 0)
    if pending < settings.resolution_population_min_identities:
        return None
    count = session.run(COUNT_IDENTITIES).single()
    total = int(count["n"]) if count is not None else 0
    if pending < settings.resolution_population_share * total:
        return None
    return int(row["upTo"])


def _write(session: neo4j.Session, statement: LiteralString, rows: Sequence[Any],
           parameter: str = "rows") -> list[dict[str, Any]]:
    """Run ``statement`` over ``rows`` in batches, one transaction each; returns its rows."""
    def batch(tx: neo4j.ManagedTransaction, part: Sequence[Any]) -> list[dict[str, Any]]:
        return tx.run(statement, {parameter: part}).data()

    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), WRITE_BATCH):
        out.extend(session.execute_write(batch, rows[start:start + WRITE_BATCH]))
    return out


def _link_values(row: Mapping[str, Any] | neo4j.Record) -> tuple[Any, ...]:
    return row["score"], row["matchWeight"], row["matchWeights"]


def _store_scored_links(session: neo4j.Session, rows: list[dict[str, Any]]) -> set[str]:
    """Write the scored links that differ from the stored ones; returns the identities whose
    links changed."""
    current = {(r["a"], r["b"]): _link_values(r) for r in session.run(
        READ_SCORED_LINK_VALUES, rule=PROBABILISTIC_RULE)}
    wanted = {(row["from"], row["to"]): row for row in rows}
    stale = [{"from": a, "to": b, "rule": PROBABILISTIC_RULE}
             for a, b in sorted(current.keys() - wanted.keys())]
    create = [row for pair, row in wanted.items() if pair not in current]
    update = [row for pair, row in wanted.items()
              if pair in current and current[pair] != _link_values(row)]
    _write(session, DELETE_LINKS, stale)
    # MERGE, not CREATE, for new links too: these writes do not hold the feed lock from read
    # to write, so a refresh running at the same time must not leave a pair linked twice.
    _write(session, MERGE_SCORED_LINKS, [*update, *create])
    return {row[end] for row in (*stale, *create, *update) for end in ("from", "to")}


def _append_changes(session: neo4j.Session, nodes: list[str]) -> None:
    def append(tx: neo4j.ManagedTransaction, part: list[str]) -> None:
        lock_feed(tx)
        append_change(tx, Change(nodes=set(part)), pending=False)

    for start in range(0, len(nodes), NODES_PER_CHANGE_RECORD):
        session.execute_write(append, nodes[start:start + NODES_PER_CHANGE_RECORD])


def resolve_population(session: neo4j.Session, settings: Settings, key: bytes, *,
                       up_to: int) -> PopulationResolution:
    """Score, resolve and write the whole graph's identities (see the module docstring)."""
    outcome = PopulationResolution(up_to=up_to)
    pending_ids: set[str] = set()
    pending_customers: set[str] = set()
    for record in session.run(READ_PENDING_UP_TO, upTo=up_to):
        pending_ids.update(record["identities"] or [])
        pending_customers.update(record["customers"] or [])

    people = session.run(READ_PERSON_IDENTITIES)
    columns = people.keys()
    persons = person_rows_of(dict(zip(columns, record, strict=True)) for record in people)
    pairs = link_population(persons, load_model(settings.resolution_model),
                            min_probability=settings.resolution_suggest_probability)
    del persons
    outcome.scored_pairs = len(pairs)
    relinked = _store_scored_links(session, scored_link_rows(pairs))

    links = [Link(r["a"], r["b"], r["rule"], float(r["score"])) for r in session.run(
        READ_LINKS_EXCEPT_RULE, rule=PROBABILISTIC_RULE)]
    links += [Link(p.a, p.b, PROBABILISTIC_RULE, p.probability) for p in pairs]
    del pairs
    if settings.consent_linking_required:
        # Links that join identities across channels need the identity_linking permission;
        # vetoes (score 0) always count.
        positive = sorted({(link.a, link.b) for link in links if link.score > 0})
        permitted = session.execute_read(links_permitted_by_consent, positive, settings)
        links = [link for link in links if link.score <= 0 or (link.a, link.b) in permitted]

    before: dict[str, tuple[str | None, str | None, float | None]] = {}
    doubled: set[str] = set()
    for r in session.run(READ_ALL_ASSIGNMENTS):
        if r["identityId"] in before:
            doubled.add(r["identityId"])
        score = r["score"]
        before[r["identityId"]] = (r["customerId"], r["rule"],
                                   float(score) if score is not None else None)
    result = resolve(sorted(before), links, key=key,
                     link_probability=settings.resolution_link_probability)
    del links
    outcome.identities = len(result.customer_of)

    assign: list[dict[str, Any]] = []
    touched_customers: set[str] = set()
    for identity, customer in sorted(result.customer_of.items()):
        rule, score = result.link_of[identity]
        prior = before.get(identity, (None, None, None))
        if prior == (customer, rule, score) and identity not in doubled:
            continue
        assign.append({"identityId": identity, "customerId": customer, "linkRule": rule,
                       "linkScore": score})
        touched_customers.add(customer)
        if prior[0] is not None:
            touched_customers.add(prior[0])
        if prior[0] != customer:
            outcome.old_customer[identity] = prior[0]
            outcome.new_customer[identity] = customer
    _write(session, ASSIGN_CUSTOMERS, assign)

    existing = set(result.customer_of.values())
    moved_customers = outcome.customers_around(outcome.new_customer)
    # Renamed: customers that gained or lost identities (moved, or named by a record, as an
    # erasure does), and customers of pending identities (their display names may be new).
    named = ((moved_customers | pending_customers
              | {result.customer_of[i] for i in pending_ids if i in result.customer_of})
             & existing)
    _write(session, NAME_THESE_CUSTOMERS, sorted(named), "customers")
    candidates = sorted((moved_customers | pending_customers) - existing)
    outcome.deleted = {r["customerId"] for r in _write(
        session, DELETE_THESE_EMPTY_CUSTOMERS, candidates, "customers")}

    change = Change()
    change.touch("Identity", relinked | {row["identityId"] for row in assign})
    change.touch("Customer", touched_customers | named | outcome.deleted)
    change.touch("Journey", (f"journey-{c}" for c in outcome.deleted))
    _append_changes(session, sorted(change.nodes))
    return outcome

