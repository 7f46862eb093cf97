"""``scripts/bench_ingest``: what one change costs on graphs of growing size.

For each size: a generated corpus is loaded (``kg load``'s code, deriving after each batch);
1,000 new records are loaded into it (and, once, into an empty graph, for the ratio); then
``kg serve`` runs in its own process and a client measures ``POST /interactions`` of one
message (p50/p99, including extraction, derivation and the mirror), ``DELETE /customers/{id}``,
and the mirror lag reported by the API under a sustained ingest at a fixed rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from kg.extraction.pipeline import build_pipeline
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.graph.schema import init_schema, seed_reference_data
from kg.ingestion.service import load
from kg.ontology.mapping import load_mapping
from kg.settings import Settings, load_settings
from kg.tooling.generator import generate

KEY = "bench-key"


def _print(name: str, value: str) -> None:
    print(f"{name:<58} {value}", flush=True)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _wipe(settings: Settings) -> None:
    with create_driver(settings) as driver, driver.session() as session:
        session.run(queries.DELETE_ALL_RELATIONSHIPS).consume()
        session.run(queries.DELETE_ALL).consume()
        init_schema(driver, settings, load_mapping())
        seed_reference_data(driver, settings)
    shutil.rmtree(settings.rdf_store, ignore_errors=True)


def _load(settings: Settings, folder: Path, files: list[str], batch: int) -> float:
    nlp = build_pipeline(settings)
    began = time.perf_counter()
    with create_driver(settings) as driver:
        for name in files:
            source = "crm" if name.endswith(".csv") else "jsonl"
            load(source, [folder / name], driver=driver, settings=settings, nlp=nlp,
                 mapping=load_mapping(), dead_letters=folder / f"dead-{name}.jsonl",
                 batch_size=batch)
    return time.perf_counter() - began


def _new_records(folder: Path, count: int) -> Path:
    """``count`` records of a fresh corpus under a source name of their own."""
    fresh = folder / "fresh"
    generate(fresh, customers=max(20, count // 8), interactions=count, seed=99)
    lines = []
    for line in (fresh / "interactions.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["source"] = "bench-new"
        lines.append(json.dumps(record))
    (fresh / "new.jsonl").write_text("\n".join(lines) + "\n")
    return fresh


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KG_API_KEYS": json.dumps({KEY: "admin"}),
           "KG_RDF_STORE": str(settings.rdf_store)}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("kg serve did not answer")


def _message(number: int) -> dict[str, object]:
    return {"source": "bench-live", "source_id": f"m{number}-{time.time_ns()}",
            "kind": "ChatSession", "channel": "chat",
            "occurred_at": "2025-06-01T10:00:00Z",
            "text": f"Still waiting for my refund for order {100000 + number}, third email now",
            "author": {"kind": "email", "value": f"live{number % 500}@example.org"}}


def _measure_api(settings: Settings, args: argparse.Namespace) -> None:
    port = _free_port()
    started = time.perf_counter()
    server = _serve(settings, port)
    _print("   kg serve up (mirror owned, built if missing)",
           f"{time.perf_counter() - started:.1f} s")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                          headers={"X-API-Key": KEY}) as client:
            client.post("/interactions", json=_message(0)).raise_for_status()  # warm-up
            latencies = []
            for number in range(1, args.posts + 1):
                began = time.perf_counter()
                client.post("/interactions", json=_message(number)).raise_for_status()
                latencies.append((time.perf_counter() - began) * 1000)
            _print("   POST /interactions, one message (p50 / p99)",
                   f"{statistics.median(latencies):.0f} / {_percentile(latencies, .99):.0f} ms")
            with create_driver(settings) as driver:
                customers = [r["customerId"] for r in run_query(
                    driver, settings, queries.READ_CUSTOMER_IDS)]
            erase = []
            sample = random.Random(5).sample(sorted(customers), args.erasures)  # noqa: S311
            for customer in sample:
                began = time.perf_counter()
                client.delete(f"/customers/{customer}").raise_for_status()
                erase.append((time.perf_counter() - began) * 1000)
            _print("   DELETE /customers/{id} (p50 / max)",
                   f"{statistics.median(erase):.0f} / {max(erase):.0f} ms")
            _sustained(client, args)
    finally:
        server.terminate()
        server.wait(timeout=120)


def _sustained(client: httpx.Client, args: argparse.Namespace) -> None:
    total = int(args.rate * args.seconds)
    lags: list[float] = []
    failures = 0

    def send(number: int) -> None:
        nonlocal failures
        response = client.post("/interactions", json=_message(10_000 + number))
        if response.status_code != 200 or not response.json()["mirrored"]:
            failures += 1
        else:
            lags.append(response.json()["mirrorLagMs"])

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for number in range(total):
            delay = began + number / args.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, number)
    _print(f"   mirror lag at {args.rate:g} messages/s for {args.seconds:g} s (p50 / p99)",
           f"{statistics.median(lags):.0f} / {_percentile(lags, .99):.0f} ms; "
           f"{failures} of {total} failed or not mirrored")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--new-records", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--erasures", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    settings = load_settings()
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    fresh = _new_records(folder, args.new_records)
    _wipe(settings)
    empty = _load(settings, fresh, ["new.jsonl"], args.batch_size)
    _print(f"kg load of {args.new_records:,} new records into an empty graph", f"{empty:.1f} s")
    for size in args.sizes:
        _wipe(settings)
        corpus = folder / f"corpus-{size}"
        generate(corpus, customers=max(100, size // 8), interactions=size, seed=7)
        seconds = _load(settings, corpus, ["crm.csv", "interactions.jsonl"], args.batch_size)
        _print(f"{size:,} interactions: load with derivation and mirror",
               f"{seconds:.0f} s ({size / seconds:,.0f} interactions/s)")
        into = _load(settings, fresh, ["new.jsonl"], args.batch_size)
        _print(f"   kg load of {args.new_records:,} new records into it",
               f"{into:.1f} s = {into / empty:.2f}x the empty graph")
        _measure_api(settings, args)


if __name__ == "__main__":
    main()
