"""Helpers that read the whole graph's state, to compare two loads exactly."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import neo4j

from kg.graph import queries
from kg.settings import Settings

# The change feed is bookkeeping (its records differ with the history of writes), not a fact.
FINGERPRINT_NODES = """
MATCH (n) WHERE NOT n:ChangeRecord AND NOT n:ChangeFeed
RETURN labels(n) AS labels, properties(n) AS props
"""
FINGERPRINT_RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN labels(a) AS a, properties(a) AS ap, type(r) AS type, properties(r) AS props,
       labels(b) AS b, properties(b) AS bp
"""


def wipe(driver: neo4j.Driver, settings: Settings) -> None:
    with driver.session(database=settings.neo4j_database) as session:
        session.run(queries.DELETE_ALL_RELATIONSHIPS).consume()
        session.run(queries.DELETE_ALL).consume()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def fingerprint(driver: neo4j.Driver, settings: Settings) -> dict[str, Any]:
    """Counts and an order-independent digest of every node and relationship with properties."""
    with driver.session(database=settings.neo4j_database) as session:
        nodes = sorted(_canonical([sorted(r["labels"]), r["props"]])
                       for r in session.run(FINGERPRINT_NODES))
        rels = sorted(_canonical([sorted(r["a"]), r["ap"], r["type"], r["props"],
                                  sorted(r["b"]), r["bp"]])
                      for r in session.run(FINGERPRINT_RELATIONSHIPS))
    return {"nodes": len(nodes), "relationships": len(rels),
            "digest": hashlib.sha256("\n".join(nodes + rels).encode()).hexdigest()}
