"""``scripts/bench_ingest``: what one change costs on graphs of growing size.

For each size: a generated corpus is loaded (``kg load``'s code, deriving after each batch,
with extraction read from the benchmarks' cache, :mod:`bench.extraction_cache`, unless
``--no-cache``); 1,000 new records are loaded into it (and, once, into an empty graph, for the
ratio; both extracting); then ``kg serve`` runs in its own process and a client measures
``POST /interactions`` of one message (p50/p99, including extraction, derivation and the
mirror), ``DELETE /customers/{id}``, and the mirror lag reported by the API under a sustained
ingest at a fixed rate.

``--reuse`` builds nothing: it measures the same on the graph in the environment (the one
``scripts/bench_load`` left) and prints its size. The empty-graph load then runs first, on a
second small Neo4j of its own (``KG_BENCH_EMPTY_HOME``, Bolt port ``KG_BENCH_EMPTY_BOLT_PORT``;
Neo4j Community has one user database), started and stopped here, so the reused graph is never
wiped. The measurements add records to the reused graph and erase customers from it.
``--api-only`` (with ``--reuse``) skips the two loads, so it may run on a graph measured
before: its messages have ids of their own. ``--load-again`` (with ``--reuse``) loads another
1,000 new records right after the measured load: the first load after a Neo4j start reads a
cold page cache, the second shows the same load on a warm one.

``--warm-up N`` exercises each measured path once before measuring it: N messages one at a
time, one erasure (of a customer outside the measured sample) and a burst of N messages at the
sustained rate. The first requests of each kind after a Neo4j start pay for query planning,
the JVM's compilation and cold caches, which a server that has been up a while has paid
already; the warm-up's own figures are printed on their own lines, never mixed into the
measured ones.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final, LiteralString

import httpx

from bench import phase_timings
from bench.extraction_cache import CachedExtractor, CorpusSpec, prepare
from bench.graphs import COUNT_CUSTOMERS, COUNT_INTERACTIONS, reset_graph
from bench.serving import free_port, percentile, start_server, stop_server
from kg.extraction.pipeline import build_pipeline
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.ingestion.generator import generate
from kg.ingestion.loader import Extractor
from kg.neo4j_local import server
from kg.neo4j_local.install import install
from kg.ontology.mapping import load_mapping
from kg.services.ingest import load
from kg.settings import Settings, load_settings

KEY = "bench-key"
# The messages' 500 authors and their order numbers are this run's own: reused across runs,
# their customers and cases would grow with every run on the same graph (every message of an
# author is dated alike, so each joins one case, and messages naming one order share a case
# whoever wrote them), and a later run would measure bigger neighbourhoods than an earlier one.
RUN = f"{time.time_ns():x}"
ORDER_PREFIX = "R" + RUN[-6:].upper()  # a letter first: never read as a phone number


# Interactions an earlier measurement added (its sources), which a reused graph must not hold.
COUNT_MEASURED: Final[LiteralString] = """
MATCH (i:Interaction)
WHERE i.sourceSystem IN ['bench-new', 'bench-new-again', 'bench-live']
RETURN count(i) AS n
"""


def _print(name: str, value: str) -> None:
    print(f"{name:<58} {value}", flush=True)


def _wipe(settings: Settings) -> None:
    with create_driver(settings) as driver:
        reset_graph(driver, settings, mirror=True)


def _load(settings: Settings, folder: Path, files: list[str], batch: int,
          extractor: Extractor | None = None, dead: Path | None = None) -> float:
    nlp = build_pipeline(settings)
    began = time.perf_counter()
    with create_driver(settings) as driver:
        for name in files:
            source = "crm" if name.endswith(".csv") else "jsonl"
            load(source, [folder / name], driver=driver, settings=settings, nlp=nlp,
                 mapping=load_mapping(), dead_letters=(dead or folder) / f"dead-{name}.jsonl",
                 batch_size=batch, extractor=extractor)
    return time.perf_counter() - began


def _graph_size(settings: Settings) -> tuple[int, int]:
    """Interactions and customers in the graph."""
    with create_driver(settings) as driver:
        interactions = int(run_query(driver, settings, COUNT_INTERACTIONS)[0]["n"])
        customers = int(run_query(driver, settings, COUNT_CUSTOMERS)[0]["n"])
    return interactions, customers


def _empty_graph_load(settings: Settings, fresh: Path, args: argparse.Namespace) -> float:
    """``kg load`` of the new records into an empty graph on a second, small Neo4j."""
    empty = settings.model_copy(update={
        "neo4j_home": Path(os.environ.get("KG_BENCH_EMPTY_HOME", ".kg/neo4j-bench-empty")),
        "neo4j_bolt_port": int(os.environ.get("KG_BENCH_EMPTY_BOLT_PORT", "7699")),
        "neo4j_heap": "512m", "neo4j_pagecache": "256m",
        "rdf_store": Path(tempfile.mkdtemp(prefix="kg-bench-empty-rdf-")) / "mirror"})
    empty = empty.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{empty.neo4j_bolt_port}"})
    install(empty)
    server.start(empty)
    try:
        _wipe(empty)
        return _load(empty, fresh, ["new.jsonl"], args.batch_size)
    finally:
        server.stop(empty)
        shutil.rmtree(empty.rdf_store.parent, ignore_errors=True)


def _reuse(settings: Settings, fresh: Path, args: argparse.Namespace) -> None:
    interactions, customers = _graph_size(settings)
    if not interactions:
        sys.exit(f"the graph at {settings.neo4j_uri} has no interactions: run "
                 "scripts/bench_load --interactions N first")
    with create_driver(settings) as driver:
        measured_before = int(run_query(driver, settings, COUNT_MEASURED)[0]["n"])
    if args.api_only:
        _print("reused graph (left by scripts/bench_load), loads skipped",
               f"{interactions:,} interactions, {customers:,} customers")
        _measure_api(settings, args, interactions)
        return
    if measured_before:
        sys.exit(f"the graph at {settings.neo4j_uri} was measured before ({measured_before:,} "
                 "interactions from an earlier bench_ingest): its new records would merge onto "
                 "themselves. Run scripts/bench_load --interactions N again first")
    _print("reused graph (left by scripts/bench_load)",
           f"{interactions:,} interactions, {customers:,} customers")
    empty = _empty_graph_load(settings, fresh, args)
    _print(f"kg load of {args.new_records:,} new records into an empty graph "
           f"(second server)", f"{empty:.1f} s")
    into = _load(settings, fresh, ["new.jsonl"], args.batch_size)
    phase_timings.record("bench_ingest: kg load of new records into it", interactions, into,
                         per_interaction=False)
    _print(f"   kg load of {args.new_records:,} new records into it",
           f"{into:.1f} s = {into / empty:.2f}x the empty graph")
    if args.load_again:
        # The first load after a Neo4j start reads a cold page cache; a second batch right
        # after it shows the same load as a server that has been up a while runs it.
        again = _new_records(fresh.parent / "again", args.new_records, seed=98,
                             source="bench-new-again")
        into = _load(settings, again, ["new.jsonl"], args.batch_size)
        _print(f"   kg load of {args.new_records:,} more new records into it, right after",
               f"{into:.1f} s = {into / empty:.2f}x the empty graph")
    _measure_api(settings, args, interactions)


def _new_records(folder: Path, count: int, seed: int = 99, source: str = "bench-new") -> Path:
    """``count`` records of a fresh corpus under a source name of their own."""
    fresh = folder / "fresh"
    generate(fresh, customers=max(20, count // 8), interactions=count, seed=seed)
    lines = []
    for line in (fresh / "interactions.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["source"] = source
        lines.append(json.dumps(record))
    (fresh / "new.jsonl").write_text("\n".join(lines) + "\n")
    return fresh


def _message(number: int) -> dict[str, object]:
    return {"source": "bench-live", "source_id": f"m{number}-{time.time_ns()}",
            "kind": "ChatSession", "channel": "chat",
            "occurred_at": "2025-06-01T10:00:00Z",
            "text": (f"Still waiting for my refund for order {ORDER_PREFIX}-{number}, "
                     "third email now"),
            "author": {"kind": "email", "value": f"live{number % 500}.{RUN}@example.org"}}


def _measure_api(settings: Settings, args: argparse.Namespace, size: int) -> None:
    port = free_port()
    started = time.perf_counter()
    api = start_server(port, keys={KEY: "admin"},
                       extra_env={"KG_RDF_STORE": str(settings.rdf_store)})
    _print("   kg serve up (mirror owned, built if missing)",
           f"{time.perf_counter() - started:.1f} s")
    phase_timings.record("bench_ingest: kg serve start", size, time.perf_counter() - started,
                         per_interaction=False)
    measured_from = time.perf_counter()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                          headers={"X-API-Key": KEY}) as client:
            # The first message is dated after the whole corpus: it moves the graph's newest
            # time, and the inactivity line with it, past part of the customer base.
            began = time.perf_counter()
            first = client.post("/interactions", json=_message(0))
            first.raise_for_status()
            _print("   first POST after kg serve starts (after a load: moves the inactivity "
                   "line)",
                   f"{(time.perf_counter() - began) * 1000:.0f} ms, "
                   f"mirrored: {first.json()['mirrored']}")
            with create_driver(settings) as driver:
                customers = sorted(r["customerId"] for r in run_query(
                    driver, settings, queries.READ_CUSTOMER_IDS))
            sample = random.Random(5).sample(customers, args.erasures)  # noqa: S311
            if args.warm_up:
                measured = set(sample)
                _warm_up(client, args, [c for c in customers if c not in measured])
            latencies, unmirrored = [], 0
            for number in range(args.warm_up + 1, args.warm_up + args.posts + 1):
                began = time.perf_counter()
                response = client.post("/interactions", json=_message(number))
                response.raise_for_status()
                latencies.append((time.perf_counter() - began) * 1000)
                unmirrored += not response.json()["mirrored"]
            _print("   POST /interactions, one message (p50 / p99)",
                   f"{statistics.median(latencies):.0f} / {percentile(latencies, .99):.0f} ms; "
                   f"{unmirrored} of {args.posts} answered before the mirror had them")
            erase = []
            for customer in sample:
                began = time.perf_counter()
                client.delete(f"/customers/{customer}").raise_for_status()
                erase.append((time.perf_counter() - began) * 1000)
            _print("   DELETE /customers/{id} (p50 / max)",
                   f"{statistics.median(erase):.0f} / {max(erase):.0f} ms "
                   f"(in order: {', '.join(f'{ms:.0f}' for ms in erase)})")
            _sustained(client, args)
    finally:
        stop_server(api, timeout=120)
    phase_timings.record("bench_ingest: POST, DELETE and sustained ingest", size,
                         time.perf_counter() - measured_from, per_interaction=False)


def _warm_up(client: httpx.Client, args: argparse.Namespace, spare: list[str]) -> None:
    """Each measured path once before it is measured (see the module's docstring)."""
    for number in range(1, args.warm_up + 1):
        client.post("/interactions", json=_message(number)).raise_for_status()
    if spare:
        customer = random.Random(6).choice(spare)  # noqa: S311
        began = time.perf_counter()
        client.delete(f"/customers/{customer}").raise_for_status()
        _print("   warm-up: first erasure after kg serve starts",
               f"{(time.perf_counter() - began) * 1000:.0f} ms")
    lags, failures = _at_rate(client, 20_000, args.warm_up, args.rate)
    _print(f"   warm-up: first burst of {args.warm_up} messages at {args.rate:g}/s",
           f"mirror lag max {max(lags, default=0):.0f} ms; {failures} failed or not mirrored")


def _at_rate(client: httpx.Client, first: int, total: int, rate: float
             ) -> tuple[list[float], int]:
    """POST ``total`` messages at ``rate`` per second from 16 threads: the mirror lags of
    those answered mirrored, and how many failed or were answered unmirrored."""
    lags: list[float] = []
    failures = 0

    def send(number: int) -> None:
        nonlocal failures
        response = client.post("/interactions", json=_message(first + number))
        if response.status_code != 200 or not response.json()["mirrored"]:
            failures += 1
        else:
            lags.append(response.json()["mirrorLagMs"])

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for number in range(total):
            delay = began + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, number)
    return lags, failures


