"""``kg questions report | emerging | group | regroup``: recurring questions and emerging
topics from the shell, the same service functions as the API's insights."""

from __future__ import annotations

from datetime import datetime

import typer

from kg.cli.times import as_utc
from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.services import knowledge
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True,
                  help="Recurring questions and emerging topics (question groups).")

Since = typer.Option(None, help="window start (UTC unless given)")
Until = typer.Option(None, help="window end (default: the graph's now)")


@app.command()
def report(since: datetime | None = Since, until: datetime | None = Until,
           min_messages: int = typer.Option(2, min=1), limit: int = typer.Option(20, min=1,
                                                                                 max=100)
           ) -> None:
    """Recurring questions in the window (default 28 days), as JSON."""
    settings = load_settings()
    with create_driver(settings) as driver:
        found = knowledge.recurring(driver, settings, since=as_utc(since), until=as_utc(until),
                                    min_messages=min_messages, limit=limit)
    typer.echo(found.model_dump_json(indent=2))


@app.command()
def emerging(since: datetime | None = Since, until: datetime | None = Until,
             min_messages: int = typer.Option(3, min=1),
             limit: int = typer.Option(20, min=1, max=100)) -> None:
    """Emerging topics in the window (default 7 days, against the week before), as JSON."""
    settings = load_settings()
    with create_driver(settings) as driver:
        found = knowledge.emerging(driver, settings, since=as_utc(since), until=as_utc(until),
                                   min_messages=min_messages, limit=limit)
    typer.echo(found.model_dump_json(indent=2))


@app.command()
def group() -> None:
    """Group the messages waiting (loads and the API do this after every write)."""
    settings = load_settings()
    with create_driver(settings) as driver:
        done = knowledge.group_waiting(driver, settings)
        sync_if_free(driver, settings, load_mapping())
    typer.echo(f"read {done.read:,}; grouped {done.grouped:,} ({done.founded:,} new groups)")


@app.command()
def regroup() -> None:
    """Group every customer message again, in time order (the reference grouping)."""
    settings = load_settings()
    with create_driver(settings) as driver:
        done = knowledge.regroup(driver, settings)
        sync_if_free(driver, settings, load_mapping())
    typer.echo(f"grouped {done.grouped:,} messages into {done.founded:,} groups")
