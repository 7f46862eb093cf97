"""The user's own products, brands, competitors and staff, from CSV or JSONL files.

Each row has ``name`` and ``type`` (PRODUCT, BRAND, COMPETITOR or STAFF), and optionally ``id``
and ``aliases`` (``|``-separated in CSV, a list in JSONL). Precedence: a gazetteer match
replaces any statistical NER entity it overlaps, because the user's list knows their own
catalogue better than a general model does.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.errors import ConfigError

TYPES = {"PRODUCT", "BRAND", "COMPETITOR", "STAFF"}


def load_gazetteer(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """EntityRuler patterns from the files; a bad row names the file, line and field."""
    patterns: list[dict[str, Any]] = []
    for path in paths:
        for line, row in _rows(path):
            name = str(row.get("name") or "").strip()
            kind = str(row.get("type") or "").strip().upper()
            if not name:
                raise ConfigError(f"{path}:{line}: field 'name' is empty")
            if kind not in TYPES:
                raise ConfigError(f"{path}:{line}: field 'type' is {kind!r}; expected one of "
                                  + ", ".join(sorted(TYPES)))
            aliases = row.get("aliases") or []
            if isinstance(aliases, str):
                aliases = [a for a in aliases.split("|") if a.strip()]
            entity_id = str(row.get("id") or f"{kind.lower()}:{name.lower()}")
            for phrase in (name, *aliases):
                patterns.append({"label": kind, "pattern": phrase.strip(), "id": entity_id})
    return patterns


def _rows(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise ConfigError(f"gazetteer file {path} not found")
    if path.suffix.lower() in (".jsonl", ".json"):
        with path.open(encoding="utf-8") as handle:
            for line, text in enumerate(handle, start=1):
                if text.strip():
                    try:
                        yield line, json.loads(text)
                    except json.JSONDecodeError as error:
                        raise ConfigError(f"{path}:{line}: not JSON ({error.msg})") from error
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield line, row
