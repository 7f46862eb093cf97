"""The analyst questions read the model the ontology states, in both query languages."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from kg.analyst_questions import (
    CUSTOMER_MESSAGES,
    OPEN_CASES,
    PREFIX,
    QUESTIONS,
    SENTIMENT_PER_CHANNEL,
    ask_mirror,
    same_answer,
)
from kg.ontology.mapping import load_mapping
from kg.ontology.namespaces import CKG

DATA = ox.NamedNode("https://w3id.org/customer-kg/graph/data")


def test_five_questions_each_in_both_languages_with_the_same_columns() -> None:
    assert len(QUESTIONS) == 5
    for question in QUESTIONS:
        returned = re.findall(r"\bAS (\w+)", question.cypher)
        assert tuple(returned) == question.columns, question.name
        assert all(f"?{column}" in question.sparql for column in question.columns)
        prepareQuery(question.sparql)  # parses as SPARQL 1.1


def test_sparql_uses_only_ontology_terms_and_no_string_tricks_on_iris() -> None:
    mapping = load_mapping()
    known = {str(iri) for iri in mapping.property_keys.values()} | \
        {str(iri) for iri in mapping.relationship_types.values()}
    for question in QUESTIONS:
        for local in re.findall(r"\bckg:(\w+)", question.sparql):
            assert str(CKG[local]) in known, f"{question.name}: ckg:{local}"
        assert not re.search(r"\b(STRENDS|STRSTARTS|CONTAINS|REGEX|STR)\s*\(",
                             question.sparql, re.IGNORECASE), question.name
        assert "ENDS WITH" not in question.cypher and "CONTAINS" not in question.cypher


def _store() -> ox.Store:
    """Two interactions of one customer on two channels, in the mirror's layout."""
    store = ox.Store()
    store.load(input=b"""
        @prefix ckg: <https://w3id.org/customer-kg/ontology#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <c> ckg:customerId "c1" ; ckg:hasIdentity <x> .
        <i1> ckg:authoredBy <x> ; ckg:interactionId "t:1" ; ckg:viaChannel <tw> ;
             ckg:occurredAt "2026-01-01T10:00:00+00:00"^^xsd:dateTime ;
             ckg:sentimentLabel "negative" ; ckg:sentimentScore "-0.5"^^xsd:double .
        <i2> ckg:authoredBy <x> ; ckg:interactionId "t:2" ; ckg:viaChannel <em> ;
             ckg:occurredAt "2026-01-02T10:00:00+00:00"^^xsd:dateTime .
        <i3> ckg:interactionId "t:3" ; ckg:viaChannel <tw> ;
             ckg:sentimentLabel "positive" ; ckg:sentimentScore "0.25"^^xsd:double .
        <tw> ckg:channelId "twitter" ; ckg:scoredInteractionCount 2 ;
             ckg:sentimentPoints -2500 ; ckg:meanSentimentScore "-0.125"^^xsd:double .
        <em> ckg:channelId "email" .
        """, format=ox.RdfFormat.TURTLE, base_iri="https://example.org/", to_graph=DATA)
    return store


def test_customer_id_is_bound_as_a_variable_not_spliced() -> None:
    rows = ask_mirror(_store(), CUSTOMER_MESSAGES, DATA, {"customerId": "c1"})
    assert rows == [("t:2", datetime(2026, 1, 2, 10, tzinfo=UTC), None, None),
                    ("t:1", datetime(2026, 1, 1, 10, tzinfo=UTC), "negative", -0.5)]
    assert ask_mirror(_store(), CUSTOMER_MESSAGES, DATA, {"customerId": 'c1" } #'}) == []


def test_sentiment_per_channel_is_read_from_the_channel_tallies() -> None:
    """A channel without scored messages has no tally and no row (as in the Cypher twin)."""
    rows = ask_mirror(_store(), SENTIMENT_PER_CHANNEL, DATA)
    assert rows == [("twitter", 2, pytest.approx(-0.125))]


def test_same_answer_tolerates_summation_order_only() -> None:
    assert same_answer([("a", 0.1 + 0.2)], [("a", 0.3)])
    assert not same_answer([("a", 0.3)], [("a", 0.31)])
    assert not same_answer([("a", 1)], [("b", 1)])
    assert not same_answer([("a", 1)], [])


def test_the_analysts_guide_shows_each_question_as_the_code_asks_it() -> None:
    """The analysts' guide's worked examples are the queries the tests and benchmarks run."""
    guide = (Path(__file__).parents[2] / "docs" / "guides" / "analysts.md").read_text()
    section = guide[guide.index("Five everyday questions"):]
    blocks = re.findall(r"```(sparql|cypher)\n(.*?)```", section, re.DOTALL)[:10]

    def words(text: str) -> list[str]:
        return text.split()

    shown = {(kind, tuple(words(body))) for kind, body in blocks}
    for question in QUESTIONS:
        assert ("sparql", tuple(words(question.sparql.removeprefix(PREFIX)))) in shown, \
            question.name
        assert ("cypher", tuple(words(question.cypher))) in shown, question.name


def test_open_cases_keeps_ties_at_the_tenth_place_in_key_order() -> None:
    """The question sorts only customers at or above the tenth-highest count: ties across the
    tenth place must still come out by key, as a plain sort of everyone would give them."""
    counts = {f"c{n:02d}": count for n, count in
              enumerate([5, 1, 3, 3, 7, 3, 2, 3, 9, 3, 3, 1, 4, 3])}
    store = ox.Store()
    turtle = "@prefix ckg: <https://w3id.org/customer-kg/ontology#> .\n" + "".join(
        f'<{key}> ckg:customerId "{key}" ; ckg:openCaseCount {count} .\n'
        for key, count in counts.items()) + '<none> ckg:customerId "none" .\n'
    store.load(input=turtle.encode(), format=ox.RdfFormat.TURTLE,
               base_iri="https://example.org/", to_graph=DATA)
    expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert expected[-1][1] == 3 and sum(1 for c in counts.values() if c == 3) > 3  # a tie
    assert ask_mirror(store, OPEN_CASES, DATA) == expected
    assert ask_mirror(ox.Store(), OPEN_CASES, DATA) == []
