"""``kg customers merge | split``: an analyst's word on identity resolution, auditable."""

from __future__ import annotations

import typer

from kg.graph.driver import create_driver
from kg.loading.manual import merge_customers, split_identity
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Merge and split customers (identity resolution).")


@app.command()
def merge(first: str = typer.Argument(..., help="customer id"),
          second: str = typer.Argument(..., help="customer id")) -> None:
    """Declare two customers one: a manual:merge link between them, then resolve again."""
    settings = load_settings()
    with create_driver(settings) as driver:
        change = merge_customers(driver, settings, first, second)
    merged = sorted(set(change.customer_ids.values()))
    typer.echo(f"merged {first} and {second} into {', '.join(merged)}; "
               f"{change.customers:,} customers now")


@app.command()
def split(customer_id: str = typer.Argument(..., help="customer id"),
          identity: str = typer.Argument(..., help="identity id to take out of the customer")
          ) -> None:
    """Take an identity out of a customer: manual:split links (score 0) veto every link."""
    settings = load_settings()
    with create_driver(settings) as driver:
        change = split_identity(driver, settings, customer_id, identity)
    typer.echo(f"split {identity} from {customer_id} (now {change.customer_ids.get(identity)}); "
               f"{change.customers:,} customers now")
