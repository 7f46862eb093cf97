"""``scripts/bench_api``: 360° view latency and throughput, and the five analyst questions.

Runs against the graph and mirror in the environment (``scripts/bench_api`` points at the
benchmark Neo4j that ``scripts/bench_load`` filled). The API runs as ``kg serve`` in its own
process; a client process sends requests at concurrency 1 and 16 for a fixed number of
requests and reports p50/p99 latency and requests/s, for two groups of customers: typical
ones (up to 2,000 customers with interactions, by id) and the heaviest 1% (the customers with
the most interactions, from their summaries' ``interactionCount``), whose view has the longest
journey and the most cases; then the API worker's RSS. Then the five analyst questions
(:mod:`kg.analyst_questions`) run in SPARQL on the Oxigraph mirror, in SPARQL on an rdflib
in-memory graph holding the same data triples, and in Cypher on Neo4j; each run's answer is
checked against the Cypher answer, so a figure never belongs to a wrong result.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, LiteralString

import httpx
import psutil
import pyoxigraph as ox
import rdflib
from rdflib.query import ResultRow

from bench import phase_timings
from bench.graphs import COUNT_INTERACTIONS, COUNT_SUMMARIES
from bench.serving import free_port, percentile, start_server, stop_server
from kg.analyst_questions import (
    QUESTIONS,
    AnalystQuestion,
    Row,
    Value,
    ask_graph,
    ask_mirror,
    same_answer,
)
from kg.graph.driver import create_driver, run_query
from kg.rdf.mirror import DATA_GRAPH, ONTOLOGY_GRAPH
from kg.settings import Settings, load_settings

KEY = "bench-key"
# Typical customers: up to 2,000 with interactions, by id.
CUSTOMERS_WITH_INTERACTIONS: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->()<-[:AUTHORED_BY]-(:Interaction)
RETURN DISTINCT c.customerId AS id ORDER BY id LIMIT 2000
"""
# Every customer's interaction count, from the summaries, heaviest first.
INTERACTION_COUNTS: Final[LiteralString] = """
MATCH (s:CustomerSummary) WHERE s.interactionCount > 0
RETURN s.summaryOf AS id, s.interactionCount AS n ORDER BY n DESC, id
"""
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


async def _load(base: str, ids: list[str], concurrency: int, requests: int) -> list[float]:
    latencies: list[float] = []
    queue = [ids[n % len(ids)] for n in range(requests)]
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": KEY}, timeout=60) as client:
        async def worker() -> None:
            while queue:
                customer = queue.pop()
                began = time.perf_counter()
                response = await client.get(f"/customers/{customer}/360")
                latencies.append(time.perf_counter() - began)
                response.raise_for_status()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1,
                        help="API worker processes (1: the process that serves the API owns "
                             "the embedded RDF mirror, and a second one cannot open it)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per analyst question")
    parser.add_argument("--sparql-only", action="store_true",
                        help="skip the 360 view load (only the analyst questions)")
    parser.add_argument("--views-only", action="store_true",
                        help="skip the analyst questions")
    parser.add_argument("--rdflib-max-triples", type=int, default=10_000_000, metavar="N",
                        help="skip SPARQL on rdflib above N mirror triples (it holds them all "
                             "in memory)")
    args = parser.parse_args()
    settings = load_settings()
    with create_driver(settings) as driver:
        ids = [r["id"] for r in run_query(driver, settings, CUSTOMERS_WITH_INTERACTIONS)]
        counts = [(r["id"], int(r["n"])) for r in run_query(driver, settings,
                                                            INTERACTION_COUNTS)]
        interactions = run_query(driver, settings, COUNT_INTERACTIONS)[0]["n"]
        summaries = run_query(driver, settings, COUNT_SUMMARIES)[0]["n"]
    print(f"graph: {interactions:,} interactions, {summaries:,} customer summaries, "
          f"{len(ids):,} customers sampled; Neo4j store "
          f"{_megabytes(settings.neo4j_home / 'data' / 'databases')} MiB on disk (page cache "
          f"{settings.neo4j_pagecache}, heap {settings.neo4j_heap})", flush=True)
    if ids and not summaries:
        sys.exit("the graph has no customer summaries (loaded by an older version): "
                 "run `kg derive --all` first")
    if not ids:
        sys.exit("the graph has no customers with interactions: run scripts/bench_load first")
    began = time.perf_counter()
    if not args.sparql_only:
        groups = customer_groups(ids, counts)
        views(groups, args.requests, args.workers)
        phase_timings.record("bench_api: 360 views", interactions,
                             time.perf_counter() - began, per_interaction=False)
    if not args.views_only:
        began = time.perf_counter()
        questions(settings, ids[0], args.repeat, args.rdflib_max_triples)
        phase_timings.record("bench_api: analyst questions", interactions,
                             time.perf_counter() - began)


def heaviest(counts: list[tuple[str, int]], share: float = 0.01) -> list[tuple[str, int]]:
    """The top ``share`` of customers by interactions (at least one), heaviest first."""
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0]))
    return ordered[:max(1, round(len(ordered) * share))] if ordered else []


def customer_groups(ids: list[str], counts: list[tuple[str, int]]
                    ) -> list[tuple[str, list[str]]]:
    """The typical sample and the heaviest 1%, each named with its interactions per customer."""
    per_customer = dict(counts)
    typical = sorted(per_customer.get(customer, 0) for customer in ids)
    groups = [(f"typical customers ({len(ids):,}, median "
               f"{statistics.median(typical):.0f} interactions)", ids)]
    heavy = heaviest(counts)
    if heavy:
        spread = (f"{heavy[0][1]:,}" if heavy[0][1] == heavy[-1][1] else
                  f"{heavy[-1][1]:,}-{heavy[0][1]:,}")
        groups.append((f"heaviest 1% ({len(heavy):,} of {len(counts):,} customers, {spread} "
                       "interactions each)", [customer for customer, _ in heavy]))
    return groups


