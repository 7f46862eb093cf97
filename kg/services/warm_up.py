"""Planning the live write paths before the first request needs them.

Neo4j plans a statement the first time it sees its text and keeps the plan in its query cache,
which a restart empties. A live write runs about fifty statements and an erasure about twenty;
planning them made the first ``POST /interactions`` after ``kg serve`` started, and the first
erasure, wait seconds on a large graph (docs/figures.md, "Timings behind design choices"). So
a server writes a made-up conversation (a customer's message and the brand's reply), derives
it, exports it as the mirror would, erases the customer and derives that, all in one
transaction that it rolls back: every statement of both paths is planned, and nothing reaches
the graph, the change feed or the mirror. Extraction is not warmed: its result is fixed here,
so a server that only reads never loads spaCy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import neo4j

from kg.consent.derivation import CUSTOMERS_OF_IDENTITIES
from kg.derivation.refresh import derive_pending
from kg.extraction.models import (
    ConceptMention,
    EntityMention,
    ExtractionError,
    ExtractionResult,
    Identifier,
    Provenance,
    Sentiment,
    Signal,
    Span,
)
from kg.feed.ids import installation_key
from kg.graph.driver import graph_errors
from kg.ingestion.adapters import Rejected
from kg.ingestion.identities import identity_id
from kg.ingestion.loader import build_batch
from kg.ingestion.records import IdentityRef
from kg.ingestion.rows import GraphBatch
from kg.ingestion.writer import write_and_derive_in
from kg.ontology.mapping import GraphMapping
from kg.ontology.namespaces import CKC
from kg.rdf.mirror import mirrored_keys
from kg.rdf.sync import EXPORT_THESE_NODES
from kg.services.erasure import erase_in
from kg.services.ingest import canonical_items
from kg.settings import Settings

log = logging.getLogger(__name__)

SOURCE = "kg-warm-up"
# Older than any real message: the conversation never moves the newest interaction's time,
# which would re-segment customers across the whole graph for nothing.
AT = datetime(1990, 1, 1, tzinfo=UTC)
TEXT = "Order WARMUP-0001 never arrived and the refund is late again, I am so frustrated"
REPLY = "Sorry to hear that, we have sent you a direct message"
AUTHOR = {"kind": "email", "value": "warm-up@kg.invalid",
          "person": {"given_name": "Warm", "family_name": "Up", "city": "Nowhere"}}
CONCEPT = "refund"
TIMEOUT_SECONDS = 120.0  # a backlog of other writers' records is derived (and rolled back) too


class _Rehearsed(Exception):
    """Raised at the end of the rehearsal, so that its transaction rolls back."""


@dataclass(frozen=True)
class WarmUp:
    seconds: float
    statements_planned: bool


def _span(phrase: str) -> dict[str, Any]:
    start = TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "text": phrase}


def _result(record_id: str, text: str) -> ExtractionResult:
    """What extraction could have found in :data:`TEXT` (nothing in the reply)."""
    negative = Sentiment(score=-0.7, label="negative", confidence=0.9)
    provenance = Provenance(version="warm-up", model="warm-up", model_version="0")
    if text != TEXT:
        return ExtractionResult(record_id=record_id, text_length=len(text),
                                sentiment=Sentiment(score=0.1, label="neutral", confidence=0.5),
                                provenance=provenance)
    return ExtractionResult(
        record_id=record_id, text_length=len(text), sentiment=negative,
        concepts=[ConceptMention(**_span("refund"), concept_id=CONCEPT,
                                 concept_iri=str(CKC[CONCEPT]), sentiment=negative)],
        entities=[EntityMention(**_span("Order"), label="ORG",
                                source="ner")],
        identifiers=[Identifier(**_span("WARMUP-0001"), kind="order",
                                value="WARMUP-0001")],
        intents=[Signal(category="request", confidence=0.8,
                        evidence=Span(**_span("the refund is late")))],
        emotions=[Signal(category="frustration", confidence=0.8,
                         evidence=Span(**_span("frustrated")))],
        provenance=provenance)


def _extract(pairs: Sequence[tuple[str, object]]
             ) -> Iterable[ExtractionResult | ExtractionError]:
    return [_result(record_id, str(text)) for record_id, text in pairs]


def conversation(settings: Settings, mapping: GraphMapping) -> GraphBatch:
    """The made-up message and reply as a graph batch, built as an ingest builds one."""
    bodies: list[dict[str, Any]] = [
        {"source": SOURCE, "source_id": "message", "kind": "ChatSession", "channel": "chat",
         "occurred_at": AT.isoformat(), "text": TEXT, "author": AUTHOR,
         "also_known_as": [{"kind": "handle", "value": "@kg_warm_up", "network": "twitter"}],
         "touchpoint": "warm-up", "about_product": "warm-up",
         "consents": [{"purpose": "service", "status": "granted",
                       "given_at": AT.isoformat()}]},
        {"source": SOURCE, "source_id": "reply", "kind": "ChatSession", "channel": "chat",
         "occurred_at": AT.replace(hour=1).isoformat(), "direction": "outbound",
         "text": REPLY, "reply_to": "message", "touchpoint": "warm-up"},
    ]
    rejected: list[Rejected] = []
    batch = build_batch(canonical_items(bodies, "warm-up"), None, settings, mapping,
                        rejected.append, extractor=_extract)
    assert not rejected, f"the warm-up conversation was set aside: {rejected}"
    return batch


def _rehearse(tx: neo4j.ManagedTransaction, batch: GraphBatch, settings: Settings,
              mapping: GraphMapping) -> None:
    key = installation_key(settings)
    write_and_derive_in(tx, batch, key, settings)
    key_of = mirrored_keys(mapping)
    tx.run(EXPORT_THESE_NODES, keyOf=key_of, keyed=sorted(key_of),
           rows=[{"label": "Interaction", "key": row["interactionId"]}
                 for row in batch.rows["interactions"]]).consume()
    author = identity_id(IdentityRef.model_validate(AUTHOR))
    for row in tx.run(CUSTOMERS_OF_IDENTITIES, ids=[author]).data():
        erase_in(tx, row["customerId"], key)
        derive_pending(tx, key, settings, locked=True)
    raise _Rehearsed


def warm_up(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping) -> WarmUp:
    """Plan the write and erasure statements in a transaction rolled back at the end. Never
    fails a server's start: a graph that is away or refuses is logged and left to the first
    request, which reports it properly."""
    began = time.perf_counter()
    try:
        batch = conversation(settings, mapping)
        with graph_errors(settings.neo4j_uri):
            # Fails at once when Neo4j is away, where a transaction would be retried for
            # KG_NEO4J_RETRY_SECONDS and hold the server's start that long.
            driver.verify_connectivity()
        with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database
        ) as session:
            session.execute_write(neo4j.unit_of_work(timeout=TIMEOUT_SECONDS)(_rehearse),
                                  batch, settings, mapping)
    except _Rehearsed:
        seconds = time.perf_counter() - began
        log.info("write and erasure statements planned in %.1f s", seconds)
        return WarmUp(seconds=seconds, statements_planned=True)
    except Exception as error:  # a warm-up is an optimisation, never a reason not to serve
        log.warning("planning the write statements at start failed (%s); the first write "
                    "will plan them", error)
        return WarmUp(seconds=time.perf_counter() - began, statements_planned=False)
    raise AssertionError("the rehearsal always ends by rolling back")
