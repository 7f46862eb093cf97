"""Five everyday analyst questions, each asked in SPARQL (the RDF mirror) and Cypher (Neo4j).

They are the analysts' guide's worked examples (``docs/guides/analysts.md``), the questions
``scripts/bench_api`` times on the
Oxigraph mirror, on rdflib in memory and on Neo4j, and the twins the integration tests hold
to the same answer. Every question reads the model as the ontology states it: a message's
sentiment is the interaction's own ``sentimentLabel`` / ``sentimentScore``, and nodes are found
by their key properties, never by taking an IRI apart. Both forms return the same columns in
the same order, keys rather than IRIs, with ties broken by key, so that answers compare row by
row. The one input (a customer id) is a query parameter in Cypher and a variable substitution
in SPARQL (which needs the variable in the projection), never spliced into the text.

The four whole-graph questions read tallies in SPARQL (``ckg:interactionCount``,
``ckg:meanSentimentScore``, ``ckg:negativeOpinionCount``, ``ckg:openCaseCount``: counts every
write keeps in step, :mod:`kg.derivation.tallies`), so the mirror reads one node per concept,
channel or customer instead of scanning every interaction; their Cypher twins count from the
facts, which makes the twins' agreement a check of the tallies. ``docs/figures.md`` gives both
speeds. "Open cases per customer" first finds the tenth-highest count and sorts only the
customers at or above it by key: sorting every customer with an open case by a string is what
costs on a large graph (measured in ``docs/figures.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, LiteralString

import neo4j
import pyoxigraph as ox

from kg.graph.driver import run_query
from kg.settings import Settings

PREFIX: Final = "PREFIX ckg: <https://w3id.org/customer-kg/ontology#>\n"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES: Final = {XSD + name for name in (
    "integer", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger")}
DECIMAL_TYPES: Final = {XSD + name for name in ("double", "float", "decimal")}

Value = str | int | float | datetime | bool | None
Row = tuple[Value, ...]


@dataclass(frozen=True)
class AnalystQuestion:
    """One question in both query languages; ``parameters`` names its inputs."""

    name: str
    columns: tuple[str, ...]
    sparql: str
    cypher: LiteralString
    parameters: tuple[str, ...] = ()


TOP_CONCEPTS = AnalystQuestion(
    name="interactions per concept",
    columns=("concept", "label", "interactions"),
    sparql=PREFIX + """SELECT ?concept ?label ?interactions WHERE {
  ?k ckg:interactionCount ?interactions ; ckg:conceptId ?concept .
  OPTIONAL { ?k ckg:prefLabel ?label }
} ORDER BY DESC(?interactions) ?concept LIMIT 10""",
    cypher="""MATCH (i:Interaction)-[:ABOUT_CONCEPT]->(k:Concept)
RETURN k.conceptId AS concept, k.prefLabel AS label, count(DISTINCT i) AS interactions
ORDER BY interactions DESC, concept LIMIT 10""",
)

SENTIMENT_PER_CHANNEL = AnalystQuestion(
    name="message sentiment per channel",
    columns=("channel", "interactions", "sentiment"),
    sparql=PREFIX + """SELECT ?channel ?interactions ?sentiment WHERE {
  ?c ckg:scoredInteractionCount ?interactions ; ckg:meanSentimentScore ?sentiment ;
     ckg:channelId ?channel
} ORDER BY ?channel""",
    cypher="""MATCH (i:Interaction)-[:VIA_CHANNEL]->(c:Channel)
WHERE i.sentimentScore IS NOT NULL
RETURN c.channelId AS channel, count(i) AS interactions, avg(i.sentimentScore) AS sentiment
ORDER BY channel""",
)

NEGATIVE_ASPECTS = AnalystQuestion(
    name="negative aspects",
    columns=("concept", "negativeOpinions"),
    sparql=PREFIX + """SELECT ?concept ?negativeOpinions WHERE {
  ?k ckg:negativeOpinionCount ?negativeOpinions ; ckg:conceptId ?concept
} ORDER BY DESC(?negativeOpinions) ?concept LIMIT 10""",
    cypher="""MATCH (o:Opinion {polarity: 'negative'})-[:ABOUT_ASPECT]->(k:Concept)
RETURN k.conceptId AS concept, count(DISTINCT o) AS negativeOpinions
ORDER BY negativeOpinions DESC, concept LIMIT 10""",
)

CUSTOMER_MESSAGES = AnalystQuestion(
    name="one customer's interactions",
    columns=("interaction", "occurredAt", "sentiment", "score"),
    sparql=PREFIX + """SELECT DISTINCT ?interaction ?occurredAt ?sentiment ?score ?customerId
