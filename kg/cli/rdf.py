"""``kg rdf rebuild | sync | check``: the RDF mirror."""

from __future__ import annotations

import time

import typer

from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import open_sink, sink_for
from kg.rdf.sync import check_offline
from kg.rdf.sync import rebuild as rebuild_sink
from kg.rdf.sync import sync as sync_sink
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="The RDF mirror (SPARQL) of the graph.")


@app.command()
def rebuild() -> None:
    """Refill the mirror from Neo4j (repair); the server must not be running."""
    settings = load_settings()
    with create_driver(settings) as driver:
        sink = open_sink(settings.rdf_store)
        count = rebuild_sink(sink, driver, settings, load_mapping())
    typer.echo(f"mirror rebuilt at {settings.rdf_store}: {count:,} data triples, "
               f"watermark {sink.applied_sequence()}")


@app.command()
def sync(follow: bool = typer.Option(
        False, "--follow", help="keep applying changes as they commit (Ctrl-C stops)"),
         interval: float = typer.Option(0.5, "--interval", help="seconds between polls")
         ) -> None:
    """Apply the change feed to the configured sink (KG_MIRROR_SINK) from its watermark.

    The embedded store needs no server running (kg serve owns it while it runs); a SPARQL
    server sink (fuseki) is kept up to date by exactly one `kg rdf sync --follow`."""
    settings = load_settings()
    mapping = load_mapping()
    with create_driver(settings) as driver:
        sink = sink_for(settings)
        if sink.applied_sequence() == 0:
            rebuild_sink(sink, driver, settings, mapping)
        while True:
            result = sync_sink(sink, driver, settings, mapping)
            if result.records or not follow:
                typer.echo(f"mirror at change {result.applied_to} ({result.records:,} records "
                           f"applied{', rebuilt' if result.rebuilt else ''})")
            if not follow:
                return
            time.sleep(interval)


@app.command()
def check() -> None:
    """Compare the mirror with Neo4j; exit code 1 on any difference."""
    settings = load_settings()
    mapping = load_mapping()
    with create_driver(settings) as driver:
        open_sink(settings.rdf_store).store.flush()  # a clear error when a server owns it
        result = check_offline(driver, settings, mapping)
    typer.echo(f"graph: {result.graph_triples:,} triples; mirror: {result.mirror_triples:,}")
    if not result.same:
        for predicate, difference in sorted(result.differences.items()):
            typer.echo(f"  {predicate}: graph minus mirror = {difference:+,}")
        typer.echo("the mirror differs from the graph; run `kg rdf rebuild`", err=True)
        raise typer.Exit(1)
    typer.echo("the mirror matches the graph")
