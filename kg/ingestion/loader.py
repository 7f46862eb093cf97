"""Reading sources and turning chunks of records into graph rows.

Every record read either becomes rows of a :class:`GraphBatch` or is set aside with the field
and the reason (an identifier that cannot be normalised, a suppressed identity, text that
extraction refused). Writing the batch and deriving from it are the service's job
(:mod:`kg.services.ingest`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import ConfigError
from kg.extraction.models import ExtractionError, ExtractionResult
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Item, Loaded, Rejected, SourceRef
from kg.ingestion.identities import IdentityError, identity_id
from kg.ingestion.records import CustomerRecord, IdentityRef, InteractionRecord
from kg.ingestion.rows import GraphBatch, add_customer_record, add_interaction
from kg.ingestion.time_window import refusal
from kg.ontology.mapping import GraphMapping
from kg.settings import Settings

if TYPE_CHECKING:  # a process that never extracts (an API serving reads) never loads spaCy
    from spacy.language import Language


def read_items(source: str, paths: Iterable[Path], options: AdapterOptions) -> Iterator[Item]:
    if source not in ADAPTERS:
        raise ConfigError(f"unknown source {source!r}; known: {', '.join(sorted(ADAPTERS))}")
    for path in paths:
        if not path.exists():
            raise ConfigError(f"input {path} not found")
        yield from ADAPTERS[source](path, options)


Suppressed = Callable[[set[str]], set[str]]
# (record id, text) pairs in, one result or error per record out: the pipeline's ``extract``, or
# a reader of results extracted earlier by that same pipeline (the benchmarks' cache).
Extractor = Callable[[Sequence[tuple[str, object]]], Iterable[ExtractionResult | ExtractionError]]


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


def _check_time(item: Item, settings: Settings, now: datetime) -> Item:
    """An interaction dated outside the accepted window is set aside, naming the field."""
    if isinstance(item, Loaded) and isinstance(item.record, InteractionRecord):
        reason = refusal(item.record.occurred_at, settings, now=now)
        if reason is not None:
            return Rejected(item.ref, "occurred_at", reason)
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


def build_batch(items: list[Item], nlp: Language | None, settings: Settings, mapping: GraphMapping,
                reject: Callable[[Rejected], None], *,
                suppressed: Suppressed | None = None,
                extractor: Extractor | None = None) -> GraphBatch:
    """Rows for a chunk of items; every record set aside goes to ``reject`` with its reason.

    ``extractor`` defaults to the pipeline ``nlp``; the benchmarks pass a reader of results the
    same pipeline extracted before, so a large corpus is extracted once and loaded many times."""
    run_extraction = extractor
    if run_extraction is None:
        from kg.extraction.pipeline import extract  # with the pipeline, which the caller built
        assert nlp is not None, "build_batch needs the pipeline or an extractor"
        run_extraction = partial(extract, nlp, settings=settings)
    batch = GraphBatch()
    now = datetime.now(UTC)
    checked = [_check_identities(i) if isinstance(i, Loaded) else i
               for i in (_check_time(i, settings, now) for i in items)]
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
        int(result.record_id): result for result in run_extraction(with_text)}
    for number, (ref, record) in enumerate(interactions):
        result = results.get(number)
        if isinstance(result, ExtractionError):
            reject(Rejected(ref, result.field, f"extraction: {result.error}"))
            continue
        add_interaction(batch, record, result, mapping, store_redacted=settings.redact_pii)
    return batch
