"""Cases and interactions: read them, and ingest new interactions through the loader's path."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import ValidationError

from kg.derivation.refresh import refresh
from kg.graph import queries
from kg.loading.adapters import Loaded, Rejected, SourceRef
from kg.loading.loader import build_batch
from kg.loading.records import InteractionRecord
from kg.loading.suppression import suppressed
from kg.loading.writer import write_batch
from kg.ontology.mapping import load_mapping
from kg_api.deps import DriverDep, GraphDep, SettingsDep
from kg_api.models import IngestResult
from kg_api.security import Reader, Writer

router = APIRouter(tags=["records"])
MAX_BATCH = 1000


@router.get("/cases/{case_id}", summary="A case with its interactions and customers")
def case(case_id: str, graph: GraphDep, _: Reader) -> dict[str, Any]:
    rows = graph.rows(queries.CASE_DETAIL, caseId=case_id)
    if not rows:
        raise HTTPException(404, f"no case {case_id!r}")
    return rows[0]


@router.get("/interactions/{interaction_id}",
            summary="An interaction with its extraction spans, opinions, intents and emotions")
def interaction(interaction_id: str, graph: GraphDep, _: Reader) -> dict[str, Any]:
    rows = graph.rows(queries.INTERACTION_DETAIL, interactionId=interaction_id)
    if not rows:
        raise HTTPException(404, f"no interaction {interaction_id!r}")
    return rows[0]


@router.post("/interactions", response_model=IngestResult, status_code=200,
             summary="Ingest one interaction or a batch (canonical records), as the loader does")
def ingest(body: dict[str, Any] | list[dict[str, Any]], request: Request, driver: DriverDep,
           settings: SettingsDep, _: Writer) -> IngestResult:
    records = body if isinstance(body, list) else [body]
    if len(records) > MAX_BATCH:
        raise HTTPException(413, f"at most {MAX_BATCH} records per request")
    items: list[Loaded | Rejected] = []
    first_of: dict[tuple[str, str], int] = {}
    for number, data in enumerate(records):
        ref = SourceRef("request", f"record {number}")
        try:
            record = InteractionRecord.model_validate(data)
            key = (record.source, record.source_id)
            if key in first_of:
                items.append(Rejected(ref, "source_id", (
                    f"{record.source}:{record.source_id} is already record {first_of[key]} "
                    "of this request; send each record once")))
            else:
                first_of[key] = number
                items.append(Loaded(ref, record))
        except ValidationError as error:
            first = error.errors()[0]
            items.append(Rejected(ref, ".".join(str(p) for p in first["loc"]) or "record",
                                  first["msg"]))
    collected: list[Rejected] = []
    batch = build_batch(items, request.app.state.nlp(), settings, load_mapping(),
                        collected.append, suppressed=partial(suppressed, driver, settings))
    sequence = write_batch(driver, settings, batch)
    written = time.perf_counter()
    refresh(driver, settings)
    mirrored = request.app.state.mirror.wait_for(sequence, settings.query_timeout_seconds)
    return IngestResult(received=len(records), loaded=batch.records, sequence=sequence,
                        mirrored=mirrored,
                        mirrorLagMs=round((time.perf_counter() - written) * 1000, 1),
                        rejected=[{"position": r.ref.position, "field": r.field,
                                   "reason": r.reason} for r in collected])
