"""``kg search TEXT`` and ``kg similar-cases ID``: message search and "seen before" from the
shell, the same service functions as ``GET /search`` and ``GET
/interactions/{id}/similar-cases``."""

from __future__ import annotations

from datetime import datetime

import typer

from kg.cli.times import as_utc
from kg.errors import ConfigError
from kg.graph.driver import create_driver
from kg.search.models import SearchFilters
from kg.services.search import UnknownInteraction, find_similar_cases, search_messages
from kg.settings import load_settings


def search_command(
    text: str = typer.Argument(..., help="what to look for, in any words"),
    customer: str | None = typer.Option(None, help="only this customer's messages"),
    channel: str | None = typer.Option(None, help="only this channel's (e.g. twitter)"),
    concept: str | None = typer.Option(None, help="only messages about this concept id "
                                                  "(or a narrower one)"),
    sentiment: str | None = typer.Option(None, help="positive, neutral or negative"),
    direction: str | None = typer.Option(None, help="inbound (customers) or outbound (brand)"),
    since: datetime | None = typer.Option(None, help="from this time (UTC unless given)"),
    until: datetime | None = typer.Option(None, help="before this time"),
    mode: str = typer.Option("hybrid", help="hybrid, vector (meaning) or text (words)"),
    offset: int = typer.Option(0, min=0, max=1000),
    limit: int = typer.Option(20, min=1, max=100),
) -> None:
    """Find messages by meaning and by words; prints one JSON page."""
    if mode not in ("hybrid", "vector", "text"):
        raise ConfigError(f"--mode {mode!r}: use hybrid, vector or text")
    try:
        filters = SearchFilters.model_validate({
            "customer_id": customer, "channel": channel, "concept": concept,
            "sentiment": sentiment, "direction": direction,
            "since": as_utc(since), "until": as_utc(until)})
    except ValueError as error:
        raise ConfigError(f"a filter is not valid: {error}") from error
    settings = load_settings()
    with create_driver(settings) as driver:
        page = search_messages(driver, settings, text, filters=filters,
                               mode=mode,  # type: ignore[arg-type]
                               offset=offset, limit=limit)
    typer.echo(page.model_dump_json(indent=2))


def similar_cases_command(
    interaction_id: str = typer.Argument(..., help="an interaction id"),
    limit: int = typer.Option(5, min=1, max=20),
) -> None:
    """Closed cases most like a message, with the brand's replies; prints JSON."""
    settings = load_settings()
    with create_driver(settings) as driver:
        try:
            found = find_similar_cases(driver, settings, interaction_id, limit=limit)
        except UnknownInteraction as error:
            raise ConfigError(str(error)) from error
    typer.echo(found.model_dump_json(indent=2))
