"""Benchmarks and operator runs beside the product, not shipped with it (the wheel holds
``kg`` and ``kg_api`` only): load, API, ingest, web-page, extraction and scale benchmarks,
soak and fault runs, the extraction cache the benchmarks share, headless Chromium for the browser
tests, and the one helper that starts ``kg serve`` for all of them (:mod:`bench.serving`).
The ``scripts/bench_*``, ``scripts/soak`` and ``scripts/faults`` entry points run them.
Everything here talks to servers on loopback only, with bounded counts and times."""
