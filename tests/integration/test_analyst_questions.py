"""Message-level sentiment is a property of the interaction in Neo4j and in the RDF mirror, and
each analyst question gets the same answer in SPARQL on the mirror and in Cypher on Neo4j."""

from __future__ import annotations

from collections.abc import Iterator

import neo4j
import pyoxigraph as ox
import pytest

from kg.analyst_questions import (
    CUSTOMER_MESSAGES,
    QUESTIONS,
    AnalystQuestion,
    ask_graph,
    ask_mirror,
    same_answer,
)
from kg.derivation.tallies import differences, recount_unless_counted
from kg.graph.driver import create_driver, run_query
from kg.graph.schema import backfill_message_sentiment
from kg.ontology.mapping import load_mapping
from kg.rdf.mirror import DATA_GRAPH
from kg.rdf.sink import OxigraphSink
from kg.rdf.sync import check, open_store, sync
from kg.settings import Settings

pytestmark = pytest.mark.integration
CKG = "https://w3id.org/customer-kg/ontology#"


@pytest.fixture(scope="module")
def graph(api_settings: Settings) -> Iterator[neo4j.Driver]:
    with create_driver(api_settings) as driver:
        yield driver


@pytest.fixture(scope="module")
def mirror(api_settings: Settings, graph: neo4j.Driver) -> Iterator[OxigraphSink]:
    """The corpus's mirror, brought up to date from the feed and checked equal to the graph."""
    sink = open_store(api_settings)
    mapping = load_mapping()
    sync(sink, graph, api_settings, mapping)
    assert check(sink, graph, api_settings, mapping).same
    yield sink
    sink.close()


def _message_opinions(graph: neo4j.Driver, settings: Settings) -> list[dict[str, object]]:
    """Each interaction's whole-message opinion (the one about no aspect) beside the
    interaction's own sentiment properties."""
    return run_query(graph, settings, """
        MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)
        WHERE NOT (o)-[:ABOUT_ASPECT]->()
        RETURN i.interactionId AS interaction, o.polarity AS polarity,
               o.polarityScore AS polarityScore, i.sentimentLabel AS label,
               i.sentimentScore AS score ORDER BY interaction""")


def test_every_interaction_with_extracted_sentiment_carries_it_in_neo4j(
        api_settings: Settings, graph: neo4j.Driver) -> None:
    rows = _message_opinions(graph, api_settings)
    assert len(rows) >= 150  # the corpus has 200 interactions with text
    assert len({row["interaction"] for row in rows}) == len(rows), "one message opinion each"
    for row in rows:
        assert row["label"] == row["polarity"] in {"negative", "neutral", "positive"}, row
        assert row["score"] == row["polarityScore"], row
    labelled = run_query(graph, api_settings, """
        MATCH (i:Interaction) WHERE i.sentimentLabel IS NOT NULL OR i.sentimentScore IS NOT NULL
        RETURN count(i) AS n""")[0]["n"]
    assert labelled == len(rows), "sentiment only where it was extracted"
    assert {row["label"] for row in rows} == {"negative", "neutral", "positive"}


def test_every_interaction_with_extracted_sentiment_carries_it_in_the_mirror(
        api_settings: Settings, graph: neo4j.Driver, mirror: OxigraphSink) -> None:
    expected = {str(row["interaction"]): (row["polarity"], row["polarityScore"])
                for row in _message_opinions(graph, api_settings)}
    solutions = mirror.store.query(f"""
        PREFIX ckg: <{CKG}>
        SELECT ?id ?label ?score WHERE {{
          ?i ckg:interactionId ?id ; ckg:sentimentLabel ?label ; ckg:sentimentScore ?score }}""",
        default_graph=DATA_GRAPH)
    assert isinstance(solutions, ox.QuerySolutions)
    found: dict[str, tuple[str, float]] = {}
    for solution in solutions:
        interaction, label, score = solution["id"], solution["label"], solution["score"]
        assert isinstance(interaction, ox.Literal) and isinstance(label, ox.Literal)
        assert isinstance(score, ox.Literal)
        assert score.datatype.value.endswith("#double")
        found[interaction.value] = (label.value, float(score.value))
    assert expected
    assert found == expected


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_sparql_on_the_mirror_answers_as_cypher_on_neo4j(
        question: AnalystQuestion, api_settings: Settings, graph: neo4j.Driver,
        mirror: OxigraphSink) -> None:
    [busiest] = run_query(graph, api_settings, """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        RETURN c.customerId AS id, count(DISTINCT i) AS n ORDER BY n DESC, id LIMIT 1""")
    arguments = {"customerId": busiest["id"]}
    cypher = ask_graph(graph, api_settings, question, arguments)
    sparql = ask_mirror(mirror.store, question, DATA_GRAPH, arguments)
    assert cypher, f"{question.name}: no rows on the test graph"
    assert same_answer(cypher, sparql), (cypher, sparql)
    if question is CUSTOMER_MESSAGES:
        assert busiest["n"] >= 2 and len(cypher) == busiest["n"], "every message, once"
        assert any(row[2] is not None for row in cypher), "the customer's messages have sentiment"


