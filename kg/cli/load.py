"""``kg load SOURCE PATH...``: the data engineer's bulk load."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from kg.graph.driver import create_driver
from kg.graph.schema import init_schema, seed_reference_data
from kg.ingestion.adapters import ADAPTERS, AdapterOptions
from kg.ontology.mapping import load_mapping
from kg.services.ingest import LoadSummary, load
from kg.settings import load_settings

console = Console(soft_wrap=True, stderr=True)


def command(
    source: str = typer.Argument(..., help="adapter: " + ", ".join(sorted(ADAPTERS))),
    paths: list[Path] = typer.Argument(..., help="files or folders to load"),
    mapping: Path | None = typer.Option(None, "--mapping", help="mapping/options JSON file"),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, help="records per transaction"),
    workers: int = typer.Option(1, "--workers", min=1, help="extraction processes"),
    dead_letters: Path | None = typer.Option(
        None, "--dead-letters", help="rejected records (default deadletters/SOURCE.jsonl)"),
    derive: bool = typer.Option(True, "--derive/--no-derive",
                                help="derive customers, cases, journeys and segments after "
                                     "each batch and bring the RDF mirror up to date; with "
                                     "--no-derive, `kg derive` does it later"),
) -> None:
    """Load records: read = loaded + rejected, and every rejection is in the dead-letter file."""
    settings = load_settings(extraction_processes=workers)
    graph_mapping = load_mapping()
    from kg.extraction.pipeline import build_pipeline  # kg serve loads this module too

    nlp = build_pipeline(settings)
    dead = dead_letters or Path("deadletters") / f"{source}.jsonl"
    started = time.perf_counter()
    with create_driver(settings) as driver, Progress(
        TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
        transient=True,
    ) as bar:
        init_schema(driver, settings, graph_mapping)
        seed_reference_data(driver, settings)
        task = bar.add_task("loading")

        def show(summary: LoadSummary) -> None:
            rate = summary.read / max(time.perf_counter() - started, 1e-9)
            bar.update(task, description=f"read {summary.read:,}  loaded {summary.loaded:,}  "
                                         f"rejected {summary.rejected:,}  {rate:,.0f} records/s")

        summary = load(source, paths, driver=driver, settings=settings, nlp=nlp,
                       mapping=graph_mapping, dead_letters=dead,
                       options=AdapterOptions(mapping=mapping), batch_size=batch_size,
                       derive_after=derive, progress=show)
    seconds = time.perf_counter() - started
    typer.echo(f"read {summary.read:,} = loaded {summary.loaded:,} + rejected "
               f"{summary.rejected:,} in {seconds:.1f} s "
               f"({summary.read / max(seconds, 1e-9):,.0f} records/s, {summary.batches} batches)")
    if summary.rejected:
        typer.echo(f"rejected records and their reasons: {dead}")
    if derive:
        for name, value in summary.derived.as_dict().items():
            typer.echo(f"derived: {name}: {value:,}")
        typer.echo(f"RDF mirror: {summary.mirror}")
    else:
        typer.echo("derivation left pending: run `kg derive`")
