"""``scripts/soak``: a steady mix of ingests and 360° reads against ``kg serve`` for a set time.

A fresh graph (a generated corpus, loaded with ``kg load``'s code) is served by ``kg serve`` in
its own process. After a warm-up, a client sends ``POST /interactions`` (one message each, from a
fixed set of authors, so their histories grow as in a real stream) and ``GET
/customers/{id}/360`` at fixed rates (an open loop: a slow answer does not slow the schedule),
for ``--minutes``. It reports server errors, p50/p99 per kind (and the ingests' p50 in the first
and the last minute), the server's memory after the warm-up and at the end (and its peak), and
the mirror's folder at both points; then it checks that every acknowledged message is in the
graph, stops the server and compares the mirror with the graph (``kg rdf check``). Exit status 1
when a check fails: a server error, a lost write, a mirror that differs, or memory at the end
more than ``--memory-tolerance`` above memory after the warm-up.

Loopback only; every loop is bounded in count and time, and the run stops by itself.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.graphs import reset_graph
from bench.serving import (
    ADMIN_KEY,
    folder_bytes,
    free_port,
    percentile,
    rss_bytes,
    start_server,
    stop_server,
)
from kg.derivation.refresh import ALL_INTERACTION_IDS
from kg.extraction.pipeline import build_pipeline
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.ingestion.generator import generate
from kg.ontology.mapping import load_mapping
from kg.services.ingest import load
from kg.settings import Settings, load_settings

RUN = f"{time.time_ns():x}"


def mirror_bytes(settings: Settings) -> int:
    """The mirror's store folder and the server's query snapshots beside it."""
    store = settings.rdf_store
    return folder_bytes(store) + folder_bytes(store.with_name(store.name + ".snapshots"))
SOURCE = "soak"


@dataclass
class Outcomes:
    """What the client saw, by kind of request (thread-safe)."""

    latencies: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list))  # (sent at, ms)
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(
        lambda: defaultdict(int)))
    failures: list[str] = field(default_factory=list)  # no answer at all
    acknowledged: list[str] = field(default_factory=list)  # interaction ids answered 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, sent: float, ms: float, status: int) -> None:
        with self.lock:
            self.latencies[kind].append((sent, ms))
            self.statuses[kind][status] += 1

    def server_errors(self) -> int:
        return sum(n for by in self.statuses.values() for s, n in by.items() if s >= 500)


def message(number: int, authors: int) -> dict[str, object]:
    return {"source": SOURCE, "source_id": f"{RUN}-{number}", "kind": "ChatSession",
            "channel": "chat", "occurred_at": "2025-06-01T10:00:00Z",
            "text": f"Still waiting for my refund for order S{RUN}-{number}, third time asking",
            "author": {"kind": "email", "value": f"soak{number % authors}.{RUN}@example.org"}}


def fresh_graph(settings: Settings, folder: Path, customers: int, interactions: int) -> None:
    """Wipe the soak graph and load a generated corpus into it (CRM rows, then messages)."""
    generate(folder, customers=customers, interactions=interactions, seed=21)
    nlp = build_pipeline(settings)
    mapping = load_mapping()
    with create_driver(settings) as driver:
        reset_graph(driver, settings)
        for source, name in (("crm", "crm.csv"), ("jsonl", "interactions.jsonl")):
            load(source, [folder / name], driver=driver, settings=settings, nlp=nlp,
                 mapping=mapping, dead_letters=folder / f"dead-{source}.jsonl",
                 derive_after=source == "jsonl")


def run_mix(client: httpx.Client, outcomes: Outcomes, *, seconds: float, posts: float,
            gets: float, customers: list[str], authors: int, first_number: int) -> int:
    """Send the mix for ``seconds``; returns the next message number."""
    rng = random.Random(first_number)  # noqa: S311 - which customer to read, not a secret
    schedule: list[tuple[float, str]] = sorted(
        [(n / posts, "post") for n in range(int(seconds * posts))]
        + [(n / gets, "get") for n in range(int(seconds * gets))])
    number = first_number

    def send(kind: str, payload: object) -> None:
        sent = time.monotonic()
        try:
            if kind == "post":
                response = client.post("/interactions", json=payload)
            else:
                response = client.get(f"/customers/{payload}/360")
        except httpx.HTTPError as error:
            with outcomes.lock:
                outcomes.failures.append(f"{kind}: {type(error).__name__}: {error}")
            return
        outcomes.record(kind, sent, (time.monotonic() - sent) * 1000, response.status_code)
        if kind == "post" and response.status_code == 200 and isinstance(payload, dict):
            with outcomes.lock:
                outcomes.acknowledged.append(f"{SOURCE}:{payload['source_id']}")

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for offset, kind in schedule:
            delay = began + offset - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if kind == "post":
                pool.submit(send, kind, message(number, authors))
                number += 1
            else:
                pool.submit(send, kind, rng.choice(customers))
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warm-up", type=float, default=60.0, help="seconds, not measured")
    parser.add_argument("--posts", type=float, default=10.0, help="POST /interactions per s")
    parser.add_argument("--gets", type=float, default=20.0, help="GET …/360 per s")
    parser.add_argument("--authors", type=int, default=50,
                        help="distinct authors of the posted messages")
    parser.add_argument("--customers", type=int, default=200, help="generated corpus")
    parser.add_argument("--interactions", type=int, default=2000, help="generated corpus")
    parser.add_argument("--memory-tolerance", type=float, default=0.10)
    parser.add_argument("--work", type=Path, default=Path(".kg/soak"))
    args = parser.parse_args(argv)
    settings = load_settings()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"soak: fresh graph of {args.customers} customers, {args.interactions} interactions "
          f"(Neo4j {settings.neo4j_uri}, mirror {settings.rdf_store})", flush=True)
    shutil.rmtree(settings.rdf_store, ignore_errors=True)  # a new graph gets a new mirror
    fresh_graph(settings, args.work / "corpus", args.customers, args.interactions)
    with create_driver(settings) as driver:
        customers = sorted(r["customerId"] for r in run_query(
            driver, settings, queries.READ_CUSTOMER_IDS))
    port = free_port()
    server = start_server(port, log=args.work / "server.log")
    outcomes = Outcomes()
    samples: list[tuple[float, int]] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        while not stop_sampling.wait(5.0):
            samples.append((time.monotonic(), rss_bytes(server.pid)))

    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                          headers={"X-API-Key": ADMIN_KEY},
                          limits=httpx.Limits(max_connections=64)) as client:
            print(f"soak: warm-up {args.warm_up:g} s at {args.posts:g} POST/s + "
                  f"{args.gets:g} GET/s", flush=True)
            warm = Outcomes()
            number = run_mix(client, warm, seconds=args.warm_up, posts=args.posts,
                             gets=args.gets, customers=customers, authors=args.authors,
                             first_number=0)
            outcomes.acknowledged += warm.acknowledged
            rss_start = rss_bytes(server.pid)
            children_start = rss_bytes(server.pid, children=True)
            disk_start = mirror_bytes(settings)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            print(f"soak: measuring {args.minutes:g} min; server RSS "
                  f"{rss_start / 2**20:.0f} MiB, mirror folder {disk_start / 2**20:.0f} MiB",
                  flush=True)
            measured_from = time.monotonic()
            run_mix(client, outcomes, seconds=args.minutes * 60, posts=args.posts,
                    gets=args.gets, customers=customers, authors=args.authors,
                    first_number=number)
            stop_sampling.set()
            time.sleep(2.0)  # let the writer and the mirror settle
            rss_end = rss_bytes(server.pid)
            children_end = rss_bytes(server.pid, children=True)
            disk_end = mirror_bytes(settings)
    finally:
        stop_sampling.set()
        stop_server(server)
    with create_driver(settings) as driver:
        found = {r["id"] for r in run_query(driver, settings, ALL_INTERACTION_IDS)}
    lost = sorted(set(outcomes.acknowledged) - found)
    check = subprocess.run([sys.executable, "-m", "kg", "rdf", "check"], capture_output=True,
                           text=True, check=False)
    peak = max((rss for _, rss in samples), default=rss_end)
    growth = rss_end / rss_start - 1 if rss_start else 0.0
    print(f"\nsoak report ({args.minutes:g} min, {args.posts:g} POST/s + {args.gets:g} GET/s, "
          f"{args.authors} authors; warm-up {args.warm_up:g} s)")
    for kind, label in (("post", "POST /interactions"), ("get", "GET /customers/{id}/360")):
        values = [ms for _, ms in outcomes.latencies[kind]]
        statuses = dict(sorted(outcomes.statuses[kind].items()))
        print(f"  {label}: {len(values):,} answered, statuses {statuses}, "
              f"p50 {percentile(values, 0.5):.0f} ms, p99 {percentile(values, 0.99):.0f} ms")
    first = [ms for at, ms in outcomes.latencies["post"] if at - measured_from < 60]
    last = [ms for at, ms in outcomes.latencies["post"]
            if at - measured_from >= args.minutes * 60 - 60]
    print(f"  POST p50 first minute {percentile(first, 0.5):.0f} ms, "
          f"last minute {percentile(last, 0.5):.0f} ms")
    print(f"  server errors (5xx): {outcomes.server_errors()}, no answer: "
          f"{len(outcomes.failures)}" + (f" (e.g. {outcomes.failures[0]})"
                                         if outcomes.failures else ""))
    print(f"  server RSS: after warm-up {rss_start / 2**20:.0f} MiB, end {rss_end / 2**20:.0f} "
          f"MiB ({growth:+.1%}), peak {peak / 2**20:.0f} MiB; its child processes (SPARQL "
          f"fork server): {children_start / 2**20:.0f} MiB, then {children_end / 2**20:.0f} MiB")
    print(f"  mirror store and its query snapshots on disk: after warm-up "
          f"{disk_start / 2**20:.0f} MiB, end {disk_end / 2**20:.0f} MiB")
    print(f"  acknowledged writes: {len(outcomes.acknowledged):,}, missing from the graph: "
          f"{len(lost)}" + (f" (e.g. {lost[:3]})" if lost else ""))
    print(f"  kg rdf check: {'same' if check.returncode == 0 else 'DIFFERS'}")
    failed = (outcomes.server_errors() or outcomes.failures or lost or check.returncode
              or growth > args.memory_tolerance)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
