"""``kg customers merge | split``: an analyst's word on identity resolution, auditable."""

from __future__ import annotations

import typer

from kg.derivation.refresh import refresh
from kg.graph.driver import create_driver
from kg.loading.manual import merge_customers, split_identity
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Merge and split customers (identity resolution).")


@app.command()
def merge(first: str = typer.Argument(..., help="customer id"),
          second: str = typer.Argument(..., help="customer id")) -> None:
    """Declare two customers one: a manual:merge link between them, then refresh."""
    settings = load_settings()
    with create_driver(settings) as driver:
        merge_customers(driver, settings, first, second)
        done = refresh(driver, settings)
        sync_if_free(driver, settings, load_mapping())
    typer.echo(f"merged {first} and {second}; {done.identities:,} identities resolved again")


@app.command()
def split(customer_id: str = typer.Argument(..., help="customer id"),
          identity: str = typer.Argument(..., help="identity id to take out of the customer")
          ) -> None:
    """Take an identity out of a customer: manual:split links (score 0) veto every link."""
    settings = load_settings()
    with create_driver(settings) as driver:
        split_identity(driver, settings, customer_id, identity)
        done = refresh(driver, settings)
        sync_if_free(driver, settings, load_mapping())
    typer.echo(f"split {identity} from {customer_id}; {done.identities:,} identities resolved "
               "again")
