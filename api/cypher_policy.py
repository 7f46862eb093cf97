"""What an analyst's Cypher may do: an allow-list checked on the query's plan before it runs.

Neo4j's own read-only check is not enough: ``SHOW TRANSACTIONS … TERMINATE TRANSACTIONS`` is
a "read" query, ``CALL db.stats.*`` reveals server state, ``apoc.cypher.runTimeboxed`` runs a
query in a transaction of its own past the caller's timeout, and ``LOAD CSV`` and
``apoc.load.*`` reach the network. So the plan (from ``EXPLAIN``) must consist only of
operators that read the graph, call only the procedures listed here, and use only the listed
functions. Anything new or unknown is refused until it is added here.

Nor is the timeout enough. Neo4j checks for termination between rows, not inside the
evaluation of one expression, and counts against ``db.memory.transaction.max`` only what
operators hold (rows of ``collect``, ``ORDER BY``, …), not the value an expression builds. So
an expression that runs or grows without bound in one row cannot be stopped: it runs the JVM
out of heap (which exits it) or holds a core after the timeout until Neo4j restarts. Refused,
therefore, before anything runs:

* ``reduce(…)``: the one loop in Cypher that carries a value from step to step, so that a
  short query doubles a string 27 times (1 GiB). Sums and counts have ``sum``,
  ``apoc.coll.sum`` and ``UNWIND … count``.
* ``=~``: Java's regular expressions backtrack, and a pattern such as ``(.*a){15}b`` takes
  exponential time on a 60-character input, all of it inside one evaluation. Bounding the
  input does not help (60 characters suffice, and a stored message text is longer than
  that), and telling safe patterns from catastrophic ones is not something a check on the
  text can do reliably, so regular expressions are refused outright; ``CONTAINS``,
  ``STARTS WITH``, ``ENDS WITH`` and ``toLower`` cover the matching analysts do. APOC's regex
  functions are not loaded at all (:mod:`kg.neo4j_local.allowlist`).
* APOC functions outside :data:`kg.neo4j_local.allowlist.ANALYST_FUNCTIONS` (``lpad``,
  ``repeat``, ``fill``, …), which are not loaded by the server either.

What this does not close: plain Cypher can still grow a value within a row through a chain
of ``WITH s + s AS s`` clauses, nested ``replace`` calls or nested list comprehensions over a
large ``range``; each needs a query written for it, and the JVM still exits on running out of
heap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kg.neo4j_local.allowlist import ANALYST_FUNCTIONS, ANALYST_PROCEDURES


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
}) | ANALYST_PROCEDURES

# Namespaces of built-in functions an analyst may use (names without a dot are all allowed,
# but for the constructs refused below); APOC functions only by their full name.
FUNCTION_NAMESPACES = (
    "date.", "datetime.", "localdatetime.", "localtime.", "time.", "duration.", "point.",
    "vector.",
)
FUNCTION_NAMESPACE_ALLOWED_EXACT = frozenset({"db.nameFromElementId"}) | ANALYST_FUNCTIONS

_CALL = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*+)\s*+\(")
_PROCEDURE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*\(")
# String literals, quoted names and comments, each consumed whole (to the end of the text when
# unterminated), so that what they contain is not taken for an operator.
_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*+(?:'|$)|"(?:[^"\\]|\\.)*+(?:"|$)|`[^`]*+(?:`|$)"""
                     r"|//[^\n]*+|/\*(?:[^*]|\*(?!/))*+(?:\*/|$)", re.DOTALL)
_REGEX_MATCH = re.compile(r"=\s*+~")
_REDUCE = re.compile(r"(?<![\w.$])reduce\s*+\(", re.IGNORECASE)
UNSTOPPABLE = (
    (_REGEX_MATCH, "analysts may not use =~ (regular expressions): one match can backtrack for "
                   "minutes inside a single row, where neither the timeout nor a termination "
                   "reaches it; use CONTAINS, STARTS WITH or ENDS WITH"),
    (_REDUCE, "analysts may not use reduce(): it can grow a value step by step inside one row, "
              "beyond what db.memory.transaction.max counts, until Neo4j runs out of heap; use "
              "sum(), apoc.coll.sum() or UNWIND with an aggregation"),
)


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


def _unquoted(text: str) -> str:
    return _QUOTED.sub(" ", text)


def _check_unstoppable(text: str) -> None:
    """Refuse the constructs Neo4j cannot stop or bound (module docstring), outside literals."""
    bare = _unquoted(text)
    for pattern, reason in UNSTOPPABLE:
        if pattern.search(bare):
            raise Refused(reason)


# The product's own bookkeeping: the change feed (what each write touched, why a derivation
# failed) and the suppression list. Analysts have the graph's facts; these are not facts.
INTERNAL_NAMES = ("ChangeRecord", "ChangeFeed", "Suppression", "touchedNodes", "touchedEdges",
                  "pendingInteractions", "pendingIdentities", "pendingCustomers",
                  "derivationError", "suppressionKey")
_INTERNAL = re.compile(r"(?<![\w$])(" + "|".join(INTERNAL_NAMES) + r")(?!\w)")
# String literals and comments only: a name in backticks is still a name.
_LITERALS = re.compile(r"""'(?:[^'\\]|\\.)*+(?:'|$)|"(?:[^"\\]|\\.)*+(?:"|$)"""
                       r"|//[^\n]*+|/\*(?:[^*]|\*(?!/))*+(?:\*/|$)", re.DOTALL)


def _check_internal(text: str) -> None:
    found = _INTERNAL.search(_LITERALS.sub(" ", text).replace("`", ""))
    if found:
        raise Refused(f"analysts may not read {found.group(1)}: the change feed and the "
                      "suppression list are the product's bookkeeping, not the graph's facts")


def check_text(query: str) -> None:
    """Raise :class:`Refused` for what the text alone shows is not allowed.

    Run before ``EXPLAIN``: a function the server does not load would otherwise come back as
    an unknown function (400) instead of a refusal that names it (403)."""
    _check_unstoppable(query)
    _check_internal(query)
    for called in _namespaced_calls(query):
        if called not in PROCEDURES and not _function_allowed(called):
            raise Refused(f"analysts may not call {called}")


def check_plan(query: str, plan: dict[str, Any]) -> None:
    """Raise :class:`Refused` unless every operator, procedure and function is allowed."""
    check_text(query)
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
        # the plan as well: an expression the text spells in a way not foreseen is caught here
        _check_unstoppable(details)
        _check_internal(details)
