"""``scripts/bench_scale``: the scale curve, one size and one benchmark at a time.

For each size, smallest first: ``scripts/bench_load --interactions N`` (corpus and extraction
from the cache, the graph built once and left loaded), ``scripts/bench_api`` on that graph,
then ``scripts/bench_ingest --reuse`` on that same graph (no rebuild). Each benchmark's output
goes to the console and to ``.kg/bench-logs/<run>/<size>-<benchmark>.log``; the phases' times go
to ``timings.jsonl`` beside them. After each size, every phase is extrapolated to the larger
sizes still to run and to one million interactions (:mod:`bench.phase_timings`), with a
warning for a phase over an hour, so a long run can be stopped, or its cache filled
beforehand (``scripts/fill_bench_cache``), before it is started.

    scripts/bench_scale 10000 100000 [--load-args "--batch-size 1000"] [--api-args ...]
    scripts/bench_scale --estimate .kg/bench-logs/<run>/timings.jsonl   # estimates only
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from bench import phase_timings

ONE_MILLION = 1_000_000


def run_logged(command: list[str], log: Path, env: dict[str, str]) -> int:
    """Run ``command``, copying its output line by line to the console and to ``log``."""
    print(f"\n$ {shlex.join(command)}   (log: {log})", flush=True)
    began = time.perf_counter()
    with log.open("w", encoding="utf-8") as out, subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1) as process:
        assert process.stdout is not None
        out.write(f"$ {shlex.join(command)}\n")
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            out.write(line)
            out.flush()
        code = process.wait()
        out.write(f"exit {code} after {time.perf_counter() - began:.0f} s\n")
    print(f"exit {code} after {time.perf_counter() - began:.0f} s", flush=True)
    return code


def print_estimates(timings: Path, sizes: list[int]) -> bool:
    """Estimates for ``sizes``; True if any phase would take over an hour."""
    lines = phase_timings.report(timings, sizes)
    for line in lines:
        print(line, flush=True)
    return any("WARNING" in line for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", type=int, nargs="*", help="interactions per graph")
    parser.add_argument("--load-args", default="", help="extra arguments to bench_load")
    parser.add_argument("--api-args", default="", help="extra arguments to bench_api")
    parser.add_argument("--ingest-args", default="", help="extra arguments to bench_ingest")
    parser.add_argument("--logs", type=Path, default=Path(".kg/bench-logs"))
    parser.add_argument("--estimate", type=Path, metavar="TIMINGS",
                        help="only print the estimates from a timings file")
    args = parser.parse_args()
    if args.estimate:
        print_estimates(args.estimate, sorted({*args.sizes, ONE_MILLION}))
        return
    if not args.sizes:
        parser.error("give at least one size, e.g. 10000 100000")
    sizes = sorted(set(args.sizes))
    run = args.logs / time.strftime("%Y%m%d-%H%M%S")
    run.mkdir(parents=True, exist_ok=True)
    timings = run / "timings.jsonl"
    env = {**os.environ, "KG_BENCH_TIMINGS": str(timings.resolve())}
    print(f"logs and timings: {run}", flush=True)
    for number, size in enumerate(sizes):
        steps = [("bench_load", ["--interactions", str(size), *shlex.split(args.load_args)]),
                 ("bench_api", shlex.split(args.api_args)),
                 ("bench_ingest", ["--reuse", *shlex.split(args.ingest_args)])]
        for name, extra in steps:
            code = run_logged([f"scripts/{name}", *extra], run / f"{size}-{name}.log", env)
            if code:
                sys.exit(f"{name} failed at {size:,} interactions (exit {code}); "
                         f"see {run / f'{size}-{name}.log'}")
        later = sorted({*sizes[number + 1:], ONE_MILLION} - {size})
        later = [n for n in later if n > size]
        if later:
            print(f"\nestimates after {size:,} interactions (from {timings}):", flush=True)
            if print_estimates(timings, later):
                print("a phase above would take over an hour: fill the extraction cache "
                      "first (scripts/fill_bench_cache --interactions N --processes 2) and "
                      "expect the derived steps to dominate", flush=True)


if __name__ == "__main__":
    main()
