"""Operator tooling that runs beside the product and is not shipped with it: soak and fault
runs (``scripts/soak``, ``scripts/faults``). Everything here talks to servers on loopback only,
with bounded counts and times."""
