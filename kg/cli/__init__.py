"""The ``kg`` command: one typer app assembled from one module per command group."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from rich.console import Console

from kg.cli import (
    consent,
    customers,
    db,
    derive,
    extract,
    fuseki,
    generate,
    labels,
    load,
    model,
    neo4j_server,
    ontology,
    questions,
    rdf,
    search,
    serve,
    suppression,
)
from kg.errors import KgError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Semantic customer knowledge graph.")
app.add_typer(neo4j_server.app, name="neo4j")
app.add_typer(db.app, name="db")
app.add_typer(ontology.app, name="ontology")
app.command(name="extract")(extract.command)
app.command(name="load")(load.command)
app.command(name="derive")(derive.command)
app.command(name="generate")(generate.command)
app.command(name="serve")(serve.command)
app.add_typer(rdf.app, name="rdf")
app.add_typer(fuseki.app, name="fuseki")
app.add_typer(customers.app, name="customers")
app.add_typer(suppression.app, name="suppression")
app.add_typer(consent.app, name="consent")
app.add_typer(labels.app, name="labels")
app.add_typer(model.app, name="model")
app.add_typer(questions.app, name="questions")
app.command(name="search")(search.search_command)
app.command(name="similar-cases")(search.similar_cases_command)


def main() -> None:
    """Entry point: product errors become one red line and exit code 1, never a traceback."""
    try:
        app()  # standalone: usage errors exit 2, typer.Exit codes are honoured
    except KgError as error:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {error}", highlight=False)
        sys.exit(1)
    except ValidationError as error:
        Console(stderr=True, soft_wrap=True).print(f"[red]invalid setting:[/red] {error}",
                                                   highlight=False)
        sys.exit(2)
