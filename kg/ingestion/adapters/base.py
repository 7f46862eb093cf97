"""What an adapter yields: each record read is either a canonical record or a rejection."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kg.ingestion.records import CustomerRecord, InteractionRecord


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from: the file and the line or record id in it."""

    file: str
    position: str

    def __str__(self) -> str:
        return f"{self.file}:{self.position}"


@dataclass(frozen=True)
class Loaded:
    ref: SourceRef
    record: InteractionRecord | CustomerRecord


@dataclass(frozen=True)
class Rejected:
    ref: SourceRef
    field: str
    reason: str


Item = Loaded | Rejected


@dataclass
class AdapterOptions:
    mapping: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Adapter = Callable[[Path, AdapterOptions], Iterator[Item]]
ADAPTERS: dict[str, Adapter] = {}


def adapter(name: str) -> Callable[[Adapter], Adapter]:
    """Register an adapter under the name ``kg load`` knows it by."""
    def register(function: Adapter) -> Adapter:
        ADAPTERS[name] = function
        return function
    return register


def csv_rows(path: Path, *, lower_keys: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file with a header; values stripped of surrounding space."""
    with path.open(encoding="utf-8", newline="") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            yield line, {(k.strip().lower() if lower_keys else k): (v or "").strip()
                         for k, v in raw.items() if k}


def build(ref: SourceRef, model: type[InteractionRecord] | type[CustomerRecord],
          data: dict[str, Any]) -> Item:
    """Validate into a canonical record, or reject naming the first bad field."""
    try:
        return Loaded(ref, model.model_validate(data))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "record"
        return Rejected(ref, where, first["msg"])
