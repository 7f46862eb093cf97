"""Values crossing the Cypher endpoint: parameters checked before Neo4j sees them, results
made JSON.

Every refusal names the parameter or column, so an analyst gets a 400 that says what to fix
instead of a server error from the driver or the JSON encoder.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import neo4j
from neo4j._codec.hydration import BrokenHydrationObject  # what the driver cannot represent

INT64 = (-(2**63), 2**63 - 1)
# Nodes of the change feed and the suppression list (see kg_api.cypher_policy.INTERNAL_NAMES).
INTERNAL_LABELS = frozenset({"ChangeRecord", "ChangeFeed", "Suppression"})
MAX_DEPTH = 64


class BadValue(ValueError):
    """A parameter or result value that cannot cross the endpoint; the message names it."""


def check_parameters(parameters: dict[str, Any]) -> None:
    """Raise :class:`BadValue` for integers outside 64 bits, text that is not valid Unicode
    (lone surrogates) and nesting deeper than ``MAX_DEPTH``."""
    stack: list[tuple[str, Any, int]] = [(f"${name}", value, 1)
                                         for name, value in parameters.items()]
    for name in parameters:
        _text(name, "a parameter name")
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadValue(f"parameter {where.split('[')[0].split('.')[0]} is nested more "
                           f"than {MAX_DEPTH} levels deep")
        if isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        if isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                raise BadValue(f"parameter {where} is outside Neo4j's 64-bit integer range")
        elif isinstance(value, str):
            _text(value, f"parameter {where}")
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                _text(key, f"a key in parameter {where}")
                stack.append((f"{where}.{key}", item, depth + 1))


def _text(value: str, what: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadValue(f"{what} is not valid Unicode text (a lone surrogate at character "
                       f"{error.start})") from error


def plain(value: Any, column: str) -> Any:
    """A Neo4j value as JSON: nodes and relationships as their labels or type and properties,
    paths as their nodes and relationships, temporal values as ISO strings, bytes as base64,
    non-finite floats as strings."""
    if isinstance(value, neo4j.graph.Node):
        if value.labels & INTERNAL_LABELS:
            raise BadValue(f"column {column!r} holds a node of the product's bookkeeping "
                           f"({', '.join(sorted(value.labels))}), which analysts may not read")
        return {"labels": sorted(value.labels), **plain(dict(value), column)}
    if isinstance(value, neo4j.graph.Relationship):
        return {"type": value.type, **plain(dict(value), column)}
    if isinstance(value, neo4j.graph.Path):
        return {"nodes": [plain(n, column) for n in value.nodes],
                "relationships": [plain(r, column) for r in value.relationships]}
    if isinstance(value, list | tuple):
        return [plain(v, column) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, column) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, BrokenHydrationObject):
        raise BadValue(f"column {column!r} holds a value the driver cannot represent: "
                       f"{value.error}")
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value