def views(groups: list[tuple[str, list[str]]], requests: int, workers: int) -> None:
    port = free_port()
    server = start_server(port, keys={KEY: "admin"}, workers=workers, timeout=60)
    try:
        base = f"http://127.0.0.1:{port}"
        for name, ids in groups:
            print(f"360 view of {name}:", flush=True)
            # Warm-up: every sampled customer once, so the measured requests read a warm
            # page cache, as a server that has been up a while does.
            asyncio.run(_load(base, ids, 4, len(ids)))
            for concurrency in (1, 16):
                began = time.perf_counter()
                latencies = asyncio.run(_load(base, ids, concurrency, requests))
                seconds = time.perf_counter() - began
                print(f"360 view, concurrency {concurrency:>2}: p50 "
                      f"{statistics.median(latencies) * 1000:7.1f} ms, p99 "
                      f"{percentile(latencies, 0.99) * 1000:7.1f} ms, "
                      f"{len(latencies) / seconds:6.1f} requests/s", flush=True)
        process = psutil.Process(server.pid)
        rss = [p.memory_info().rss for p in process.children() or [process]]
        print(f"API worker RSS after the runs: max {max(rss) / 2**20:.0f} MiB over "
              f"{len(rss)} worker(s)", flush=True)
    finally:
        stop_server(server, timeout=30)


def questions(settings: Settings, customer: str, repeat: int, rdflib_max_triples: int) -> None:
    """Each analyst question on the mirror, on rdflib and on Neo4j, best of ``repeat``."""
    store = ox.Store.read_only(str(settings.rdf_store))
    solutions = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                            default_graph=DATA_GRAPH)
    assert isinstance(solutions, ox.QuerySolutions)
    [counted] = list(solutions)
    count = counted["n"]
    assert isinstance(count, ox.Literal)
    triples = int(count.value)  # counted in the store, not in Python
    graph: rdflib.Graph | None = None
    if triples > rdflib_max_triples:
        print(f"rdflib left out: {triples:,} triples is over --rdflib-max-triples "
              f"{rdflib_max_triples:,} (it would hold them all in memory)", flush=True)
    else:
        began = time.perf_counter()
        graph = rdflib.Graph()
        for quad in store.quads_for_pattern(None, None, None, DATA_GRAPH):
            graph.add((_rdflib(quad.subject), _rdflib(quad.predicate), _rdflib(quad.object)))
        print(f"rdflib in-memory graph: {len(graph):,} triples loaded in "
              f"{time.perf_counter() - began:.0f} s (ontology graph {ONTOLOGY_GRAPH.value} "
              "left out of both)", flush=True)
    arguments = {"customerId": customer}
    with create_driver(settings) as driver:
        for question in QUESTIONS:
            cypher_rows = ask_graph(driver, settings, question, arguments)
            oxigraph_rows = ask_mirror(store, question, DATA_GRAPH, arguments)
            rdflib_rows = None if graph is None else _ask_rdflib(graph, question, arguments)
            agree = "same answer" if same_answer(cypher_rows, oxigraph_rows) and (
                rdflib_rows is None or same_answer(cypher_rows, rdflib_rows)) \
                else "ANSWERS DIFFER"
            neo4j_s = _best(lambda q=question: ask_graph(driver, settings, q, arguments),
                            repeat)
            oxigraph_s = _best(lambda q=question: ask_mirror(store, q, DATA_GRAPH, arguments),
                               repeat)
            rdflib_part = "SPARQL rdflib (left out)"
            if graph is not None:
                rdflib_s = _best(lambda q=question, g=graph: _ask_rdflib(g, q, arguments),
                                 repeat)
                rdflib_part = (f"SPARQL rdflib {rdflib_s * 1000:10.1f} ms "
                               f"({rdflib_s / oxigraph_s:6.1f}x)")
            print(f"{question.name:<30} {len(cypher_rows):>5} rows  SPARQL oxigraph "
                  f"{oxigraph_s * 1000:9.1f} ms   {rdflib_part}   Cypher neo4j "
                  f"{neo4j_s * 1000:9.1f} ms   {agree}", flush=True)


def _ask_rdflib(graph: rdflib.Graph, question: AnalystQuestion,
                arguments: dict[str, str]) -> list[Row]:
    """The question's SPARQL form on the in-memory rdflib graph."""
    bindings = {name: rdflib.Literal(arguments[name]) for name in question.parameters}
    rows: list[Row] = []
    for row in graph.query(question.sparql, initBindings=bindings):
        if not isinstance(row, ResultRow):
            raise TypeError(f"{question.name}: a SELECT query was expected")
        bound = row.asdict()
        rows.append(tuple(_plain(bound.get(name)) for name in question.columns))
    return rows


def _plain(value: object) -> Value:
    """An rdflib result value as the Python value the other two engines give."""
    if isinstance(value, rdflib.Literal):
        native = value.toPython()
        if isinstance(native, Decimal):
            return float(native)
        if isinstance(native, str | int | float | datetime | bool):
            return native
        return str(value)
    return None if value is None else str(value)


def _megabytes(folder: Path) -> int:
    """Bytes of the store files, which the page cache should hold whole."""
    files = (path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else ()
    return sum(path.stat().st_size for path in files) // (1 << 20)


def _best(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def _rdflib(term: object) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # a simple literal, as rdflib expects it
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    raise ValueError(f"Unexpected term: {term!r}")


if __name__ == "__main__":
    main()
