"""Canonical JSON lines: one :class:`InteractionRecord` per line (see the JSON Schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from kg.ingestion.adapters.base import AdapterOptions, Item, Rejected, SourceRef, adapter, build
from kg.ingestion.records import InteractionRecord


@adapter("jsonl")
def read_jsonl(path: Path, options: AdapterOptions) -> Iterator[Item]:
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            ref = SourceRef(path.name, f"line {line}")
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                yield Rejected(ref, "record", f"not valid JSON or UTF-8: {error}")
                continue
            if not isinstance(data, dict):
                yield Rejected(ref, "record", "not a JSON object")
                continue
            yield build(ref, InteractionRecord, data)