WHERE {
  ?c ckg:customerId ?customerId ; ckg:hasIdentity ?x .
  ?i ckg:authoredBy ?x ; ckg:interactionId ?interaction ; ckg:occurredAt ?occurredAt .
  OPTIONAL { ?i ckg:sentimentLabel ?sentiment }
  OPTIONAL { ?i ckg:sentimentScore ?score }
} ORDER BY DESC(?occurredAt) ?interaction""",
    cypher="""MATCH (:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)
RETURN DISTINCT i.interactionId AS interaction, i.occurredAt AS occurredAt,
       i.sentimentLabel AS sentiment, i.sentimentScore AS score
ORDER BY occurredAt DESC, interaction""",
    parameters=("customerId",),
)

OPEN_CASES = AnalystQuestion(
    name="open cases per customer",
    columns=("customer", "openCases"),
    sparql=PREFIX + """SELECT ?customer ?openCases WHERE {
  { SELECT ?c ?openCases WHERE {
      { SELECT (MIN(?n) AS ?floor) WHERE {
          { SELECT ?n WHERE { ?k ckg:openCaseCount ?n } ORDER BY DESC(?n) LIMIT 10 } } }
      ?c ckg:openCaseCount ?openCases . FILTER (?openCases >= ?floor) } }
  ?c ckg:customerId ?customer
} ORDER BY DESC(?openCases) ?customer LIMIT 10""",
    cypher="""MATCH (k:Case {caseStatus: 'open'})-[:CASE_OF]->(c:Customer)
RETURN c.customerId AS customer, count(DISTINCT k) AS openCases
ORDER BY openCases DESC, customer LIMIT 10""",
)

QUESTIONS: Final[tuple[AnalystQuestion, ...]] = (
    TOP_CONCEPTS, SENTIMENT_PER_CHANNEL, NEGATIVE_ASPECTS, CUSTOMER_MESSAGES, OPEN_CASES)


def _oxigraph_value(term: object) -> Value:
    """A SPARQL result term as the Python value the Neo4j driver gives for the same fact."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in INTEGER_TYPES:
            return int(term.value)
        if datatype in DECIMAL_TYPES:
            return float(term.value)
        if datatype == XSD + "boolean":
            return term.value == "true"
        if datatype == XSD + "dateTime":
            return datetime.fromisoformat(term.value.replace("Z", "+00:00"))
        return term.value
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return term.value
    raise ValueError(f"Unexpected SPARQL term: {term!r}")


def _neo4j_value(value: Any) -> Value:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, str | int | float | datetime | bool) or value is None:
        return value
    raise ValueError(f"Unexpected Cypher value: {value!r}")


def substitutions(question: AnalystQuestion, arguments: Mapping[str, str]
                  ) -> dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]:
    """The question's inputs as SPARQL variable bindings (plain string literals)."""
    return {ox.Variable(name): ox.Literal(arguments[name]) for name in question.parameters}


def ask_mirror(store: ox.Store, question: AnalystQuestion, graph: ox.NamedNode,
               arguments: Mapping[str, str] | None = None) -> list[Row]:
    """The question's SPARQL form on an Oxigraph store, over its instance-data graph."""
    solutions = store.query(question.sparql, default_graph=graph,
                            substitutions=substitutions(question, arguments or {}))
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"{question.name}: a SELECT query was expected")
    return [tuple(_oxigraph_value(solution[name]) for name in question.columns)
            for solution in solutions]


def ask_graph(driver: neo4j.Driver, settings: Settings, question: AnalystQuestion,
              arguments: Mapping[str, str] | None = None) -> list[Row]:
    """The question's Cypher form on Neo4j."""
    records = run_query(driver, settings, question.cypher,
                        {name: (arguments or {})[name] for name in question.parameters})
    return [tuple(_neo4j_value(record[name]) for name in question.columns)
            for record in records]


def same_answer(left: Sequence[Row], right: Sequence[Row]) -> bool:
    """Equal row by row; numbers compare with a tolerance (the engines sum in other orders)."""
    if len(left) != len(right):
        return False
    for row_a, row_b in zip(left, right, strict=True):
        if len(row_a) != len(row_b):
            return False
        for a, b in zip(row_a, row_b, strict=True):
            if isinstance(a, float | int) and isinstance(b, float | int) \
                    and not isinstance(a, bool) and not isinstance(b, bool):
                if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif a != b:
                return False
    return True
