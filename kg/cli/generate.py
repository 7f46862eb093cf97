"""``kg generate``: a synthetic corpus with ground truth, for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.ingestion.generator import generate


def command(
    customers: int = typer.Option(500, "--customers", min=1),
    interactions: int = typer.Option(3000, "--interactions", min=1),
    out: Path = typer.Option(Path("generated"), "--out"),
    seed: int = typer.Option(7, "--seed"),
    forum_threads: int = typer.Option(0, "--forum-threads", min=0,
                                      help="also a community forum with this many threads"),
) -> None:
    """Write crm.csv, interactions.jsonl and truth/ into OUT."""
    counts = generate(out, customers=customers, interactions=interactions, seed=seed,
                      forum_threads=forum_threads)
    typer.echo(", ".join(f"{name}: {value:,}" for name, value in counts.items()) + f" → {out}")
