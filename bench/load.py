"""``scripts/bench_load``: loader speed, memory and identity-resolution quality.

Runs against the Neo4j in the environment (``scripts/bench_load`` starts a dedicated one) and
wipes it first. The generated corpus and its extraction results are kept under
``KG_BENCH_CACHE`` (:mod:`bench.extraction_cache`), so a corpus is generated and extracted
once, whatever the number of runs. Phases, each printed with what it measured:

0. the corpus and its extraction cache: generated and extracted only when missing (the time
   of what was done now is printed);
1. extraction only: interactions/s through the extraction pipeline alone, on the first
   ``--sample`` interactions;
2. graph writes alone: rows/s of ``write_batch`` on the first ``--sample`` interactions'
   batches, extracted beforehand (read from the cache, untimed);
3. end to end: the product's load (``kg.services.ingest.load``: adapters, rows, writer) in a
   fresh process (interactions/s, peak RSS), with extraction read from the cache (``--no-cache``:
   ``kg load`` itself, extracting), then the derived steps (identity resolution, cases,
   journeys, segments, RDF mirror) timed on their own;
4. identity resolution: pairwise precision and recall against the generator's ground truth,
   and ``resolve`` alone on one million synthetic identities;
5. (``--graph-resolution N``) probabilistic resolution of N synthetic person records through
   Neo4j: blocking, scoring, writing links and customers.

The graph is left loaded (with its mirror) for ``scripts/bench_api`` and
``scripts/bench_ingest --reuse``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Final, LiteralString

from spacy.language import Language

from bench import phase_timings
from bench.extraction_cache import CachedExtractor, CorpusSpec, PreparedCorpus, prepare
from bench.graphs import READ_CUSTOMER_OF_IDENTITIES, reset_graph
from kg.derivation.linkage import PROBABILISTIC_RULE, Link, resolve
from kg.derivation.refresh import derive_everything, refresh
from kg.extraction.pipeline import build_pipeline, extract
from kg.graph.driver import create_driver, run_query
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Loaded
from kg.ingestion.deadletters import DeadLetters
from kg.ingestion.loader import build_batch
from kg.ingestion.records import CustomerRecord, IdentityRef, InteractionRecord
from kg.ingestion.rows import GraphBatch, add_customer_record
from kg.ingestion.writer import write_batch
from kg.ontology.mapping import GraphMapping, load_mapping
from kg.rdf.owner import open_sink
from kg.rdf.sync import rebuild
from kg.settings import load_settings
from training.quality import pairwise_scores, read_truth
from training.synthetic_people import people, person_attributes

COUNT_SCORED_LINKS: Final[LiteralString] = """
MATCH (:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(:Identity) RETURN count(l) AS n
"""


def _print(label: str, value: str) -> None:
    print(f"{label:<52} {value}", flush=True)


def _wipe() -> None:
    settings = load_settings()
    with create_driver(settings) as driver:
        reset_graph(driver, settings)


def one_million_identities(count: int) -> float:
    """``resolve`` alone (union-find over stored links) on ``count`` identities."""
    rng = random.Random(3)  # noqa: S311 - benchmark data
    identities = [f"email:email:p{i}@example.org" for i in range(count)]
    links = [Link(f"email:email:p{i}@example.org", f"email:email:p{i + 1}@example.org",
                  "record:crm", 1.0) for i in range(0, count - 1, 3)]
    rng.shuffle(links)
    started = time.perf_counter()
    resolve(identities, links, key=b"benchmark")
    return time.perf_counter() - started


def graph_resolution(count: int, batch_size: int = 10_000) -> None:
    """Probabilistic identity resolution of ``count`` person records through the product:
    written by the loader's batch writer, then blocking, scoring, writing links and assigning
    customers in Neo4j through the refresh path (a first load: all identities are pending, so
    the refresh resolves the whole population at once); quality against the truth."""
    settings, mapping = load_settings(), load_mapping()
    _wipe()
    truth: dict[str, str] = {}
    began = time.perf_counter()
    with create_driver(settings) as driver:
        records = people(count)
        while chunk := list(islice(records, batch_size)):
            batch = GraphBatch()
            for person in chunk:
                record = CustomerRecord(
                    source="bench", source_id=person.record_id,
                    identities=[IdentityRef(kind="loyalty", network="loyalty",
                                            value=person.record_id)],
                    postcode=person.attributes.get("postcode"),
                    person=person_attributes(person.attributes))
                add_customer_record(batch, record, mapping)
                truth[f"loyalty:loyalty:{person.record_id}"] = person.person
            write_batch(driver, settings, batch)
        _print(f"5. {count:,} person records written (setup, not resolution)",
               f"{time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        counts = refresh(driver, settings).as_dict()
        total = time.perf_counter() - began
        scored = int(run_query(driver, settings, COUNT_SCORED_LINKS,
                               {"rule": PROBABILISTIC_RULE})[0]["n"])
        predicted = {r["identityId"]: r["customerId"] for r in
                     run_query(driver, settings, READ_CUSTOMER_OF_IDENTITIES)}
    precision, recall = pairwise_scores(predicted, truth)
    _print(f"   refresh path over {count:,} new identities in Neo4j",
           f"{total:.1f} s (blocking, scoring, writing {scored:,} scored links, customers, "
           f"journeys and segments) {json.dumps(counts)}")
    _print("   its pairwise quality vs the generator's truth",
           f"precision {precision:.4f}, recall {recall:.4f}")
    _wipe()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--resolution-identities", type=int, default=1_000_000)
    parser.add_argument("--graph-resolution", type=int, default=0, metavar="N",
                        help="only time kg's resolution of N person records in Neo4j")
    parser.add_argument("--graph-batch", type=int, default=10_000, metavar="RECORDS",
                        help="person records per write for --graph-resolution's setup")
    parser.add_argument("--skip-to-end-to-end", type=float, default=None, metavar="RATE",
                        help="skip phases 1-2, using RATE interactions/s as extraction-only")
    parser.add_argument("--sample", type=int, default=10_000, metavar="INTERACTIONS",
                        help="interactions that phases 1 and 2 measure (the first of the corpus)")
    parser.add_argument("--no-cache", action="store_true",
                        help="phase 3 runs `kg load`, extracting, instead of reading the cache")
    parser.add_argument("--extraction-processes", type=int, default=1, metavar="N",
                        help="processes that fill a missing extraction cache")
    args = parser.parse_args()
    # The refresh path logs how long its whole-population phases took.
    logging.basicConfig(format="   %(message)s", stream=sys.stdout)
    logging.getLogger("kg.derivation.refresh").setLevel(logging.INFO)
    if args.graph_resolution:
        graph_resolution(args.graph_resolution, batch_size=args.graph_batch)
        return
    settings = load_settings()
    mapping = load_mapping()
    spec = CorpusSpec.for_size(args.interactions, args.customers)
    nlp = build_pipeline(settings)
    started = time.perf_counter()
    corpus = prepare(spec, nlp, settings, processes=args.extraction_processes)
    filled = corpus.filled
    _print("0. corpus and extraction cache",
           f"{corpus.folder} ({spec.interactions:,} interactions, {spec.customers:,} "
           f"customers); {filled.records:,} extracted now ({filled.chunks_done_before} of "
           f"{filled.chunks} chunks cached before) in {time.perf_counter() - started:.0f} s")
    if filled.records:
        phase_timings.record("extraction cache fill", args.interactions,
                             filled.seconds * args.interactions / filled.records)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-load-"))
    if args.skip_to_end_to_end:
        extraction_rate = args.skip_to_end_to_end
    else:
        extraction_rate = measure_phases_1_and_2(corpus, work, nlp, args.batch_size,
                                                 args.sample)
    end_to_end(corpus, work, args, extraction_rate, mapping)
    corpus.cache.close()


def _first_records(corpus: Path, count: int, work: Path) -> tuple[Path, int]:
    """The first ``count`` lines of the corpus, as a file of their own, and how many."""
    sample = work / "sample.jsonl"
    with corpus.open(encoding="utf-8") as source, sample.open("w", encoding="utf-8") as out:
        lines = list(islice(source, count))
        out.writelines(lines)
    return sample, len(lines)


def measure_phases_1_and_2(corpus: PreparedCorpus, work: Path, nlp: Language, batch_size: int,
                           sample_size: int) -> float:
    settings, mapping = load_settings(), load_mapping()
    sample, sample_size = _first_records(corpus.folder / "interactions.jsonl", sample_size,
                                         work)
    texts: list[tuple[str, object]] = [
        (str(n), item.record.text) for n, item in
        enumerate(ADAPTERS["jsonl"](sample, AdapterOptions()))
        if isinstance(item, Loaded) and isinstance(item.record, InteractionRecord)
        and item.record.text]
    started = time.perf_counter()
    for _ in extract(nlp, texts, settings):
        pass
    extraction_rate = len(texts) / (time.perf_counter() - started)
    _print("1. extraction only", f"{extraction_rate:,.0f} interactions/s "
           f"(first {len(texts):,} interactions)")
    del texts

    _wipe()
    written_rows, write_seconds = 0, 0.0
    extractor = CachedExtractor(corpus.cache, nlp, settings)
    with create_driver(settings) as driver, DeadLetters(work / "dead-writes.jsonl") as dead:
        items = ADAPTERS["jsonl"](sample, AdapterOptions())
        while chunk := list(islice(items, batch_size)):
            batch = build_batch(chunk, nlp, settings, mapping, dead.add, extractor=extractor)
            began = time.perf_counter()
            write_batch(driver, settings, batch)
            write_seconds += time.perf_counter() - began
            written_rows += batch.row_count()
    _print("2. graph writes alone", f"{written_rows / write_seconds:,.0f} rows/s "
           f"({written_rows:,} rows of the first {sample_size:,} interactions in "
           f"{write_seconds:.1f} s, batch {batch_size})")
    return extraction_rate


def end_to_end(corpus: PreparedCorpus, work: Path, args: argparse.Namespace,
               extraction_rate: float, mapping: GraphMapping) -> None:
    settings = load_settings()
    folder = corpus.folder
    _wipe()
    began = time.perf_counter()
    for source, path in (("crm", folder / "crm.csv"), ("jsonl", folder / "interactions.jsonl")):
        loader = (["-m", "kg", "load"] if args.no_cache else
                  ["-m", "bench.cached_load", "--cache", str(corpus.cache.path)])
        done = subprocess.run([sys.executable, *loader, source, str(path), "--no-derive",
                               "--batch-size", str(args.batch_size),
                               "--dead-letters", str(work / f"dead-{source}.jsonl")],
                              check=True, capture_output=True, text=True)
        if not args.no_cache:
            _print(f"   {source}", done.stdout.strip())
    load_seconds = time.perf_counter() - began
    phase_timings.record("bench_load: end-to-end load" +
                         ("" if args.no_cache else " (cached extraction)"),
                         args.interactions, load_seconds)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rate = args.interactions / load_seconds
    how = ("`kg load`, extracting" if args.no_cache else
           "the product's load with extraction READ FROM THE CACHE, not extracted")
    _print("3. end to end, load (crm + interactions)",
           f"{rate:,.0f} interactions/s = {rate / extraction_rate:.2f}x extraction-only "
           f"({how}); loader peak RSS {peak:,.0f} MiB")
    began = time.perf_counter()
    with create_driver(settings) as driver:
        derived: dict[str, int | float] = dict(derive_everything(driver, settings).as_dict())
        derived["derivation seconds"] = round(time.perf_counter() - began, 1)
        mirror_began = time.perf_counter()
        derived["mirror triples"] = rebuild(open_sink(settings.rdf_store), driver, settings,
                                            mapping)
        derived["mirror seconds"] = round(time.perf_counter() - mirror_began, 1)
        predicted = {r["identityId"]: r["customerId"] for r in
                     run_query(driver, settings, READ_CUSTOMER_OF_IDENTITIES)}
    derive_seconds = time.perf_counter() - began
    phase_timings.record("bench_load: derived steps and mirror", args.interactions,
                         derive_seconds)
    _print("   derived steps (resolution, cases, mirror)",
           f"{derive_seconds:.1f} s {json.dumps(derived)}")
    precision, recall = pairwise_scores(predicted, read_truth(corpus.folder / "truth" /
                                                              "identities.csv"))
    _print("4. identity resolution vs ground truth",
           f"precision {precision:.4f}, recall {recall:.4f}")
    seconds = one_million_identities(args.resolution_identities)
    _print(f"   resolve() on {args.resolution_identities:,} identities", f"{seconds:.1f} s")


if __name__ == "__main__":
    main()
