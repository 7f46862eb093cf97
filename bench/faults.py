"""``scripts/faults``: what a crash, an outage and a bad record do to acknowledged writes.

Three scenarios against ``kg serve`` on a fresh generated graph (loopback only, bounded):

1. **kill -9 of kg serve during a burst** of ingests, then a restart: every message the server
   acknowledged (200) is in the graph, derived (nothing pending), and the mirror equals the
   graph (``kg rdf check``).
2. **Neo4j stopped and started during a burst** of ingests and 360° reads: clients get 200 or
   503 (with Retry-After), never a 500 and never a hang (an answer within the client's
   timeout), and the same server answers 200 again once Neo4j is back, without a restart.
3. **A poison record in a load** (a year-1 date, a NaN rating, a lone surrogate, broken JSON)
   among good ones: the load sets them aside with their reasons and the later writes go on;
   ``kg derive --check`` finds nothing wrong.

Exit status 1 when any scenario fails; each prints its figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from bench.serving import ADMIN_KEY, free_port, start_server, stop_server
from bench.soak import SOURCE, fresh_graph, message
from kg.derivation.refresh import ALL_INTERACTION_IDS, READ_PENDING_CHANGES
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.settings import Settings, load_settings

CLIENT_TIMEOUT = 30.0  # an answer later than this counts as a hang


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          check=False)


def _kill_hard(pid: int) -> None:
    """SIGKILL the server and every process it started (SPARQL workers, their fork server)."""
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    for process in [parent, *parent.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs([parent], timeout=30)


def _present(settings: Settings, ids: list[str]) -> tuple[list[str], int]:
    """The acknowledged ids missing from the graph, and the change records still pending."""
    with create_driver(settings) as driver:
        found = {r["id"] for r in run_query(driver, settings, ALL_INTERACTION_IDS)}
        pending = len(run_query(driver, settings, READ_PENDING_CHANGES,
                                {"limit": 1000}))
    return sorted(set(ids) - found), pending


def _warm(base: str) -> None:
    """One message before the measured part, as a server that has served: the first ingest
    builds the extraction pipeline (seconds of CPU), which is not what a fault tests."""
    response = httpx.post(f"{base}/interactions", json=message(1, 20), timeout=300,
                          headers={"X-API-Key": ADMIN_KEY})
    response.raise_for_status()


def _burst(base: str, numbers: range, authors: int, acknowledged: list[str],
           statuses: Counter[int], problems: list[str], *, workers: int = 8) -> None:
    def post(number: int) -> None:
        body = message(number, authors)
        began = time.monotonic()
        try:
            response = httpx.post(f"{base}/interactions", json=body, timeout=CLIENT_TIMEOUT,
                                  headers={"X-API-Key": ADMIN_KEY})
        except httpx.TimeoutException:
            sent = time.strftime("%H:%M:%S", time.localtime(time.time() - CLIENT_TIMEOUT))
            problems.append(f"POST {number}: no answer in {CLIENT_TIMEOUT:g} s (sent {sent})")
            return
        except httpx.TransportError:
            statuses[0] += 1  # the connection dropped (the server was killed): not acknowledged
            return
        statuses[response.status_code] += 1
        if response.status_code == 200:
            acknowledged.append(f"{SOURCE}:{body['source_id']}")
        elif response.status_code == 503 and "retry-after" not in response.headers:
            problems.append(f"POST {number}: 503 without Retry-After")
        elif response.status_code >= 500 and response.status_code != 503:
            problems.append(f"POST {number}: {response.status_code} {response.text[:200]}")
        if time.monotonic() - began > CLIENT_TIMEOUT:
            problems.append(f"POST {number}: answered after {time.monotonic() - began:.0f} s")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(post, numbers))


def kill_during_burst(settings: Settings, work: Path, posts: int) -> bool:
    print(f"\n1. kill -9 of kg serve during a burst of {posts} POSTs", flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, log=work / "server-kill.log")
    _warm(base)
    acknowledged: list[str] = []
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    burst = threading.Thread(target=_burst, args=(base, range(10_000, 10_000 + posts), 20,
                                                  acknowledged, statuses, problems))
    burst.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < posts // 2 and time.monotonic() < deadline and burst.is_alive():
        time.sleep(0.05)
    _kill_hard(server.pid)
    killed_after = len(acknowledged)
    burst.join(timeout=300)
    restarted = start_server(port, log=work / "server-kill.log")
    try:
        with httpx.Client(base_url=base, headers={"X-API-Key": ADMIN_KEY}, timeout=60) as api:
            probe = api.post("/interactions", json=message(99_999, 20))  # applies the feed
            probe.raise_for_status()
    finally:
        stop_server(restarted)
    missing, pending = _present(settings, acknowledged)
    check = _kg("rdf", "check")
    print(f"   killed after {killed_after} acknowledged; answers {dict(statuses)}; "
          f"acknowledged {len(acknowledged)}, missing from the graph {len(missing)}, "
          f"change records pending {pending}; kg rdf check: "
          f"{'same' if check.returncode == 0 else 'DIFFERS'}")
    ok = not missing and check.returncode == 0 and not problems and killed_after > 0
    print(f"   {'PASS' if ok else 'FAIL'}" + (f": {problems[:3]}" if problems else ""))
    return ok


def neo4j_outage_during_burst(settings: Settings, work: Path, seconds: float,
                              down_after: float, down_for: float) -> bool:
    print(f"\n2. Neo4j stopped after {down_after:g} s for {down_for:g} s during a "
          f"{seconds:g} s burst of POSTs and 360° reads", flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, log=work / "server-outage.log")
    _warm(base)
    with create_driver(settings) as driver:
        customers = sorted(r["customerId"] for r in run_query(
            driver, settings, queries.READ_CUSTOMER_IDS))[:50]
    acknowledged: list[str] = []
    statuses: Counter[int] = Counter()
    reads: Counter[int] = Counter()
    problems: list[str] = []
    stop = threading.Event()

    def read_loop() -> None:
        number = 0
        while not stop.is_set():
            began = time.monotonic()
            try:
                response = httpx.get(f"{base}/customers/{customers[number % len(customers)]}"
                                     "/360", headers={"X-API-Key": ADMIN_KEY},
                                     timeout=CLIENT_TIMEOUT)
                reads[response.status_code] += 1
                if response.status_code >= 500 and response.status_code != 503:
                    problems.append(f"GET: {response.status_code} {response.text[:200]}")
            except httpx.TimeoutException:
                problems.append(f"GET: no answer in {CLIENT_TIMEOUT:g} s")
            if time.monotonic() - began > CLIENT_TIMEOUT:
                problems.append("GET: answered too late")
            number += 1
            time.sleep(0.05)

    def post_loop() -> None:
        number = 20_000
        while not stop.is_set():
            _burst(base, range(number, number + 4), 20, acknowledged, statuses, problems,
                   workers=4)
            number += 4
            time.sleep(0.2)

    threads = [threading.Thread(target=read_loop), threading.Thread(target=post_loop)]
    print(f"   burst from {time.strftime('%H:%M:%S')}", flush=True)
    began = time.monotonic()
    for thread in threads:
        thread.start()
    recovered_in: float | None = None
    try:
        time.sleep(down_after)
        print(f"   Neo4j stopping at {time.strftime('%H:%M:%S')}", flush=True)
        stopped = _kg("neo4j", "stop")
        time.sleep(down_for)
        print(f"   Neo4j starting at {time.strftime('%H:%M:%S')}", flush=True)
        started = _kg("neo4j", "start")
        print(f"   Neo4j started at {time.strftime('%H:%M:%S')}", flush=True)
        if stopped.returncode or started.returncode:
            problems.append(f"kg neo4j stop/start failed: {stopped.stderr} {started.stderr}")
        back = time.monotonic()
        while time.monotonic() - back < 120:
            try:
                probe = httpx.get(f"{base}/health", timeout=10)
                if probe.status_code == 200:
                    recovered_in = time.monotonic() - back
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        time.sleep(max(0.0, seconds - (time.monotonic() - began)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    try:
        with httpx.Client(base_url=base, headers={"X-API-Key": ADMIN_KEY}, timeout=60) as api:
            after = api.post("/interactions", json=message(29_999, 20))
            if after.status_code == 200:
                acknowledged.append(f"{SOURCE}:{message(29_999, 20)['source_id']}")
    finally:
        stop_server(server)
    missing, pending = _present(settings, acknowledged)
    check = _kg("rdf", "check")
    back_in = f"in {recovered_in:.1f} s" if recovered_in is not None else "NEVER"
    print(f"   POST answers {dict(statuses)}, GET answers {dict(reads)}; health back "
          f"{back_in} after the "
          f"start; a POST afterwards: {after.status_code}; acknowledged {len(acknowledged)}, "
          f"missing {len(missing)}, pending {pending}; kg rdf check: "
          f"{'same' if check.returncode == 0 else 'DIFFERS'}")
    ok = (not problems and recovered_in is not None and after.status_code == 200
          and not missing and check.returncode == 0 and statuses[503] + reads[503] > 0)
    print(f"   {'PASS' if ok else 'FAIL'}" + (f": {problems[:3]}" if problems else ""))
    return ok


def poison_in_a_load(settings: Settings, work: Path) -> bool:
    print("\n3. poison records in a load, then later writes", flush=True)
    good = [message(n, 5) for n in range(30_000, 30_005)]
    poison = [{**message(30_100, 5), "occurred_at": "0001-01-01T00:00:00Z"},
              {**message(30_101, 5), "rating": float("nan")},
              {**message(30_102, 5), "author": {"kind": "email", "value": "x\udc80@y.z"}}]
    lines = [json.dumps(good[0]), json.dumps(poison[0]), "{not json", json.dumps(good[1]),
             json.dumps(poison[1]), json.dumps(poison[2]),
             *(json.dumps(record) for record in good[2:])]
    path = work / "poison.jsonl"
    path.write_text("\n".join(lines) + "\n")
    loaded = _kg("load", "jsonl", str(path), "--dead-letters", str(work / "poison-dead.jsonl"))
    later = [message(n, 5) for n in range(30_200, 30_203)]
    (work / "later.jsonl").write_text("".join(json.dumps(r) + "\n" for r in later))
    after = _kg("load", "jsonl", str(work / "later.jsonl"), "--dead-letters",
                str(work / "later-dead.jsonl"))
    dead = [json.loads(line) for line in (work / "poison-dead.jsonl").read_text().splitlines()]
    missing, pending = _present(settings, [f"{SOURCE}:{r['source_id']}" for r in good + later])
    checked = _kg("derive", "--check")
    print(f"   load exit {loaded.returncode}, set aside {len(dead)} "
          f"({', '.join(sorted({d['field'] for d in dead}))}); later load exit "
          f"{after.returncode}; good records missing {len(missing)}, pending {pending}; "
          f"kg derive --check exit {checked.returncode}")
    ok = (loaded.returncode == 0 and after.returncode == 0 and len(dead) == 4
          and not missing and not pending and checked.returncode == 0)
    print(f"   {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100, help="burst size in scenario 1")
    parser.add_argument("--outage-seconds", type=float, default=60.0)
    parser.add_argument("--down-after", type=float, default=10.0)
    parser.add_argument("--down-for", type=float, default=15.0)
    parser.add_argument("--work", type=Path, default=Path(".kg/faults"))
    parser.add_argument("--scenarios", type=int, nargs="+", default=[1, 2, 3],
                        choices=[1, 2, 3], help="which to run (default: all)")
    args = parser.parse_args(argv)
    settings = load_settings()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    shutil.rmtree(settings.rdf_store, ignore_errors=True)
    print(f"faults: fresh graph (Neo4j {settings.neo4j_uri}, mirror {settings.rdf_store})",
          flush=True)
    fresh_graph(settings, args.work / "corpus", 100, 800)
    scenarios = {
        1: lambda: kill_during_burst(settings, args.work, args.posts),
        2: lambda: neo4j_outage_during_burst(settings, args.work, args.outage_seconds,
                                             args.down_after, args.down_for),
        3: lambda: poison_in_a_load(settings, args.work)}
    results = [scenarios[number]() for number in sorted(set(args.scenarios))]
    print(f"\nfaults: {sum(results)} of {len(results)} scenarios passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
