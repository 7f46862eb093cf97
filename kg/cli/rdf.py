"""``kg rdf rebuild | check``: the RDF mirror."""

from __future__ import annotations

import typer

from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf import mirror
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="The RDF mirror (SPARQL) of the graph.")


@app.command()
def rebuild() -> None:
    """Rebuild the mirror from Neo4j."""
    settings = load_settings()
    with create_driver(settings) as driver:
        count = mirror.rebuild(driver, settings, load_mapping())
    typer.echo(f"mirror rebuilt at {settings.rdf_store}: {count:,} data triples")


@app.command()
def check() -> None:
    """Compare the mirror with Neo4j; exit code 1 on any difference."""
    settings = load_settings()
    with create_driver(settings) as driver:
        result = mirror.check(driver, settings, load_mapping())
    typer.echo(f"graph: {result.graph_triples:,} triples; mirror: {result.mirror_triples:,}")
    if not result.same:
        for predicate, difference in sorted(result.differences.items()):
            typer.echo(f"  {predicate}: graph minus mirror = {difference:+,}")
        typer.echo("the mirror differs from the graph; run `kg rdf rebuild`", err=True)
        raise typer.Exit(1)
    typer.echo("the mirror matches the graph")
