"""``kg load``: stream a source's records through extraction into Neo4j, batch by batch.

Each batch is one transaction of idempotent ``UNWIND … MERGE`` statements plus its change
record, so a load killed at any point is resumed by running it again: batches already written
merge onto themselves and the rest are added. After each batch the refresh path derives what
the batch touched (customers, cases, journeys, segments), and at the end the RDF mirror applies
the change feed (or the running server that owns the mirror does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

import neo4j
from spacy.language import Language

from kg.derivation.refresh import RefreshSummary, refresh
from kg.errors import ConfigError
from kg.extraction.models import ExtractionError, ExtractionResult
from kg.extraction.pipeline import extract
from kg.loading.adapters import ADAPTERS, AdapterOptions, Item, Loaded, Rejected, SourceRef
from kg.loading.deadletters import DeadLetters
from kg.loading.identities import IdentityError, identity_id
from kg.loading.records import CustomerRecord, IdentityRef, InteractionRecord
from kg.loading.rows import GraphBatch, add_customer_record, add_interaction
from kg.loading.suppression import suppressed
from kg.loading.writer import write_batch
from kg.ontology.mapping import GraphMapping
from kg.rdf.owner import sync_if_free
from kg.settings import Settings


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


def read_items(source: str, paths: Iterable[Path], options: AdapterOptions) -> Iterator[Item]:
    if source not in ADAPTERS:
        raise ConfigError(f"unknown source {source!r}; known: {', '.join(sorted(ADAPTERS))}")
    for path in paths:
        if not path.exists():
            raise ConfigError(f"input {path} not found")
        yield from ADAPTERS[source](path, options)


Suppressed = Callable[[set[str]], set[str]]


def _refs(record: CustomerRecord | InteractionRecord) -> list[tuple[str, IdentityRef]]:
    if isinstance(record, CustomerRecord):
        return [("identities", ref) for ref in record.identities]
    named = [("author", record.author)] if record.author is not None else []
    return named + [("also_known_as", ref) for ref in record.also_known_as]


def _check_identities(item: Loaded) -> Item:
    """Identifiers that cannot be normalised reject the record, naming the field."""
    for where, ref in _refs(item.record):
        try:
            identity_id(ref)
        except IdentityError as error:
            return Rejected(item.ref, f"{where}.{ref.kind}", str(error))
    return item


def _check_suppressed(items: list[Item], suppressed: Suppressed) -> list[Item]:
    """Records naming an erased (suppressed) identity are set aside, naming the field."""
    named = {identity_id(ref) for item in items if isinstance(item, Loaded)
             for _, ref in _refs(item.record)}
    erased = suppressed(named) if named else set()
    if not erased:
        return items
    checked: list[Item] = []
    for item in items:
        hit = next(((where, ref) for where, ref in _refs(item.record)
                    if identity_id(ref) in erased), None) if isinstance(item, Loaded) else None
        checked.append(item if hit is None else Rejected(
            item.ref, f"{hit[0]}.{hit[1].kind}",
            "this identity was erased on request and is suppressed; an operator can lift it "
            "with `kg suppression lift`"))
    return checked


def build_batch(items: list[Item], nlp: Language, settings: Settings, mapping: GraphMapping,
                reject: Callable[[Rejected], None], *,
                suppressed: Suppressed | None = None) -> GraphBatch:
    """Rows for a chunk of items; every record set aside goes to ``reject`` with its reason."""
    batch = GraphBatch()
    checked = [_check_identities(i) if isinstance(i, Loaded) else i for i in items]
    if suppressed is not None:
        checked = _check_suppressed(checked, suppressed)
    interactions: list[tuple[SourceRef, InteractionRecord]] = []
    for item in checked:
        if isinstance(item, Rejected):
            reject(item)
        elif isinstance(item.record, CustomerRecord):
            add_customer_record(batch, item.record, mapping)
        else:
            interactions.append((item.ref, item.record))
    with_text = [(str(n), r.text) for n, (_, r) in enumerate(interactions) if r.text.strip()]
    results: dict[int, ExtractionResult | ExtractionError] = {
        int(result.record_id): result for result in extract(nlp, with_text, settings)}
    for number, (ref, record) in enumerate(interactions):
        result = results.get(number)
        if isinstance(result, ExtractionError):
            reject(Rejected(ref, result.field, f"extraction: {result.error}"))
            continue
        add_interaction(batch, record, result, mapping, store_redacted=settings.redact_pii)
    return batch


def load(source: str, paths: list[Path], *, driver: neo4j.Driver, settings: Settings,
         nlp: Language, mapping: GraphMapping, dead_letters: Path,
         options: AdapterOptions | None = None, batch_size: int = 1000,
         derive_after: bool = True, progress: Progress | None = None) -> LoadSummary:
    summary = LoadSummary()
    items = read_items(source, paths, options or AdapterOptions())
    # One writer thread: batch N is written while batch N+1 is extracted. Batches are still
    # written one after another, in order, and at most two are in memory.
    with DeadLetters(dead_letters) as dead, ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        while chunk := list(islice(items, batch_size)):
            before = dead.count
            batch = build_batch(chunk, nlp, settings, mapping, dead.add,
                                suppressed=partial(suppressed, driver, settings))
            if pending is not None:
                pending.result()
                _report(progress, summary)
            pending = writer.submit(_write_and_refresh, driver, settings, batch,
                                    summary if derive_after else None)
            summary.read += len(chunk)
            summary.rejected += dead.count - before
            summary.loaded += batch.records
            summary.batches += 1
            summary.rows += batch.row_count()
        if pending is not None:
            pending.result()
            _report(progress, summary)
    if derive_after:
        synced = sync_if_free(driver, settings, mapping)
        summary.mirror = ("owned by a running server, which applies the change feed"
                          if synced is None else f"applied up to change {synced.applied_to}")
    return summary


def _write_and_refresh(driver: neo4j.Driver, settings: Settings, batch: GraphBatch,
                       summary: LoadSummary | None) -> None:
    write_batch(driver, settings, batch)
    if summary is not None:
        summary.derived.add(refresh(driver, settings))


def _report(progress: Progress | None, summary: LoadSummary) -> None:
    if progress is not None:
        progress(summary)
