"""Tallies: whole-graph counts kept in step with every write, for questions about the corpus.

An analyst asking "which concepts come up most", "how does sentiment differ per channel",
"which concepts draw the most negative opinions" or "who has the most open cases" would
otherwise make SPARQL scan every interaction, opinion or case (seconds to tens of seconds at a
million interactions on the mirror). The answers are kept as properties of the few nodes they
are about (``ckg:interactionCount`` and ``ckg:negativeOpinionCount`` on concepts,
``ckg:scoredInteractionCount`` / ``ckg:sentimentPoints`` / ``ckg:meanSentimentScore`` on
channels, ``ckg:openCaseCount`` on customers), so the mirror holds them like any other fact.

Concept and channel tallies move with the interactions a write changes: the write reads what
those interactions added to the tallies before it (nothing for new ones) and after it, in its
own transaction, and moves the tallies by the difference; an erasure subtracts what the
interactions it deletes added. Sentiment is summed in ten-thousandths (scores have four
decimals), an exact integer, so a tally moved write by write equals one counted afresh.
Open-case counts follow the refresh path, which rewrites a customer's cases. ``recount`` counts
everything afresh from the facts: the repair path (``kg derive --all``) and the upgrade of a
graph written before tallies existed (``kg db init``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, LiteralString

import neo4j

from kg.feed.changes import Change, append_change, lock_feed
from kg.graph import queries
from kg.graph.driver import write_rows

# What each interaction adds to the concept and channel tallies (kg/derivation/tallies.py).
READ_TALLY_CONTRIBUTIONS: Final[LiteralString] = """
UNWIND $interactions AS interactionId
MATCH (i:Interaction {interactionId: interactionId})
RETURN [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts,
       [(i)-[:HAS_OPINION]->(o:Opinion {polarity: 'negative'})-[:ABOUT_ASPECT]->(k:Concept)
        | k.conceptId] AS negativeAspects,
       [(i)-[:VIA_CHANNEL]->(c:Channel) | c.channelId] AS channels,
       i.sentimentScore AS score
"""

ADJUST_CONCEPT_TALLIES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (k:Concept {conceptId: row.key})
WITH k, coalesce(k.interactionCount, 0) + row.interactions AS interactions,
     coalesce(k.negativeOpinionCount, 0) + row.negativeOpinions AS negative
SET k.interactionCount = CASE interactions WHEN 0 THEN null ELSE interactions END,
    k.negativeOpinionCount = CASE negative WHEN 0 THEN null ELSE negative END
"""

ADJUST_CHANNEL_TALLIES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Channel {channelId: row.key})
WITH c, coalesce(c.scoredInteractionCount, 0) + row.scored AS scored,
     coalesce(c.sentimentPoints, 0) + row.points AS points
SET c.scoredInteractionCount = CASE scored WHEN 0 THEN null ELSE scored END,
    c.sentimentPoints = CASE scored WHEN 0 THEN null ELSE points END,
    c.meanSentimentScore = CASE scored WHEN 0 THEN null
                           ELSE toFloat(points) / 10000.0 / scored END
"""

# The tallies counted afresh from the facts, with what is stored now (kg derive --all, kg db init).
COUNT_CONCEPT_TALLIES: Final[LiteralString] = """
MATCH (k:Concept)
RETURN k.conceptId AS key,
       COUNT { (:Interaction)-[:ABOUT_CONCEPT]->(k) } - coalesce(k.interactionCount, 0)
         AS interactions,
       COUNT { (:Opinion {polarity: 'negative'})-[:ABOUT_ASPECT]->(k) }
         - coalesce(k.negativeOpinionCount, 0) AS negativeOpinions
"""

COUNT_CHANNEL_TALLIES: Final[LiteralString] = """
MATCH (c:Channel)
CALL (c) {
  OPTIONAL MATCH (i:Interaction)-[:VIA_CHANNEL]->(c) WHERE i.sentimentScore IS NOT NULL
  RETURN count(i) AS scored,
         coalesce(sum(toInteger(round(i.sentimentScore * 10000))), 0) AS points
}
RETURN c.channelId AS key, scored - coalesce(c.scoredInteractionCount, 0) AS scored,
       points - coalesce(c.sentimentPoints, 0) AS points
