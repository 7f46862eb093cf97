"""Re-reading what the graph holds after a new reading model is activated.

Every interaction whose whole-message opinion was not produced by the current extractor
version (which names the active semantic model, see :func:`kg.extraction.pipeline.provenance`)
is extracted again from its stored text and written through the ordinary write path: a
bounded transaction per page, each with its change record, so derivation (summaries, tallies,
pain points) and the RDF mirror follow as after any write. Pages go in interaction-id order
from a cursor; a killed run resumes where it stopped, because what was already re-read carries
the current version and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, LiteralString

import neo4j
from spacy.language import Language

from kg.derivation.refresh import refresh
from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import extract, provenance
from kg.feed.changes import lock_feed
from kg.feed.ids import installation_key
from kg.graph.driver import graph_errors, run_query
from kg.ingestion.rows import GraphBatch, add_reading
from kg.ingestion.writer import write_in
from kg.ontology.mapping import GraphMapping
from kg.settings import Settings

PAGE = 500

# Interactions after the cursor whose message opinion another extractor version wrote (or
# that have none), with what the write path needs to rewrite their reading.
STALE_PAGE: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.interactionId > $after AND i.text IS NOT NULL
  AND NOT EXISTS {
    MATCH (i)-[:HAS_OPINION]->(o:Opinion {opinionId: i.interactionId + ':message'})
    WHERE o.extractorVersion = $version }
WITH i ORDER BY i.interactionId LIMIT $limit
MATCH (i)-[:VIA_CHANNEL]->(c:Channel)
RETURN i.interactionId AS id, i.text AS text, labels(i) AS labels, c.channelId AS channel
"""

# Inside the write, under the feed's lock: the interactions that still hold the text that was
# read (an erasure or a reload with new text in between leaves them out).
STILL_THE_SAME: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.id}) WHERE i.text = row.text
RETURN i.interactionId AS id
"""

COUNT_STALE: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.text IS NOT NULL
  AND NOT EXISTS {
    MATCH (i)-[:HAS_OPINION]->(o:Opinion {opinionId: i.interactionId + ':message'})
    WHERE o.extractorVersion = $version }
RETURN count(i) AS stale
"""


def _write_current(tx: neo4j.ManagedTransaction,
                   read: list[tuple[dict[str, Any], ExtractionResult]], mapping: GraphMapping,
                   key: bytes) -> int:
    """Write the new readings of the interactions that still hold the text that was read;
    checked under the feed's lock, so an erasure or a reload in between is never undone."""
    lock_feed(tx)
    still = {record["id"] for record in tx.run(
        STILL_THE_SAME, rows=[{"id": row["id"], "text": row["text"]} for row, _ in read])}
    batch = GraphBatch()
    for row, result in read:
        if row["id"] in still:
            add_reading(batch, row["id"], row["labels"], row["channel"], result, mapping)
    if batch.records:
        write_in(tx, batch, key)
    return batch.records


@dataclass
class Reread:
    version: str
    stale_at_start: int = 0
    reread: int = 0
    failed: int = 0
    pages: int = 0


def stale_count(driver: neo4j.Driver, settings: Settings, version: str) -> int:
    return int(run_query(driver, settings, COUNT_STALE, {"version": version})[0]["stale"])


def reread(driver: neo4j.Driver, settings: Settings, nlp: Language, mapping: GraphMapping,
           *, page: int = PAGE, progress: Callable[[Reread], None] | None = None) -> Reread:
    """Re-read every interaction the current extractor version has not read; returns counts.

    A text that cannot be extracted any more keeps its previous reading (counted as failed); an
    interaction erased or reloaded with new text while its page was read is left alone."""
    version = provenance(nlp).version
    done = Reread(version=version, stale_at_start=stale_count(driver, settings, version))
    after = ""
    while True:
        rows = run_query(driver, settings, STALE_PAGE,
                         {"after": after, "version": version, "limit": page})
        if not rows:
            break
        after = rows[-1]["id"]
        read: list[tuple[dict[str, Any], ExtractionResult]] = []
        results = extract(nlp, [(row["id"], row["text"]) for row in rows], settings)
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, ExtractionResult):
                read.append((row, result))
            else:
                done.failed += 1
        if read:
            with graph_errors(settings.neo4j_uri), driver.session(
                    database=settings.neo4j_database) as session:
                written = session.execute_write(_write_current, read, mapping,
                                                installation_key(settings))
            refresh(driver, settings)
            done.reread += written
        done.pages += 1
        if progress is not None:
            progress(done)
    return done
