"""Giving stored messages the embedding message search reads, when they lack it.

Messages written by this version get their embedding with the rest of their reading (the
write path sets it with their sentiment). Two cases need this pass, which ``kg derive --all``
runs: a graph loaded before message search existed, and a product upgrade that ships another
sentence encoder (the feed's ``embeddingModel`` names the one the graph holds; when it differs
from the running one, every message is embedded again). Only English messages are embedded,
as the write path does. An embedding is not a fact of the RDF mirror, so no change record is
written; a message whose text changed between the read and the write is left for the next pass.
"""

from __future__ import annotations

from typing import Final, LiteralString

import neo4j

from kg.graph.driver import graph_errors, run_query, write_rows
from kg.semantic.encoder import SentenceEncoder, shared_encoder, stored
from kg.settings import Settings

PAGE: Final = 256

READ_EMBEDDING_MODEL: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'}) RETURN f.embeddingModel AS model
"""

WRITE_EMBEDDING_MODEL: Final[LiteralString] = """
MERGE (f:ChangeFeed {feedId: 'main'}) SET f.embeddingModel = $model
"""

# After the cursor, in id order: English (or not yet detected) messages with text and, unless
# every one is to be embedded again, no embedding.
UNEMBEDDED_PAGE: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.interactionId > $after AND i.text IS NOT NULL
  AND coalesce(i.language, 'en') = 'en' AND ($all OR i.embedding IS NULL)
WITH i ORDER BY i.interactionId LIMIT $limit
RETURN i.interactionId AS id, i.text AS text
"""

WRITE_EMBEDDINGS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.id}) WHERE i.text = row.text
SET i.embedding = row.embedding
// a customer's message is grouped again with its new embedding
FOREACH (_ IN CASE WHEN i.direction = 'inbound' THEN [1] ELSE [] END |
  SET i.awaitingGrouping = true)
"""


def embed_stored_messages(driver: neo4j.Driver, settings: Settings, *,
                          encoder: SentenceEncoder | None = None) -> int:
    """Embed the messages that lack an embedding (all of them after an encoder change);
    the number embedded."""
    encoder = encoder or shared_encoder()
    [feed] = run_query(driver, settings, READ_EMBEDDING_MODEL) or [{"model": None}]
    everything = feed["model"] not in (None, encoder.version)
    after, embedded = "", 0
    while page := run_query(driver, settings, UNEMBEDDED_PAGE,
                            {"after": after, "all": everything, "limit": PAGE}):
        vectors = encoder.embed([row["text"] for row in page])
        rows = [{"id": row["id"], "text": row["text"],
                 "embedding": stored(vector)}
                for row, vector in zip(page, vectors, strict=True) if vector.any()]
        with graph_errors(settings.neo4j_uri), driver.session(
                database=settings.neo4j_database) as session:
            session.execute_write(_write, rows)
        embedded += len(rows)
        after = page[-1]["id"]
    run_query(driver, settings, WRITE_EMBEDDING_MODEL, {"model": encoder.version}, write=True)
    return embedded


def _write(tx: neo4j.ManagedTransaction, rows: list[dict[str, object]]) -> None:
    write_rows(tx, WRITE_EMBEDDINGS, rows=rows)