"""

# Whether the tallies were ever counted afresh on this graph (a graph written before they
# existed has none): kept on the feed head, which is bookkeeping, not a fact.
TALLIES_COUNTED: Final[LiteralString] = """
OPTIONAL MATCH (f:ChangeFeed {feedId: 'main'}) RETURN f.talliesCounted = true AS counted
"""

MARK_TALLIES_COUNTED: Final[LiteralString] = """
MERGE (f:ChangeFeed {feedId: 'main'}) SET f.talliesCounted = true
"""

# Customers whose stored open-case count differs from their cases (kg derive --check).
COUNT_OPEN_CASE_TALLIES: Final[LiteralString] = """
MATCH (c:Customer)
WITH c, COUNT { (:Case {caseStatus: 'open'})-[:CASE_OF]->(c) } - coalesce(c.openCaseCount, 0)
  AS delta
WHERE delta <> 0
RETURN c.customerId AS key, delta
"""

# A customer's open cases, counted again; returns the customers whose count changed.
REFRESH_OPEN_CASE_COUNTS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
WITH c, COUNT { (:Case {caseStatus: 'open'})-[:CASE_OF]->(c) } AS open
WHERE coalesce(c.openCaseCount, 0) <> open
SET c.openCaseCount = CASE open WHEN 0 THEN null ELSE open END
RETURN c.customerId AS customerId
"""


CUSTOMERS_PER_TRANSACTION = 10_000


def sentiment_points(score: float) -> int:
    """A four-decimal score in ten-thousandths, as the afresh count rounds it in Cypher."""
    return round(score * 10_000)


@dataclass
class Tallies:
    """What some interactions add to the concept and channel tallies."""

    concept_interactions: Counter[str] = field(default_factory=Counter)
    negative_opinions: Counter[str] = field(default_factory=Counter)
    scored: Counter[str] = field(default_factory=Counter)
    points: Counter[str] = field(default_factory=Counter)

    def add_row(self, row: dict[str, object]) -> None:
        concepts = row["concepts"]
        aspects = row["negativeAspects"]
        channels = row["channels"]
        assert isinstance(concepts, list) and isinstance(aspects, list)
        assert isinstance(channels, list)
        # A fact is stated once, however many mentions found it (the mirror's triples are a set).
        self.concept_interactions.update(set(concepts))
        self.negative_opinions.update(aspects)
        score = row["score"]
        if isinstance(score, float | int):
            self.scored.update(channels)
            for channel in channels:
                self.points[channel] += sentiment_points(float(score))

    def minus(self, other: Tallies) -> Tallies:
        """``self - other``, keeping negative and zero entries (a delta, not a multiset)."""
        delta = Tallies()
        for name in ("concept_interactions", "negative_opinions", "scored", "points"):
            mine: Counter[str] = getattr(self, name)
            theirs: Counter[str] = getattr(other, name)
            result: Counter[str] = getattr(delta, name)
            for key in set(mine) | set(theirs):
                result[key] = mine[key] - theirs[key]
        return delta


def contributions(tx: neo4j.ManagedTransaction, interactions: Iterable[str]) -> Tallies:
    """What these interactions, as the graph holds them now, add to the tallies."""
    tallies = Tallies()
    ids = sorted(set(interactions))
    if ids:
        for row in tx.run(READ_TALLY_CONTRIBUTIONS, interactions=ids):
            tallies.add_row(row.data())
    return tallies


