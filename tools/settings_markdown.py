"""The settings reference page: every field of :class:`kg.settings.Settings` as a table row.

Generated from the class itself when the site is built, so a setting added in the code is in
the reference at once. A field without a ``description`` in the code shows the short note
from :data:`NOTES` (kept here, since it documents rather than configures).
"""

from __future__ import annotations

import json
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from kg.settings import Settings

CACHE_SHOWN = "~/.cache/customer-kg"

NOTES = {
    "neo4j_user": "user the driver signs in as",
    "neo4j_database": "database the product reads and writes",
    "neo4j_home": "home of the project-managed local Neo4j (`kg neo4j install`)",
    "maven_repo": "Maven repository folder every local server's downloads share",
    "neo4j_bolt_port": "Bolt port of the local Neo4j",
    "neo4j_heap": "heap of the local Neo4j (initial = maximum), e.g. `4g`",
    "neo4j_pagecache": "page cache of the local Neo4j, e.g. `6g`",
    "neo4j_start_timeout": "seconds `kg neo4j start` waits for Bolt to answer",
    "neo4j_stop_timeout": "seconds `kg neo4j stop` waits for a clean shutdown before killing",
    "id_secret_file": "where a generated id secret is kept (mode 0600)",
    "fuseki_home": "home of the local Fuseki (`kg fuseki install`)",
    "fuseki_port": "HTTP port of the local Fuseki",
    "fuseki_version": "Maven version of `org.apache.jena:jena-fuseki-main`",
    "api_cors_origins": "origins allowed to call the API from a browser (JSON list)",
    "api_max_body_bytes": "largest request body, counted as received (413 beyond)",
    "query_timeout_seconds": "server-side timeout of a Cypher or SPARQL query, and how long a "
                             "write waits for the mirror",
    "query_max_rows": "row cap of a Cypher result (`truncated: true` beyond)",
    "extraction_batch_size": "records per `nlp.pipe` batch",
    "extraction_processes": "extraction processes of a load",
    "extraction_max_chars": "longest text extracted; a longer one is rejected with its reason",
}


def _type(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{arg}`" for arg in args)
    if origin in (typing.Union, types.UnionType):
        shown = [_type(arg) for arg in args if arg is not type(None)]
        return " or ".join(shown) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"JSON list of {_type(args[0])}"
    if origin is dict:
        return f"JSON object of {_type(args[0])} to {_type(args[1])}"
    names = {str: "text", int: "integer", float: "number", bool: "true/false", Path: "path",
             SecretStr: "secret", datetime: "date-time"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    value = (field.default_factory() if field.default_factory is not None  # type: ignore[call-arg]
             else field.default)
    if value is PydanticUndefined or value is None:
        return "unset"
    if isinstance(value, Path):
        shown = str(value).replace(str(Path(user_cache_dir("customer-kg"))), CACHE_SHOWN)
        return f"`{shown}`"
    if isinstance(value, datetime):
        return f"`{value.isoformat()}`"
    if isinstance(value, dict | list):
        return f"`{json.dumps(value)}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    lines = ["# Settings reference", "",
             "Generated from `kg/settings.py` each time the site is built; do not edit by hand. "
             "Every setting is an environment variable, or a line in a `.env` file in the "
             "working directory. What the settings are for, by subject: "
             "[Operations](operations.md#settings).", "",
             f"`{CACHE_SHOWN}` stands for the user cache folder (`$XDG_CACHE_HOME/customer-kg` "
             "when that is set).", "",
             "| variable | type | default | what it sets |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        note = field.description or NOTES.get(name, "")
        lines.append(f"| `{prefix}{name.upper()}` | {_cell(_type(field.annotation))} | "
                     f"{_cell(_default(field))} | {_cell(note)} |")
    return "\n".join(lines) + "\n"
