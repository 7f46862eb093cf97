"""What an analyst's Cypher may do: an allow-list checked on the query's plan before it runs.

Neo4j's own read-only check is not enough: ``SHOW TRANSACTIONS … TERMINATE TRANSACTIONS`` is
a "read" query, ``CALL db.stats.*`` reveals server state, ``apoc.cypher.runTimeboxed`` runs a
query in a transaction of its own past the caller's timeout, and ``LOAD CSV`` and
``apoc.load.*`` reach the network. So the plan (from ``EXPLAIN``) must consist only of
operators that read the graph, call only the procedures listed here, and use only the listed
function namespaces. Anything new or unknown is refused until it is added here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Plan operators that read the graph or compute over rows (Neo4j 5 Cypher operators).
READ_OPERATORS = _names("""
AllNodesScan NodeByLabelScan NodeByIdSeek NodeByElementIdSeek NodeIndexSeek NodeUniqueIndexSeek
MultiNodeIndexSeek AssertingMultiNodeIndexSeek NodeIndexSeekByRange NodeUniqueIndexSeekByRange
NodeIndexContainsScan NodeIndexEndsWithScan NodeIndexScan IntersectionNodeByLabelsScan
UnionNodeByLabelsScan SubtractionNodeByLabelsScan
DirectedAllRelationshipsScan UndirectedAllRelationshipsScan DirectedRelationshipTypeScan
UndirectedRelationshipTypeScan DirectedUnionRelationshipTypesScan
UndirectedUnionRelationshipTypesScan DirectedRelationshipByIdSeek
UndirectedRelationshipByIdSeek DirectedRelationshipByElementIdSeek
UndirectedRelationshipByElementIdSeek DirectedRelationshipIndexSeek
UndirectedRelationshipIndexSeek DirectedRelationshipUniqueIndexSeek
UndirectedRelationshipUniqueIndexSeek DirectedRelationshipIndexSeekByRange
UndirectedRelationshipIndexSeekByRange DirectedRelationshipUniqueIndexSeekByRange
UndirectedRelationshipUniqueIndexSeekByRange DirectedRelationshipIndexScan
UndirectedRelationshipIndexScan DirectedRelationshipIndexContainsScan
UndirectedRelationshipIndexContainsScan DirectedRelationshipIndexEndsWithScan
UndirectedRelationshipIndexEndsWithScan AssertingMultiRelationshipIndexSeek
NodeCountFromCountStore RelationshipCountFromCountStore
Expand(All) Expand(Into) OptionalExpand(All) OptionalExpand(Into) VarLengthExpand(All)
VarLengthExpand(Into) VarLengthExpand(Pruning) VarLengthExpand(Pruning,BFS,All)
VarLengthExpand(Pruning,BFS,Into) BFSPruningVarExpand Repeat(Trail) Repeat(Walk) Trail
NullifyMetadata ShortestPath StatefulShortestPath(All) StatefulShortestPath(Into)
ProjectEndpoints TriadicSelection TriadicBuild TriadicFilter
Apply SemiApply AntiSemiApply LetSemiApply LetAntiSemiApply SelectOrSemiApply
SelectOrAntiSemiApply LetSelectOrSemiApply LetSelectOrAntiSemiApply ConditionalApply
AntiConditionalApply RollUpApply Argument ArgumentTracker CartesianProduct NodeHashJoin
ValueHashJoin NodeLeftOuterHashJoin NodeRightOuterHashJoin Optional Anti
Filter Limit ExhaustiveLimit Skip Sort PartialSort Top PartialTop Union OrderedUnion Unwind
Projection Aggregation EagerAggregation OrderedAggregation Distinct OrderedDistinct
CacheProperties Eager EmptyResult EmptyRow ProduceResults AssertSameNode
AssertSameRelationship ProcedureCall
""")

# Procedures an analyst may call: the schema, and APOC's read-only path expanders.
PROCEDURES = frozenset({
    "db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization",
    "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
    "apoc.path.expand", "apoc.path.expandConfig", "apoc.path.subgraphNodes",
    "apoc.path.subgraphAll", "apoc.path.spanningTree",
})

# Namespaced functions an analyst may use (built-in names without a dot are all allowed).
FUNCTION_NAMESPACES = (
    "date.", "datetime.", "localdatetime.", "localtime.", "time.", "duration.", "point.",
    "vector.", "apoc.coll.", "apoc.text.", "apoc.map.", "apoc.math.", "apoc.number.",
    "apoc.date.", "apoc.temporal.", "apoc.convert.", "apoc.agg.", "apoc.label.",
    "apoc.node.degree", "apoc.node.labels", "apoc.rel.type", "apoc.any.properties",
    "apoc.meta.cypher.", "apoc.scoring.", "apoc.hashing.",
)
FUNCTION_NAMESPACE_ALLOWED_EXACT = frozenset({"db.nameFromElementId"})

_CALL = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*+)\s*+\(")
_PROCEDURE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*\(")


class Refused(Exception):
    """The query uses something analysts may not; the message names it."""


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


def _namespaced_calls(text: str) -> set[str]:
    flat = re.sub(r"(?<!\s)\s++(?=\.)|(?<=\.)\s++", "", text.replace("`", ""))
    return {name for name in _CALL.findall(flat) if "." in name}


def _function_allowed(name: str) -> bool:
    return name in FUNCTION_NAMESPACE_ALLOWED_EXACT or name.startswith(FUNCTION_NAMESPACES)


def check_plan(query: str, plan: dict[str, Any]) -> None:
    """Raise :class:`Refused` unless every operator, procedure and function is allowed."""
    procedures: set[str] = set()
    for operator in _operators(plan):
        name = str(operator.get("operatorType", "")).split("@", 1)[0]
        if name not in READ_OPERATORS:
            raise Refused(f"analysts may not run {name} (only reading the graph is allowed)")
        details = str(operator.get("args", {}).get("Details", ""))
        if name == "ProcedureCall":
            match = _PROCEDURE.match(details)
            procedure = match.group(1) if match else details
            if procedure not in PROCEDURES:
                raise Refused(f"analysts may not call the procedure {procedure}; allowed: "
                              + ", ".join(sorted(PROCEDURES)))
            procedures.add(procedure)
        for function in _namespaced_calls(details) - procedures:
            if not _function_allowed(function):
                raise Refused(f"analysts may not call the function {function}")
    # The query text as well: a name the plan shows differently is still caught.
    for called in _namespaced_calls(query):
        if called not in PROCEDURES and not _function_allowed(called):
            raise Refused(f"analysts may not call {called}")
