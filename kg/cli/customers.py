"""``kg customers merge | split | suggestions | accept | reject | train``: an analyst's word on
identity resolution, auditable, and training the linkage model on the graph's own records."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kg.derivation.linkage import READ_PERSON_IDENTITIES, person_rows_of
from kg.errors import ConfigError
from kg.graph.driver import create_driver, run_query
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.services import suggestions as suggested
from kg.services.merge_split import merge_customers, split_identity
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Merge and split customers (identity resolution).")


@app.command()
def merge(first: str = typer.Argument(..., help="customer id"),
          second: str = typer.Argument(..., help="customer id")) -> None:
    """Declare two customers one: a manual:merge link between them, then refresh."""
    settings = load_settings()
    with create_driver(settings) as driver:
        change = merge_customers(driver, settings, first, second)
        sync_if_free(driver, settings, load_mapping())
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
        sync_if_free(driver, settings, load_mapping())
    typer.echo(f"split {identity} from {customer_id} (now {change.customer_ids.get(identity)}); "
               f"{change.customers:,} customers now")


@app.command("suggestions")
def list_suggestions(offset: int = typer.Option(0, min=0),
                     limit: int = typer.Option(50, min=1, max=1000),
                     as_json: bool = typer.Option(False, "--json", help="one JSON page")) -> None:
    """Merge suggestions: probable matches left between two customers, most probable first."""
    settings = load_settings()
    with create_driver(settings) as driver:
        page = suggested.list_suggestions(driver, settings, offset=offset, limit=limit)
    if as_json:
        typer.echo(page.model_dump_json(indent=2))
        return
    typer.echo(f"{page.total:,} suggestions")
    for item in page.items:
        weights = ", ".join(f"{field} {weight:+.1f}" for field, weight in
                            sorted(item.matchWeights.items(), key=lambda kv: -abs(kv[1]))
                            if weight)
        typer.echo(f"{item.probability:.4f}  {item.a} ({item.nameA}) ~ {item.b} ({item.nameB})"
                   f"  [{weights}]")


@app.command()
def accept(a: str = typer.Argument(..., help="identity id"),
           b: str = typer.Argument(..., help="identity id")) -> None:
    """Accept a merge suggestion: a manual:merge link, then resolve again."""
    settings = load_settings()
    with create_driver(settings) as driver:
        decision = suggested.decide(driver, settings, a, b, accept=True)
    typer.echo(f"merged {decision.a} and {decision.b}; {decision.customers:,} customers now")


@app.command()
def reject(a: str = typer.Argument(..., help="identity id"),
           b: str = typer.Argument(..., help="identity id")) -> None:
    """Reject a merge suggestion: a manual:split link that keeps the pair apart."""
    settings = load_settings()
    with create_driver(settings) as driver:
        decision = suggested.decide(driver, settings, a, b, accept=False)
    typer.echo(f"kept {decision.a} and {decision.b} apart; {decision.customers:,} customers")


@app.command()
def train(out: Path = typer.Option(..., help="model file to write (Splink JSON)")) -> None:
    """Train the linkage model without labels on the graph's person records; use it with
    KG_RESOLUTION_MODEL=OUT."""
    from kg.resolution.probabilistic import train as train_model
    from kg.resolution.probabilistic import write_model

    settings = load_settings()
    with create_driver(settings) as driver:
        rows = person_rows_of(run_query(driver, settings, READ_PERSON_IDENTITIES))
    try:
        model = train_model(rows)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    write_model(model, out)
    prior = json.dumps(model.get("probability_two_random_records_match"))
    typer.echo(f"trained on {len(rows):,} person records (prior match probability {prior}); "
               f"wrote {out}")
