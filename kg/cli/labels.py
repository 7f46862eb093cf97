"""``kg labels import FILE.csv``: analysts' labels into the graph, bad rows set aside."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.semantic.labels import read_label_file
from kg.services.labels import import_labels
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Analysts' labels (they train `kg model train`).")


@app.command("import")
def import_command(
        path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                    help="CSV: interaction_id or text, and one or more of "
                                         "sentiment, area, concept (ids joined by |)"),
        labelled_by: str = typer.Option("", "--by", help="who labelled (default: the file's "
                                                          "name)")) -> None:
    """Store every good row as a label in the graph; print each row set aside with its line,
    field and reason (exit 1 when any was)."""
    settings = load_settings()
    labels, rejected = read_label_file(path)
    with create_driver(settings) as driver:
        outcome = import_labels(driver, settings, labels, rejected,
                                labelled_by or f"file:{path.name}")
        sync_if_free(driver, settings, load_mapping())
    for problem in sorted(outcome.rejected, key=lambda r: r.line):
        typer.echo(f"{path}:{problem.line}: {problem.field}: {problem.reason}", err=True)
    typer.echo(f"labels written: {outcome.written:,}; set aside: {len(outcome.rejected):,}")
    if outcome.rejected:
        raise typer.Exit(1)
