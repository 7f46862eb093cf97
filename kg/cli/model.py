"""``kg model train|status|activate``: the deployment's own semantic model versions."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from kg.errors import ConfigError
from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.semantic.labels import read_label_file
from kg.semantic.versions import (
    BASE_NAME,
    activate,
    active_name,
    base_version,
    trained_versions,
)
from kg.services.adaptation import LabelledText, train_model
from kg.services.labels import graph_labelled_texts
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Semantic model versions (KG_MODEL_DIR).")


def labelled_texts(path: Path) -> list[LabelledText]:
    """Text-keyed labels of a label file (rows naming an interaction need the graph: use
    `kg labels import`, which stores them, then train from the graph)."""
    labels, rejected = read_label_file(path)
    for problem in rejected:
        typer.echo(f"{path}:{problem.line}: {problem.field}: {problem.reason} (set aside)",
                   err=True)
    return [LabelledText(text=label.text, sentiment=label.sentiment, area=label.area,
                         concepts=label.concepts)
            for label in labels if label.text]


@app.command("train")
def train(labels_file: Path | None = typer.Option(
        None, "--labels", exists=True, dir_okay=False,
        help="train on this label file (CSV with text) instead of the labels in the graph"),
        force: bool = typer.Option(
        False, "--force", help="activate the new version even if it is worse than the "
                               "active one on the held-back labels"),
        no_reread: bool = typer.Option(
        False, "--no-reread", help="when activated, leave the re-read for later "
                                   "(`kg model reread`)")) -> None:
    """Fit the heads on the shipped base rows plus the deployment's labels; record a version
    with its figures and activate it unless it is worse than the active one."""
    settings = load_settings()
    if labels_file is None:
        with create_driver(settings) as driver:
            labels = graph_labelled_texts(driver, settings)
    else:
        labels = labelled_texts(labels_file)
    if not labels:
        raise ConfigError("no labels to train on")
    outcome = train_model(settings.model_dir, labels, force=force)
    typer.echo(f"version {outcome.version.name}: {len(labels):,} labels, "
               f"{outcome.figures.messages:,} held back, {outcome.seconds:.1f} s")
    typer.echo(f"  new:    {orjson.dumps(outcome.figures.as_dict()).decode()}")
    typer.echo(f"  {outcome.previous_name}: "
               f"{orjson.dumps(outcome.previous.as_dict()).decode()}")
    typer.echo(outcome.reason)
    if not outcome.activated:
        raise typer.Exit(1)
    if not no_reread:
        reread_command()


@app.command("status")
def status() -> None:
    """List the versions with their figures; the active one is marked with *."""
    settings = load_settings()
    active = active_name(settings.model_dir)
    base = base_version()
    typer.echo(f"{'*' if active == BASE_NAME else ' '} {BASE_NAME}  (shipped)  {base.path}")
    for version in trained_versions(settings.model_dir):
        mark = "*" if version.name == active else " "
        figures = version.info.get("figures", {})
        typer.echo(f"{mark} {version.name}  {version.info.get('created_at', '')}  "
                   f"labels={version.info.get('labels', '?')}  "
                   f"held-back figures={orjson.dumps(figures).decode()}")


@app.command("activate")
def activate_command(version: str = typer.Argument(
        ..., help="a version name (v0001), latest, or base"),
        no_reread: bool = typer.Option(
        False, "--no-reread", help="only switch; re-read the graph later (`kg model reread`)")
) -> None:
    """Switch the active version (or roll back), then re-read what the graph holds with it.
    Processes started afterwards use it; restart a running `kg serve`."""
    settings = load_settings()
    chosen = activate(settings.model_dir, version)
    typer.echo(f"active: {chosen.name}")
    if not no_reread:
        reread_command()


@app.command("reread")
def reread_command() -> None:
    """Re-read every interaction the active model has not read yet, page by page through the
    change feed (resumable: run it again after an interruption)."""
    # imported here: every kg command (kg serve too) loads this module, spaCy only re-reading
    from kg.extraction.pipeline import build_pipeline
    from kg.services.reread import Reread, reread

    settings = load_settings()
    nlp = build_pipeline(settings)
    mapping = load_mapping()

    def report(done: Reread) -> None:
        typer.echo(f"re-read {done.reread:,} of {done.stale_at_start:,} "
                   f"({done.failed:,} kept their reading: text no longer extractable)")

    with create_driver(settings) as driver:
        done = reread(driver, settings, nlp, mapping, progress=report)
        sync_if_free(driver, settings, mapping)
    typer.echo(f"done: {done.reread:,} interactions now read by {done.version}")
