"""``kg ontology``: check the ontology and generate its reference documentation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from kg.cli.times import as_utc
from kg.graph.driver import create_driver
from kg.ontology.check import check_ontology
from kg.ontology.docs import write_docs
from kg.ontology.files import OntologyFiles, default_ontology_dir, load_vocabulary
from kg.ontology.mapping import build_mapping
from kg.services.knowledge import suggested_concepts
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Check and document the ontology.")
console = Console(soft_wrap=True)

FolderOption = typer.Option(None, "--dir", help="ontology folder (default: the project's)")


@app.command()
def check(
    folder: Path | None = FolderOption,
    sample: Path | None = typer.Option(None, help="instance data to reason over and validate"),
) -> None:
    """Load, reason with HermiT, validate SHACL shapes on a sample; non-zero exit on a problem."""
    files = OntologyFiles(folder or default_ontology_dir())
    with console.status("checking the ontology (HermiT, SHACL)…"):
        report = check_ontology(files, sample)
    console.print(f"classes: {report.classes}  object properties: {report.object_properties}  "
                  f"datatype properties: {report.datatype_properties}")
    console.print(f"concepts: {report.concepts} in {report.top_concepts} top-level areas")
    console.print("HermiT: consistent, no unsatisfiable classes")
    if not report.shapes.conforms:
        console.print(f"[red]SHACL: {len(report.shapes.violations)} violation(s)[/red]")
        for violation in report.shapes.violations:
            console.print(f"  {violation}", highlight=False)
        raise typer.Exit(1)
    console.print("SHACL: sample conforms")


@app.command()
def docs(
    out: Path = typer.Option(Path("docs"), help="folder for the Markdown and HTML reference"),
    folder: Path | None = FolderOption,
) -> None:
    """Write the ontology reference (classes, properties, concept tree) as Markdown and HTML."""
    files = OntologyFiles(folder or default_ontology_dir())
    vocabulary = load_vocabulary(files)
    md_path, html_path = write_docs(vocabulary, build_mapping(vocabulary, files.ontology), out)
    console.print(f"wrote {md_path} and {html_path}")


@app.command()
def suggest(
    out: Path | None = typer.Option(None, "--out", help="write the Turtle here (default: "
                                                         "standard output)"),
    since: datetime | None = typer.Option(None, help="window start (default: a week "
                                                     "before its end; UTC unless given)"),
    until: datetime | None = typer.Option(None, help="window end (default: the graph's now)"),
) -> None:
    """SKOS concepts suggested for the emerging topics (growing groups of messages no concept
    covers), as Turtle to review and add to ontology/concepts.ttl by hand."""
    settings = load_settings()
    with create_driver(settings) as driver:
        turtle = suggested_concepts(driver, settings, since=as_utc(since), until=as_utc(until))
    if out is None:
        typer.echo(turtle, nl=False)
    else:
        out.write_text(turtle, encoding="utf-8")
        typer.echo(f"wrote {turtle.count(' a skos:Concept')} suggestion(s) to {out}", err=True)