def _sustained(client: httpx.Client, args: argparse.Namespace) -> None:
    total = int(args.rate * args.seconds)
    lags, failures = _at_rate(client, 10_000, total, args.rate)
    _print(f"   mirror lag at {args.rate:g} messages/s for {args.seconds:g} s (p50 / p99)",
           f"{statistics.median(lags):.0f} / {percentile(lags, .99):.0f} ms; "
           f"{failures} of {total} failed or not mirrored")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--new-records", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--erasures", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warm-up", type=int, default=0, metavar="N",
                        help="before measuring: N messages, one erasure and a burst of N "
                             "messages at the sustained rate (reported on their own)")
    parser.add_argument("--load-again", action="store_true",
                        help="with --reuse: after the measured load, load as many other new "
                             "records again (the same load on a warm page cache)")
    parser.add_argument("--api-only", action="store_true",
                        help="with --reuse: skip both loads, measure the API only")
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the graph already loaded (scripts/bench_load's), "
                             "building none")
    parser.add_argument("--no-cache", action="store_true",
                        help="extract each corpus while loading it, instead of reading the "
                             "extraction cache")
    parser.add_argument("--extraction-processes", type=int, default=1, metavar="N",
                        help="processes that fill a missing extraction cache")
    args = parser.parse_args()
    settings = load_settings()
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    fresh = _new_records(folder, args.new_records)
    if args.api_only and not args.reuse:
        parser.error("--api-only measures a graph already built: use it with --reuse")
    if args.load_again and (args.api_only or not args.reuse):
        parser.error("--load-again repeats the load into a reused graph: use it with --reuse "
                     "and without --api-only")
    if args.reuse:
        _reuse(settings, fresh, args)
        return
    _wipe(settings)
    empty = _load(settings, fresh, ["new.jsonl"], args.batch_size)
    _print(f"kg load of {args.new_records:,} new records into an empty graph", f"{empty:.1f} s")
    for size in args.sizes:
        _wipe(settings)
        spec = CorpusSpec.for_size(size)
        extractor: Extractor | None = None
        how = "extracting"
        if args.no_cache:
            corpus = folder / f"corpus-{size}"
            generate(corpus, customers=spec.customers, interactions=size, seed=spec.seed)
        else:
            nlp = build_pipeline(settings)
            prepared = prepare(spec, nlp, settings, processes=args.extraction_processes)
            corpus, extractor = prepared.folder, CachedExtractor(prepared.cache, nlp, settings)
            _print(f"{size:,} interactions: corpus and extraction cache",
                   f"{prepared.filled.records:,} extracted now in "
                   f"{prepared.filled.seconds:.0f} s ({prepared.folder})")
            how = "extraction read from the cache"
        seconds = _load(settings, corpus, ["crm.csv", "interactions.jsonl"], args.batch_size,
                        extractor=extractor, dead=folder)
        phase_timings.record(f"bench_ingest: load with derivation ({how})", size, seconds)
        _print(f"{size:,} interactions: load with derivation and mirror ({how})",
               f"{seconds:.0f} s ({size / seconds:,.0f} interactions/s)")
        into = _load(settings, fresh, ["new.jsonl"], args.batch_size)
        _print(f"   kg load of {args.new_records:,} new records into it",
               f"{into:.1f} s = {into / empty:.2f}x the empty graph")
        _measure_api(settings, args, size)


if __name__ == "__main__":
    main()
