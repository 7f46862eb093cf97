"""Analysts' labels as facts in the graph: import, read back for training, list for review.

A label is an ``AnalystLabel`` node (see the ontology): its sentiment, area and concepts, who
gave it and when, what the model had said, linked to the interaction it judges (or holding its
own text when it names none). It is written like every other fact: under the change feed's
lock, with a change record naming it, so the RDF mirror follows. One label per message and
analyst: labelling again replaces the judgement. Labels hang off the interaction rather than
from it, so reloading the message (which replaces what extraction made of it) keeps them, and
erasure removes them with the customer's messages (:mod:`kg.services.erasure`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Final, LiteralString

import neo4j

from kg.feed.changes import Change, append_change, lock_feed
from kg.graph.driver import graph_errors, run_query
from kg.semantic.labels import AnalystLabel, RejectedLabel
from kg.services.adaptation import LabelledText
from kg.settings import Settings

READ_INTERACTIONS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
RETURN i.interactionId AS interactionId, i.sentimentLabel AS sentiment,
       head([(i)-[:HAS_OPINION]->(o:Opinion) WHERE o.extractorVersion IS NOT NULL
             | o.extractorVersion]) AS version
"""

MERGE_LABELS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (l:AnalystLabel {labelId: row.labelId})
SET l += row.props, l.labelledAt = datetime()
WITH l, row
CALL (l) {
  MATCH (l)-[old:LABEL_CONCEPT]->()
  DELETE old
}
CALL (l, row) {
  WITH l, row WHERE row.interactionId IS NOT NULL
  MATCH (i:Interaction {interactionId: row.interactionId})
  MERGE (l)-[:LABEL_OF]->(i)
}
CALL (l, row) {
  UNWIND row.concepts AS conceptId
  MERGE (k:Concept {conceptId: conceptId})
  MERGE (l)-[:LABEL_CONCEPT]->(k)
}
"""

# Every label with the text it judges (its interaction's, or its own), for `kg model train`.
LABELLED_TEXTS: Final[LiteralString] = """
MATCH (l:AnalystLabel)
OPTIONAL MATCH (l)-[:LABEL_OF]->(i:Interaction)
WITH l, coalesce(i.text, l.labelText) AS text
WHERE text IS NOT NULL
RETURN l.labelId AS labelId, text, l.labelSentiment AS sentiment, l.labelArea AS area,
       l.labelConceptsJudged AS judged,
       [(l)-[:LABEL_CONCEPT]->(k:Concept) | k.conceptId] AS concepts
ORDER BY labelId
"""


# The labelling queue: customers' messages not labelled yet, the ones the model is least sure
# about first (uncertainty sampling: the lowest confidence of the whole-message opinion).
LABEL_QUEUE: Final[LiteralString] = """
MATCH (i:Interaction {direction: 'inbound'})-[:HAS_OPINION]->(o:Opinion)
WHERE o.opinionId = i.interactionId + ':message' AND i.text IS NOT NULL
  AND NOT EXISTS { MATCH (:AnalystLabel)-[:LABEL_OF]->(i) }
WITH i, o ORDER BY o.confidence, i.interactionId LIMIT $limit
RETURN i.interactionId AS interactionId, i.text AS text, o.polarity AS sentiment,
       o.confidence AS confidence,
       [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts
"""


@dataclass(frozen=True)
class QueuedMessage:
    """A message waiting for a label, with what the model said about it."""

    interaction_id: str
    text: str
    sentiment: str | None
    confidence: float | None
    concepts: list[str]


@dataclass
class LabelImport:
    """What an import did: labels written, and every row set aside with its reason."""

    written: int = 0
    rejected: list[RejectedLabel] = field(default_factory=list)
    sequence: int | None = None


def label_id(label: AnalystLabel, labelled_by: str) -> str:
    """One label per message (or text) and analyst; the interaction id leads, so erasing the
    interaction's ids from the change feed also forgets its labels' ids."""
    if label.interaction_id is not None:
        return f"{label.interaction_id}|label|{labelled_by}"
    digest = hashlib.sha256((label.text or "").encode()).hexdigest()[:24]
    return f"text:{digest}|label|{labelled_by}"


def _row(label: AnalystLabel, labelled_by: str, model: dict[str, Any] | None
         ) -> dict[str, Any]:
    props: dict[str, Any] = {
        "labelSentiment": label.sentiment, "labelArea": label.area,
        "labelConceptsJudged": label.concepts is not None, "labelledBy": labelled_by,
        "labelText": label.text if label.interaction_id is None else None,
        "modelSentiment": model["sentiment"] if model else None,
        "modelVersion": model["version"] if model else None}
    return {"labelId": label_id(label, labelled_by), "interactionId": label.interaction_id,
            "concepts": list(label.concepts or ()), "props": props}


def _write(tx: neo4j.ManagedTransaction, labels: list[AnalystLabel], labelled_by: str
           ) -> tuple[int | None, list[AnalystLabel], list[AnalystLabel]]:
    """Under the feed's lock: find the named interactions (an erasure may have just removed
    one), write the labels of those that exist and of texts; returns (sequence, written,
    labels naming no interaction)."""
    lock_feed(tx)
    named = sorted({label.interaction_id for label in labels if label.interaction_id})
    found = {record["interactionId"]: record.data()
             for record in tx.run(READ_INTERACTIONS, ids=named)}
    missing = [label for label in labels
               if label.interaction_id is not None and label.interaction_id not in found]
    kept = [label for label in labels if label not in missing]
    if not kept:
        return None, [], missing
    rows = [_row(label, labelled_by, found.get(label.interaction_id or "")) for label in kept]
    tx.run(MERGE_LABELS, rows=rows).consume()
    change = Change()
    change.touch("AnalystLabel", [row["labelId"] for row in rows])
    return append_change(tx, change, pending=False), kept, missing


def import_labels(driver: neo4j.Driver, settings: Settings, labels: list[AnalystLabel],
                  rejected: list[RejectedLabel], labelled_by: str) -> LabelImport:
    """Write parsed labels in one transaction; a label naming an unknown interaction is set
    aside with its line."""
    outcome = LabelImport(rejected=list(rejected))
    if not labels:
        return outcome
    with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database) as session:
        sequence, written, missing = session.execute_write(_write, labels, labelled_by)
    outcome.sequence, outcome.written = sequence, len(written)
    outcome.rejected += [RejectedLabel(label.line, "interaction_id",
                                       f"no interaction {label.interaction_id!r} in the graph")
                         for label in missing]
    return outcome


def graph_labelled_texts(driver: neo4j.Driver, settings: Settings) -> list[LabelledText]:
    """Every label in the graph with its text, as training reads them."""
    return [LabelledText(text=row["text"], sentiment=row["sentiment"], area=row["area"],
                         concepts=tuple(sorted(row["concepts"])) if row["judged"] else None)
            for row in run_query(driver, settings, LABELLED_TEXTS)]


def label_queue(driver: neo4j.Driver, settings: Settings, limit: int) -> list[QueuedMessage]:
    """The next messages to label, least sure first."""
    return [QueuedMessage(interaction_id=row["interactionId"], text=row["text"],
                          sentiment=row["sentiment"], confidence=row["confidence"],
                          concepts=sorted(row["concepts"]))
            for row in run_query(driver, settings, LABEL_QUEUE, {"limit": limit})]
