"""``kg customers merge | split``: an analyst's word on identity resolution, auditable."""

from __future__ import annotations

import neo4j
import typer

from kg.errors import ConfigError
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.loading.cases import derive
from kg.loading.resolution import resolve_graph
from kg.settings import Settings, load_settings

app = typer.Typer(no_args_is_help=True, help="Merge and split customers (identity resolution).")


def _identities(driver: neo4j.Driver, settings: Settings, customer_id: str) -> list[str]:
    rows = run_query(driver, settings, queries.READ_IDENTITIES_OF_CUSTOMER,
                     {"customerId": customer_id})
    if not rows:
        raise ConfigError(f"no customer {customer_id!r} (see GET /customers or the graph)")
    return [row["identityId"] for row in rows]


@app.command()
def merge(first: str = typer.Argument(..., help="customer id"),
          second: str = typer.Argument(..., help="customer id")) -> None:
    """Declare two customers one: a manual:merge link between them, then resolve again."""
    settings = load_settings()
    with create_driver(settings) as driver:
        a, b = _identities(driver, settings, first)[0], _identities(driver, settings, second)[0]
        low, high = sorted((a, b))
        run_query(driver, settings, queries.MERGE_LINKS, {"rows": [
            {"from": low, "to": high, "rule": "manual:merge", "score": 1.0}]}, write=True)
        counts = resolve_graph(driver, settings)
        derive(driver, settings)
    typer.echo(f"merged {first} and {second}; {counts['customers']:,} customers now")


@app.command()
def split(customer_id: str = typer.Argument(..., help="customer id"),
          identity: str = typer.Argument(..., help="identity id to take out of the customer")
          ) -> None:
    """Take an identity out of a customer: manual:split links (score 0) veto every link."""
    settings = load_settings()
    with create_driver(settings) as driver:
        members = _identities(driver, settings, customer_id)
        if identity not in members:
            raise ConfigError(f"{identity!r} is not an identity of {customer_id!r}: {members}")
        rows = [dict(zip(("from", "to"), sorted((identity, other)), strict=True),
                     rule="manual:split", score=0.0) for other in members if other != identity]
        run_query(driver, settings, queries.MERGE_LINKS, {"rows": rows}, write=True)
        counts = resolve_graph(driver, settings)
        derive(driver, settings)
    typer.echo(f"split {identity} from {customer_id}; {counts['customers']:,} customers now")