def move(tx: neo4j.ManagedTransaction, delta: Tallies, change: Change) -> None:
    """Move the stored tallies by ``delta``; the nodes that moved go in the change record."""
    concepts = sorted(key for key in set(delta.concept_interactions) | set(delta.negative_opinions)
                      if delta.concept_interactions[key] or delta.negative_opinions[key])
    channels = sorted(key for key in set(delta.scored) | set(delta.points)
                      if delta.scored[key] or delta.points[key])
    write_rows(tx, ADJUST_CONCEPT_TALLIES, rows=[
        {"key": key, "interactions": delta.concept_interactions[key],
         "negativeOpinions": delta.negative_opinions[key]} for key in concepts])
    write_rows(tx, ADJUST_CHANNEL_TALLIES, rows=[
        {"key": key, "scored": delta.scored[key], "points": delta.points[key]}
        for key in channels])
    change.touch("Concept", concepts)
    change.touch("Channel", channels)


def refresh_open_case_counts(tx: neo4j.ManagedTransaction, customers: Iterable[str],
                             change: Change) -> int:
    """Count these customers' open cases again; returns how many counts changed."""
    ids = sorted(set(customers))
    if not ids:
        return 0
    moved = [row["customerId"] for row in tx.run(REFRESH_OPEN_CASE_COUNTS,
                                                 customers=ids)]
    change.touch("Customer", moved)
    return len(moved)


def differences(driver: neo4j.Driver, database: str) -> dict[str, int]:
    """Tallies that differ from a fresh count of the facts (``kg derive --check``), as
    ``Label:key property`` -> fresh minus stored; empty when every tally is right."""
    found: dict[str, int] = {}
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        for row in session.run(COUNT_CONCEPT_TALLIES):
            for name, column in (("interactionCount", "interactions"),
                                 ("negativeOpinionCount", "negativeOpinions")):
                if row[column]:
                    found[f"Concept:{row['key']} {name}"] = row[column]
        for row in session.run(COUNT_CHANNEL_TALLIES):
            for name, column in (("scoredInteractionCount", "scored"),
                                 ("sentimentPoints", "points")):
                if row[column]:
                    found[f"Channel:{row['key']} {name}"] = row[column]
        for row in session.run(COUNT_OPEN_CASE_TALLIES):
            found[f"Customer:{row['key']} openCaseCount"] = row["delta"]
    return found


def recount(driver: neo4j.Driver, database: str) -> int:
    """Count every tally afresh from the facts and store what differs, each transaction with
    its change record (so the mirror follows); returns how many nodes changed."""

    def concepts_and_channels(tx: neo4j.ManagedTransaction) -> int:
        lock_feed(tx)
        delta = Tallies()
        for row in tx.run(COUNT_CONCEPT_TALLIES):
            delta.concept_interactions[row["key"]] = row["interactions"]
            delta.negative_opinions[row["key"]] = row["negativeOpinions"]
        for row in tx.run(COUNT_CHANNEL_TALLIES):
            delta.scored[row["key"]] = row["scored"]
            delta.points[row["key"]] = row["points"]
        change = Change()
        move(tx, delta, change)
        if change.nodes:
            append_change(tx, change, pending=False)
        return len(change.nodes)

    def open_cases(tx: neo4j.ManagedTransaction, customers: list[str]) -> int:
        lock_feed(tx)
        change = Change()
        moved = refresh_open_case_counts(tx, customers, change)
        if moved:
            append_change(tx, change, pending=False)
        return moved

    with driver.session(database=database) as session:
        changed: int = session.execute_write(concepts_and_channels)
        customers = sorted(r["customerId"] for r in session.run(queries.READ_CUSTOMER_IDS))
        for start in range(0, len(customers), CUSTOMERS_PER_TRANSACTION):
            changed += session.execute_write(
                open_cases, customers[start:start + CUSTOMERS_PER_TRANSACTION])
        session.run(MARK_TALLIES_COUNTED).consume()
    return changed


def recount_unless_counted(driver: neo4j.Driver, database: str, *, force: bool = False
                           ) -> int | None:
    """Count the tallies afresh on a graph where that never happened (one written before
    tallies existed) or when ``force``d (facts changed behind the writers' back, such as a
    backfill); None when they were counted already."""
    with driver.session(database=database) as session:
        record = session.run(TALLIES_COUNTED).single()
    if record is not None and record["counted"] and not force:
        return None
    return recount(driver, database)