def test_db_init_backfills_a_graph_loaded_before_the_property(
        api_settings: Settings, graph: neo4j.Driver, mirror: OxigraphSink) -> None:
    """Interactions without the property (as loaded by an older version) get it from their
    whole-message opinion, in batches, and the mirror follows through the change feed."""
    before = _message_opinions(graph, api_settings)
    cleared = run_query(graph, api_settings, """
        MATCH (i:Interaction) WHERE i.sentimentLabel IS NOT NULL
        WITH i ORDER BY i.interactionId LIMIT 25
        REMOVE i.sentimentLabel, i.sentimentScore RETURN count(i) AS n""", write=True)
    assert cleared[0]["n"] == 25
    assert backfill_message_sentiment(graph, api_settings, batch=10) == 25
    assert backfill_message_sentiment(graph, api_settings) == 0
    assert _message_opinions(graph, api_settings) == before
    mapping = load_mapping()
    sync(mirror, graph, api_settings, mapping)
    assert check(mirror, graph, api_settings, mapping).same


def test_db_init_counts_the_tallies_of_a_graph_written_before_them(
        api_settings: Settings, graph: neo4j.Driver, mirror: OxigraphSink) -> None:
    """A graph written by a version without tallies has none; ``kg db init`` counts them once
    from the facts (the mirror follows), and after that leaves them to the writes."""
    run_query(graph, api_settings, """
        CALL () { MATCH (k:Concept) REMOVE k.interactionCount, k.negativeOpinionCount }
        CALL () { MATCH (c:Channel)
                  REMOVE c.scoredInteractionCount, c.sentimentPoints, c.meanSentimentScore }
        CALL () { MATCH (c:Customer) REMOVE c.openCaseCount }
        CALL () { MATCH (f:ChangeFeed) REMOVE f.talliesCounted }""", write=True)
    left = run_query(graph, api_settings, """
        MATCH (n) WHERE (n:Concept AND n.interactionCount IS NOT NULL)
          OR n.negativeOpinionCount IS NOT NULL
          OR n.scoredInteractionCount IS NOT NULL OR n.openCaseCount IS NOT NULL
        RETURN count(n) AS n""")
    assert left == [{"n": 0}]
    missing = differences(graph, api_settings.neo4j_database)
    assert any(key.startswith("Concept:") and key.endswith(" interactionCount")
               for key in missing), missing
    assert any(key.startswith("Channel:") for key in missing), missing
    assert any(key.endswith(" openCaseCount") and delta > 0 for key, delta in missing.items())
    assert all(delta > 0 for key, delta in missing.items()  # none stored; counts are > 0
               if not key.endswith(" sentimentPoints")), missing
    mapping = load_mapping()
    assert not check(mirror, graph, api_settings, mapping).same  # removed behind the feed
    changed = recount_unless_counted(graph, api_settings.neo4j_database)
    assert changed is not None and changed > 10
    assert recount_unless_counted(graph, api_settings.neo4j_database) is None
    assert recount_unless_counted(graph, api_settings.neo4j_database, force=True) == 0
    assert differences(graph, api_settings.neo4j_database) == {}
    sync(mirror, graph, api_settings, mapping)
    assert check(mirror, graph, api_settings, mapping).same
    for question in QUESTIONS:
        if question is not CUSTOMER_MESSAGES:
            sparql = ask_mirror(mirror.store, question, DATA_GRAPH)
            assert sparql, question.name
            assert same_answer(ask_graph(graph, api_settings, question), sparql), question.name
