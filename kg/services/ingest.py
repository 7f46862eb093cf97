"""The two ingestion use cases, called by the CLI and the API alike.

``kg load`` streams a source through :func:`load`; ``POST /interactions`` hands its records to
:func:`ingest`. Both build rows with the same checks and write a batch in one transaction with
its change record (an API ingest through the server's one writer, which writes the batches of
concurrent requests as one: :mod:`kg.ingestion.group_commit`), and then go through the one door
to derived facts, :func:`kg.derivation.refresh.refresh`. A batch is idempotent ``UNWIND … MERGE``
statements, so a load killed at any point is
resumed by running it again: batches already written merge onto themselves and the rest are
added. At the end of a load the RDF mirror applies the change feed (or the running server that
owns the mirror does); an API ingest waits for the server's own mirror instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j
from pydantic import ValidationError

from kg.derivation.question_groups import group_waiting
from kg.derivation.refresh import RefreshSummary, refresh
from kg.ingestion.adapters import AdapterOptions, Item, Loaded, Rejected, SourceRef
from kg.ingestion.deadletters import DeadLetters
from kg.ingestion.group_commit import GroupWriter
from kg.ingestion.loader import Extractor, build_batch, read_items
from kg.ingestion.records import InteractionRecord
from kg.ingestion.rows import GraphBatch
from kg.ingestion.suppression import SuppressedMeanwhile, suppressed
from kg.ingestion.writer import write_batch
from kg.ontology.mapping import GraphMapping
from kg.rdf.owner import sync_if_free
from kg.settings import Settings

if TYPE_CHECKING:  # the pipeline arrives built; importing spaCy is the caller's business
    from spacy.language import Language


@dataclass
class LoadSummary:
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    batches: int = 0
    rows: int = 0
    derived: RefreshSummary = field(default_factory=RefreshSummary)
    mirror: str = "not synced"


Progress = Callable[[LoadSummary], None]


@dataclass(frozen=True)
class Ingested:
    """What one ingest wrote: records loaded, those set aside, and the change to wait for."""

    loaded: int
    rejected: list[Rejected]
    sequence: int
    committed_at: float  # time.perf_counter() when the batch's transaction committed


def canonical_items(bodies: Iterable[Mapping[str, Any]], origin: str) -> list[Item]:
    """Canonical interaction records from already-parsed JSON objects (an API request body).

    Each object is validated on its own, so one bad record is set aside naming its field while
    the others load; the same source record sent twice in one request is set aside too, since
    the second copy would silently overwrite the first."""
    items: list[Item] = []
    first_of: dict[tuple[str, str], int] = {}
    for number, data in enumerate(bodies):
        ref = SourceRef(origin, f"record {number}")
        try:
            record = InteractionRecord.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            items.append(Rejected(ref, ".".join(str(p) for p in first["loc"]) or "record",
                                  first["msg"]))
            continue
        key = (record.source, record.source_id)
        if key in first_of:
            items.append(Rejected(ref, "source_id", (
                f"{record.source}:{record.source_id} is already record {first_of[key]} "
                "of this request; send each record once")))
        else:
            first_of[key] = number
            items.append(Loaded(ref, record))
    return items


def _prepare(items: list[Item], *, driver: neo4j.Driver, settings: Settings, nlp: Language,
             mapping: GraphMapping, reject: Callable[[Rejected], None],
             extractor: Extractor | None = None) -> GraphBatch:
    return build_batch(items, nlp, settings, mapping, reject,
                       suppressed=partial(suppressed, driver, settings), extractor=extractor)


def _commit(driver: neo4j.Driver, settings: Settings, batch: GraphBatch,
            derived: RefreshSummary | None) -> int:
    """Write one batch, then derive what it touched; returns the batch's change sequence."""
    sequence = write_batch(driver, settings, batch)
    if derived is not None:
        derived.add(refresh(driver, settings))
    return sequence


def ingest(items: list[Item], *, driver: neo4j.Driver, settings: Settings, nlp: Language,
           mapping: GraphMapping, writer: GroupWriter) -> Ingested:
    """Extract a small batch (an application's records) here, then write and derive it through
    the process's one writer, together with whatever other requests are writing; returns
    once the batch is committed and derived. Records set aside here stay this request's own."""
    while True:
        rejected: list[Rejected] = []
        batch = _prepare(items, driver=driver, settings=settings, nlp=nlp, mapping=mapping,
                         reject=rejected.append)
        if not batch.records and not batch.row_count():
            # Nothing to write (every record set aside): no transaction, no change record.
            return Ingested(loaded=0, rejected=rejected, sequence=0, committed_at=0.0)
        try:
            written = writer.write(batch)
        except SuppressedMeanwhile:
            # An erasure ran while this batch waited: prepared again, the erased identities'
            # records are set aside with their reason and the rest is written.
            continue
        # the batch's questions and complaints join their groups (a page, under the lock)
        group_waiting(driver, settings)
        return Ingested(loaded=batch.records, rejected=rejected, sequence=written.sequence,
                        committed_at=written.committed_at)


def load(source: str, paths: list[Path], *, driver: neo4j.Driver, settings: Settings,
         nlp: Language, mapping: GraphMapping, dead_letters: Path,
         options: AdapterOptions | None = None, batch_size: int = 1000,
         derive_after: bool = True, progress: Progress | None = None,
         extractor: Extractor | None = None) -> LoadSummary:
    """Stream a source batch by batch; every rejection goes to the dead-letter file.

    ``extractor`` replaces running ``nlp`` on each batch (see :func:`build_batch`)."""
    summary = LoadSummary()
    items = read_items(source, paths, options or AdapterOptions())
    # One writer thread: batch N is written while batch N+1 is extracted. Batches are still
    # written one after another, in order, and at most two are in memory.
    with DeadLetters(dead_letters) as dead, ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[int] | None = None
        while chunk := list(islice(items, batch_size)):
            before = dead.count
            batch = _prepare(chunk, driver=driver, settings=settings, nlp=nlp,
                             mapping=mapping, reject=dead.add, extractor=extractor)
            if pending is not None:
                pending.result()
                _report(progress, summary)
            pending = writer.submit(_commit, driver, settings, batch,
                                    summary.derived if derive_after else None)
            summary.read += len(chunk)
            summary.rejected += dead.count - before
            summary.loaded += batch.records
            summary.batches += 1
            summary.rows += batch.row_count()
        if pending is not None:
            pending.result()
            _report(progress, summary)
    if derive_after:
        group_waiting(driver, settings)
        synced = sync_if_free(driver, settings, mapping)
        summary.mirror = ("owned by a running server, which applies the change feed"
                          if synced is None else f"applied up to change {synced.applied_to}")
    return summary


def _report(progress: Progress | None, summary: LoadSummary) -> None:
    if progress is not None:
        progress(summary)
