"""The concept taxonomy with how often customers talk about each concept."""

from __future__ import annotations

from typing import Any, Final, LiteralString

from fastapi import APIRouter

from kg.consent.policy import ANALYTICS_INCLUDED_INTERACTION
from kg_api.deps import GraphDep
from kg_api.security import Reader

CONCEPT_TREE: Final[LiteralString] = """
MATCH (k:Concept)
OPTIONAL MATCH (k)-[:BROADER]->(b:Concept)
RETURN k.conceptId AS conceptId, k.prefLabel AS label, b.conceptId AS broader,
       COUNT { (k)<-[:ABOUT_CONCEPT]-(i:Interaction)
               WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """ } AS interactions
ORDER BY conceptId
"""


router = APIRouter(prefix="/concepts", tags=["concepts"])


@router.get("", summary="The taxonomy tree; counts include narrower concepts")
def tree(graph: GraphDep, _: Reader) -> list[dict[str, Any]]:
    rows = graph.rows(CONCEPT_TREE)
    nodes = {r["conceptId"]: {"conceptId": r["conceptId"], "label": r["label"],
                              "interactions": r["interactions"], "narrower": []} for r in rows}
    roots = []
    for row in rows:
        node = nodes[row["conceptId"]]
        if row["broader"] in nodes:
            nodes[row["broader"]]["narrower"].append(node)
        else:
            roots.append(node)

    def total(node: dict[str, Any]) -> int:
        node["total"] = node["interactions"] + sum(total(n) for n in node["narrower"])
        return int(node["total"])

    for root in roots:
        total(root)
    return roots
