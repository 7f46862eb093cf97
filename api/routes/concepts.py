"""The concept taxonomy with how often customers talk about each concept."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kg.graph import queries
from kg_api.deps import GraphDep
from kg_api.security import Reader

router = APIRouter(prefix="/concepts", tags=["concepts"])


@router.get("", summary="The taxonomy tree; counts include narrower concepts")
def tree(graph: GraphDep, _: Reader) -> list[dict[str, Any]]:
    rows = graph.rows(queries.CONCEPT_TREE)
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
