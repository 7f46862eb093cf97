"""``kg fuseki install | start | stop``: a local SPARQL server to mirror into."""

from __future__ import annotations

import typer

from kg import fuseki_local
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True,
                  help="A local Apache Jena Fuseki (from Maven Central) as a mirror target.")


@app.command()
def install() -> None:
    """Resolve Fuseki into KG_FUSEKI_HOME (offline when the Maven cache has it)."""
    lib = fuseki_local.install(load_settings())
    typer.echo(f"Fuseki in {lib}")


@app.command()
def start() -> None:
    """Start on loopback (KG_FUSEKI_PORT) with a TDB2 dataset /mirror."""
    url = fuseki_local.start(load_settings())
    typer.echo(f"Fuseki dataset at {url} (set KG_MIRROR_SINK=fuseki KG_SPARQL_STORE_URL={url})")


@app.command()
def stop() -> None:
    """Stop the local Fuseki."""
    fuseki_local.stop(load_settings())
    typer.echo("Fuseki stopped")
