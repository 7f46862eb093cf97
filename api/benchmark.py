"""``scripts/bench_api``: 360° view latency and throughput, and SPARQL against plain rdflib.

Runs against the graph and mirror in the environment (``scripts/bench_api`` points at the
benchmark Neo4j that ``scripts/bench_load`` filled). The API runs as ``kg serve`` in its own
process; a client process sends requests at concurrency 1 and 16 for a fixed number of
requests and reports p50/p99 latency and requests/s. Then five analyst SPARQL queries run on
the Oxigraph mirror and on an rdflib in-memory graph holding the same data triples.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox
import rdflib

from kg.graph.driver import create_driver, run_query
from kg.rdf.mirror import DATA_GRAPH, ONTOLOGY_GRAPH
from kg.settings import load_settings

KEY = "bench-key"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
QUERIES = {
    "interactions per concept": """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
        SELECT ?k (COUNT(?i) AS ?n) WHERE { ?i ckg:aboutConcept ?k } GROUP BY ?k
        ORDER BY DESC(?n) LIMIT 10""",
    "mean polarity per channel": """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
        SELECT ?c (AVG(?s) AS ?mean) WHERE { ?i ckg:viaChannel ?c ; ckg:hasOpinion ?o .
        ?o ckg:polarityScore ?s FILTER(STRENDS(STR(?o), "%3Amessage")) } GROUP BY ?c""",
    "negative aspects": """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
        SELECT ?k (COUNT(?o) AS ?n) WHERE { ?o ckg:aboutAspect ?k ; ckg:polarity "negative" }
        GROUP BY ?k ORDER BY DESC(?n) LIMIT 10""",
    "one customer's interactions": """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
        SELECT ?i ?t WHERE { <CUSTOMER> ckg:hasIdentity ?x . ?i ckg:authoredBy ?x ;
        ckg:occurredAt ?t } ORDER BY DESC(?t)""",
    "open cases per customer": """PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
        SELECT ?c (COUNT(?k) AS ?n) WHERE { ?k ckg:caseOf ?c ; ckg:caseStatus "open" }
        GROUP BY ?c ORDER BY DESC(?n) LIMIT 10""",
}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per SPARQL query")
    parser.add_argument("--sparql-only", action="store_true", help="skip the 360 view load")
    parser.add_argument("--views-only", action="store_true", help="skip the SPARQL comparison")
    args = parser.parse_args()
    settings = load_settings()
    with create_driver(settings) as driver:
        ids = [r["id"] for r in run_query(driver, settings, """
            MATCH (c:Customer)-[:HAS_IDENTITY]->()<-[:AUTHORED_BY]-(:Interaction)
            RETURN DISTINCT c.customerId AS id ORDER BY id LIMIT 2000""")]
        interactions = run_query(driver, settings,
                                 "MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"]
        summaries = run_query(driver, settings,
                              "MATCH (s:CustomerSummary) RETURN count(s) AS n")[0]["n"]
    print(f"graph: {interactions:,} interactions, {summaries:,} customer summaries, "
          f"{len(ids):,} customers sampled", flush=True)
    if ids and not summaries:
        sys.exit("the graph has no customer summaries (loaded by an older version): "
                 "run `kg derive --all` first")
    if not args.sparql_only:
        views(ids, args.requests, args.workers)
    if not args.views_only:
        sparql(settings.rdf_store, ids[0], args.repeat)


def views(ids: list[str], requests: int, workers: int) -> None:
    port = _port()
    env = {**os.environ, "KG_API_KEYS": f'{{"{KEY}": "admin"}}'}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "kg_api.main:create_app",
                               "--factory", "--port", str(port), "--workers",
                               str(workers), "--log-level", "warning"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        asyncio.run(_load(base, ids, 4, 40))  # warm-up
        for concurrency in (1, 16):
            began = time.perf_counter()
            latencies = asyncio.run(_load(base, ids, concurrency, requests))
            seconds = time.perf_counter() - began
            ordered = sorted(latencies)
            print(f"360 view, concurrency {concurrency:>2}: p50 "
                  f"{statistics.median(ordered) * 1000:7.1f} ms, p99 "
                  f"{ordered[int(len(ordered) * 0.99) - 1] * 1000:7.1f} ms, "
                  f"{len(latencies) / seconds:6.1f} requests/s", flush=True)
        process = psutil.Process(server.pid)
        rss = [p.memory_info().rss for p in process.children() or [process]]
        print(f"API worker RSS after the runs: max {max(rss) / 2**20:.0f} MiB over "
              f"{len(rss)} worker(s)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def sparql(store_path: Path, customer: str, repeat: int) -> None:
    store = ox.Store.read_only(str(store_path))
    customer_iri = f"https://w3id.org/customer-kg/id/customer/{customer}"
    began = time.perf_counter()
    graph = rdflib.Graph()
    for quad in store.quads_for_pattern(None, None, None, DATA_GRAPH):
        graph.add((_rdflib(quad.subject), _rdflib(quad.predicate), _rdflib(quad.object)))
    print(f"rdflib in-memory graph: {len(graph):,} triples loaded in "
          f"{time.perf_counter() - began:.0f} s (ontology graph {ONTOLOGY_GRAPH.value} "
          "left out of both)", flush=True)
    for name, text in QUERIES.items():
        query = text.replace("CUSTOMER", customer_iri)
        oxigraph = _best(lambda q=query: list(store.query(q, default_graph=DATA_GRAPH)),  # type: ignore[arg-type]
                         repeat)
        plain = _best(lambda q=query: list(graph.query(q)), repeat)
        print(f"SPARQL {name:<28} oxigraph {oxigraph * 1000:9.1f} ms   rdflib "
              f"{plain * 1000:10.1f} ms   {plain / oxigraph:6.1f}x", flush=True)


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
