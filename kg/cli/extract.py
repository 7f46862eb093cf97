"""``kg extract FILE``: one JSON extraction result per input record."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer

from kg.errors import ConfigError
from kg.extraction.models import ExtractionError
from kg.settings import load_settings


class InputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def command(
    file: Path = typer.Argument(..., help="input records, JSON lines or CSV"),
    input_format: InputFormat = typer.Option(InputFormat.jsonl, "--format"),
    text_field: str = typer.Option("text", "--text-field", help="field holding the text"),
    id_field: str = typer.Option("id", "--id-field", help="field holding the record id"),
    out: Path | None = typer.Option(None, "--out", help="output JSONL (default: stdout)"),
    processes: int | None = typer.Option(None, "--processes", help="spaCy n_process"),
    embeddings: bool = typer.Option(False, "--embeddings",
                                    help="include each message's sentence embedding (384 floats)"),
) -> None:
    """Extract concepts, entities, identifiers, sentiment, intents and emotions per record.

    A record that cannot be read or extracted gives a line with its record id, field and error.
    """
    if not file.is_file():
        raise ConfigError(f"input file {file} not found")
    overrides = {"extraction_processes": processes} if processes else {}
    settings = load_settings(**overrides)
    # imported here: every kg command (kg serve too) loads this module, spaCy only extraction
    from kg.extraction.pipeline import build_pipeline, extract

    nlp = build_pipeline(settings)
    read = _jsonl(file, text_field, id_field) if input_format is InputFormat.jsonl \
        else _csv(file, text_field, id_field)
    handle = out.open("wb") if out else sys.stdout.buffer
    rejected = total = 0
    try:
        for result in extract(nlp, read, settings):
            total += 1
            rejected += isinstance(result, ExtractionError)
            left_out = set() if embeddings else {"embedding"}
            handle.write(orjson.dumps(result.model_dump(exclude_none=True, exclude=left_out))
                         + b"\n")
    finally:
        if out:
            handle.close()
    typer.echo(f"extracted {total - rejected} record(s), {rejected} rejected", err=True)


def _jsonl(path: Path, text_field: str, id_field: str) -> Iterator[tuple[str, Any]]:
    from kg.extraction.pipeline import Unreadable

    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            record_id = f"{path.name}:{line}"
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                yield record_id, Unreadable(f"line is not valid JSON or UTF-8 ({error})")
                continue
            if not isinstance(record, dict):
                yield record_id, Unreadable("line is not a JSON object")
                continue
            yield str(record.get(id_field) or record_id), record.get(text_field)


def _csv(path: Path, text_field: str, id_field: str) -> Iterator[tuple[str, Any]]:
    from kg.extraction.pipeline import Unreadable

    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or text_field not in reader.fieldnames:
            raise ConfigError(f"{path}: no column {text_field!r} (use --text-field)")
        for line, row in enumerate(reader, start=2):
            text = row.get(text_field)
            record_id = str(row.get(id_field) or f"{path.name}:{line}")
            if text is not None and any("\udc80" <= ch <= "\udcff" for ch in text):
                yield record_id, Unreadable("text is not valid UTF-8")
                continue
            yield record_id, text
