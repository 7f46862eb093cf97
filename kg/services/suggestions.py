"""Merge suggestions: probabilistic links an analyst accepts or rejects.

A suggestion is a stored probabilistic link whose two identities still belong to two
customers and that no analyst has decided: either its probability is below the automatic link
probability, or the two customers hold different CRM ids, which the product never merges on
its own. Accepting adds a ``manual:merge`` link, rejecting a ``manual:split`` link (score 0,
a veto); both are the same evidence ``kg customers merge`` and ``split`` write, so every
decision stays in the graph and can be reversed by the other. The CLI (``kg customers
suggestions | accept | reject``) and the API (``/suggestions``) call these functions.
"""

from __future__ import annotations

import json
from typing import Final, LiteralString

import neo4j
from pydantic import BaseModel, Field

from kg.derivation.linkage import MERGE_RULE, PROBABILISTIC_RULE, SPLIT_RULE
from kg.derivation.refresh import refresh
from kg.errors import ConfigError
from kg.graph.driver import run_query
from kg.services.merge_split import COUNT_CUSTOMERS, link_identities
from kg.settings import Settings

# Merge suggestions: probabilistic links left between two customers that no analyst decided.
READ_SUGGESTIONS: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
MATCH (ca:Customer)-[:HAS_IDENTITY]->(a)
MATCH (cb:Customer)-[:HAS_IDENTITY]->(b)
WHERE ca <> cb
  AND NOT EXISTS { (a)-[m:LINKED_WITH]-(b) WHERE m.linkRule IN $decided }
WITH a, b, l, ca, cb ORDER BY l.linkScore DESC, a.identityId, b.identityId
WITH collect({a: a.identityId, b: b.identityId, customerA: ca.customerId,
              customerB: cb.customerId, nameA: a.displayName, nameB: b.displayName,
              probability: l.linkScore, matchWeight: l.matchWeight,
              matchWeights: l.matchWeights}) AS found
RETURN size(found) AS total, found[$skip..$skip + $limit] AS items
"""

READ_SCORED_LINK: Final[LiteralString] = """
MATCH (a:Identity {identityId: $a})-[l:LINKED_WITH {linkRule: $rule}]->
      (b:Identity {identityId: $b})
RETURN l.linkScore AS probability
"""


class Suggestion(BaseModel):
    a: str = Field(description="identity id")
    b: str = Field(description="identity id")
    customerA: str
    customerB: str
    nameA: str | None = None
    nameB: str | None = None
    probability: float = Field(description="match probability of the linkage model")
    matchWeight: float | None = Field(default=None, description="total match weight (log2 odds)")
    matchWeights: dict[str, float] = Field(
        default_factory=dict, description="per-attribute match weights that produced it")


class SuggestionPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[Suggestion]


class Decision(BaseModel):
    a: str
    b: str
    accepted: bool
    customers: int = Field(description="customers in the graph after the decision")


def list_suggestions(driver: neo4j.Driver, settings: Settings, *, offset: int = 0,
                     limit: int = 50) -> SuggestionPage:
    [row] = run_query(driver, settings, READ_SUGGESTIONS, {
        "rule": PROBABILISTIC_RULE, "decided": [MERGE_RULE, SPLIT_RULE], "skip": offset,
        "limit": limit})
    items = [Suggestion.model_validate(
        {**item, "matchWeights": json.loads(item["matchWeights"] or "{}")})
        for item in row["items"]]
    return SuggestionPage(total=row["total"], offset=offset, limit=limit, items=items)


def decide(driver: neo4j.Driver, settings: Settings, a: str, b: str, *, accept: bool
           ) -> Decision:
    """Accept (merge) or reject (keep apart) the suggested pair, then resolve again."""
    low, high = sorted((a, b))
    if not run_query(driver, settings, READ_SCORED_LINK,
                     {"a": low, "b": high, "rule": PROBABILISTIC_RULE}):
        raise ConfigError(f"no suggested link between {low!r} and {high!r} "
                          "(see kg customers suggestions)")
    rule, score = (MERGE_RULE, 1.0) if accept else (SPLIT_RULE, 0.0)
    link_identities(driver, settings, [{"from": low, "to": high, "rule": rule, "score": score}])
    refresh(driver, settings)
    customers = run_query(driver, settings, COUNT_CUSTOMERS)[0]["n"]
    return Decision(a=low, b=high, accepted=accept, customers=customers)
