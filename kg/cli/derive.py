"""``kg derive [--all]``: run the refresh path by hand."""

from __future__ import annotations

import typer

from kg.derivation.refresh import derive_everything, refresh
from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.settings import load_settings


def command(everything: bool = typer.Option(
        False, "--all", help="derive the whole graph again (repair), not only pending changes")
) -> None:
    """Derive customers, cases, journeys and segments for pending changes (or all)."""
    settings = load_settings()
    with create_driver(settings) as driver:
        done = derive_everything(driver, settings) if everything else refresh(driver, settings)
        synced = sync_if_free(driver, settings, load_mapping())
    for name, value in done.as_dict().items():
        typer.echo(f"{name}: {value:,}")
    typer.echo("RDF mirror: " + ("owned by a running server" if synced is None
                                 else f"at change {synced.applied_to}"))
