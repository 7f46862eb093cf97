"""``kg derive [--all]``: run the refresh path by hand."""

from __future__ import annotations

import orjson
import typer

from kg.derivation.quarantine import quarantined, release
from kg.derivation.question_groups import group_waiting
from kg.derivation.refresh import derive_everything, refresh
from kg.derivation.summary_check import check_summaries
from kg.derivation.tallies import differences
from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.services.embeddings import embed_stored_messages
from kg.settings import Settings, load_settings


def command(everything: bool = typer.Option(
        False, "--all", help="derive the whole graph again (repair), not only pending changes"),
        check: bool = typer.Option(
        False, "--check", help="only compare the stored customer summaries, corpus counts "
                               "and tallies with a fresh derivation, and report quarantined "
                               "change records; exit 1 on any difference or quarantined record"),
        retry: bool = typer.Option(
        False, "--retry", help="mark the quarantined change records pending again, then "
                               "derive (once the cause of their failure is fixed)"),
        list_quarantined: bool = typer.Option(
        False, "--quarantined", help="list the quarantined change records (JSON lines: "
                                     "sequence, error, what they name) and exit")
) -> None:
    """Derive customers, cases, journeys, segments and summaries for pending changes (or
    all; then also embed the stored messages that lack the embedding search reads)."""
    settings = load_settings()
    if check:
        _check(settings)
        return
    if list_quarantined:
        with create_driver(settings) as driver:
            for record in quarantined(driver, settings):
                typer.echo(orjson.dumps(record).decode())
        return
    with create_driver(settings) as driver:
        if retry:
            typer.echo(f"released from quarantine: {release(driver, settings):,}")
        done = derive_everything(driver, settings) if everything else refresh(driver, settings)
        embedded = embed_stored_messages(driver, settings) if everything else None
        grouping = group_waiting(driver, settings)
        synced = sync_if_free(driver, settings, load_mapping())
    for name, value in done.as_dict().items():
        typer.echo(f"{name}: {value:,}")
    if embedded is not None:
        typer.echo(f"messages embedded for search: {embedded:,}")
    typer.echo(f"question groups: {grouping.grouped:,} messages grouped "
               f"({grouping.founded:,} new groups)")
    typer.echo("RDF mirror: " + ("owned by a running server" if synced is None
                                 else f"at change {synced.applied_to}"))


def _check(settings: Settings) -> None:
    with create_driver(settings) as driver:
        result = check_summaries(driver, settings)
        wrong_tallies = differences(driver, settings.neo4j_database)
        set_aside = quarantined(driver, settings)
    typer.echo(f"customers: {result.customers:,}")
    for name, found in (("stale summaries", result.stale), ("missing summaries", result.missing),
                        ("summaries of no customer", result.orphaned)):
        typer.echo(f"{name}: {len(found):,}" + (f" (e.g. {', '.join(found[:5])})"
                                                 if found else ""))
    typer.echo(f"wrong corpus counts: {len(result.wrong_counts):,}")
    for key, (stored, expected) in list(result.wrong_counts.items())[:10]:
        typer.echo(f"  {key}: stored {stored:,}, from the facts {expected:,}")
    typer.echo(f"wrong tallies: {len(wrong_tallies):,}")
    for key, delta in list(wrong_tallies.items())[:10]:
        typer.echo(f"  {key}: the facts say {delta:+,} against the stored value")
    typer.echo(f"quarantined change records: {len(set_aside):,}")
    for record in set_aside[:10]:
        typer.echo(f"  {record.sequence}: {record.error}")
    if not result.same or wrong_tallies:
        typer.echo("repair with `kg derive --all`")
    if set_aside:
        typer.echo("list them with `kg derive --quarantined`; once their cause is fixed, "
                   "derive them with `kg derive --retry`")
    if not result.same or wrong_tallies or set_aside:
        raise typer.Exit(1)
