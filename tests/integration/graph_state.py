"""Helpers that read the whole graph's state, to compare two loads exactly."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final, LiteralString

import neo4j

from kg.settings import Settings

# Everything derivation made, removed so ``derive --all`` can be compared with a clean slate.
FORGET_DERIVED: Final[LiteralString] = """
CALL () { MATCH (c:Customer) DETACH DELETE c }
CALL () { MATCH (k:Case) DETACH DELETE k }
CALL () { MATCH (j:Journey) DETACH DELETE j }
CALL () { MATCH (:Identity)-[l:LINKED_WITH {linkRule: $scoredRule}]->(:Identity) DELETE l }
CALL () { MATCH (f:ChangeFeed) REMOVE f.newestInteractionAt }
CALL () { MATCH (k:Concept) REMOVE k.interactionCount, k.negativeOpinionCount }
CALL () { MATCH (c:Channel) REMOVE c.scoredInteractionCount, c.sentimentPoints,
                                   c.meanSentimentScore }
"""


# The change feed is bookkeeping (its records differ with the history of writes), not a fact.
FINGERPRINT_NODES: Final[LiteralString] = """
MATCH (n) WHERE NOT n:ChangeRecord AND NOT n:ChangeFeed
RETURN labels(n) AS labels, properties(n) AS props
"""
FINGERPRINT_RELATIONSHIPS: Final[LiteralString] = """
MATCH (a)-[r]->(b)
RETURN labels(a) AS a, properties(a) AS ap, type(r) AS type, properties(r) AS props,
       labels(b) AS b, properties(b) AS bp
"""


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
