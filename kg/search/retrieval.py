"""Candidates from each index, fused, filtered and read back with what an agent needs.

Neo4j 5's index procedures filter after they rank: a filter narrows the ``candidates`` nearest
messages each index returns (:data:`CANDIDATES` or more, enough for the page asked for), so a
rare filter over a large graph can find fewer matches than exist. A customer filter is the
exception and the common case on the 360° page: that customer's messages are few, so they are
all scored exactly (cosine in Cypher) and matched on their words by the same full-text index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, LiteralString

import neo4j

from kg.errors import GraphError, GraphUnavailable
from kg.graph.driver import native, run_query
from kg.graph.search_indexes import TEXT_INDEX, VECTOR_INDEX
from kg.search.fusion import fuse
from kg.search.models import SearchFilters, SearchHit, SearchMode, SearchPage
from kg.search.snippets import snippet
from kg.search.terms import lucene_query, stems
from kg.settings import Settings

CANDIDATES: Final = 100  # per index, at least; a deep page asks for more
MAX_CANDIDATES: Final = 1000
# Below this cosine a message is not "about" the query at all (all-MiniLM-L6-v2 gives unrelated
# short texts 0.0-0.2); without a floor every search would return the whole page by meaning.
MIN_SIMILARITY: Final = 0.25

# ``i`` passes every filter that is not null. Concepts match with their narrower ones.
FILTERS: Final[LiteralString] = """
  ($channel IS NULL OR EXISTS { (i)-[:VIA_CHANNEL]->(:Channel {channelId: $channel}) })
  AND ($customer IS NULL OR EXISTS {
        (i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(:Customer {customerId: $customer}) })
  AND ($concept IS NULL OR EXISTS {
        (i)-[:ABOUT_CONCEPT]->(:Concept)-[:BROADER*0..]->(:Concept {conceptId: $concept}) })
  AND ($sentiment IS NULL OR i.sentimentLabel = $sentiment)
  AND ($direction IS NULL OR i.direction = $direction)
  AND ($since IS NULL OR i.occurredAt >= $since)
  AND ($until IS NULL OR i.occurredAt < $until)
"""

BY_MEANING: Final[LiteralString] = """
CALL db.index.vector.queryNodes('""" + VECTOR_INDEX + """', $candidates, $vector)
YIELD node AS i, score
WITH i, score WHERE score >= $floor AND """ + FILTERS + """
RETURN i.interactionId AS id, score ORDER BY score DESC, id
"""

BY_MEANING_OF_CUSTOMER: Final[LiteralString] = """
MATCH (:Customer {customerId: $customer})-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i)
WHERE i.embedding IS NOT NULL AND """ + FILTERS + """
WITH DISTINCT i
// (1 + cosine) / 2, the scale of the vector index's own score: the same floor applies
WITH i, vector.similarity.cosine(i.embedding, $vector) AS score WHERE score >= $floor
RETURN i.interactionId AS id, score ORDER BY score DESC, id LIMIT $candidates
"""

BY_WORDS: Final[LiteralString] = """
CALL db.index.fulltext.queryNodes('""" + TEXT_INDEX + """', $words, $textOptions)
YIELD node AS i, score
WITH i, score WHERE """ + FILTERS + """
RETURN i.interactionId AS id, score ORDER BY score DESC, id LIMIT $candidates
"""

HITS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
RETURN i.interactionId AS interactionId, i.text AS text, i.occurredAt AS occurredAt,
       i.direction AS direction, i.sentimentLabel AS sentiment,
       [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channelId,
       [(i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
        | {customerId: c.customerId, displayName: c.displayName}][0] AS customer,
       [(i)-[:PART_OF_CASE]->(k:Case) | {caseId: k.caseId, caseStatus: k.caseStatus}][0] AS case,
       [(i)-[:ABOUT_CONCEPT]->(k:Concept) | {conceptId: k.conceptId, prefLabel: k.prefLabel}]
         AS concepts
"""

# With a filter, the full-text index's best this many are read and filtered (it ranks words
# fast; a filter is checked per hit).
FILTERED_TEXT_SCAN: Final = 10_000


@dataclass(frozen=True)
class SearchRequest:
    text: str
    vector: list[float]
    filters: SearchFilters
    mode: SearchMode = "hybrid"
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class Rankings:
    """Each index's filtered candidates, best first (empty for a mode that leaves it out)."""

    by_meaning: list[str]
    by_words: list[str]
    # each index's score: the vector index's (1 + cosine) / 2, the full-text index's BM25
    scores: dict[tuple[str, str], float] = field(default_factory=dict)


def rankings(driver: neo4j.Driver, settings: Settings, request: SearchRequest) -> Rankings:
    """The candidates each index gives for ``request``, enough for its page, filtered."""
    wanted = request.offset + request.limit
    candidates = min(MAX_CANDIDATES, max(CANDIDATES, 2 * wanted))
    filtered = request.filters.model_dump(exclude_none=True) != {}
    own = request.filters.customer_id is not None
    parameters = _filter_parameters(request.filters) | {
        "candidates": candidates, "vector": request.vector, "floor": (1 + MIN_SIMILARITY) / 2,
        "words": lucene_query(request.text),
        "textOptions": {"limit": FILTERED_TEXT_SCAN if filtered else candidates}}
    scores: dict[tuple[str, str], float] = {}
    meaning: list[tuple[str, float]] = []
    if request.mode != "text" and any(request.vector):  # no word piece: no meaning to match
        meaning = _ranked(driver, settings, BY_MEANING_OF_CUSTOMER if own else BY_MEANING,
                          parameters | {"candidates": MAX_CANDIDATES if filtered and not own
                                        else candidates})[:candidates]
    words = _ranked(driver, settings, BY_WORDS, parameters) \
        if request.mode != "vector" and parameters["words"] else []
    scores.update({("meaning", item): score for item, score in meaning})
    scores.update({("words", item): score for item, score in words})
    return Rankings([item for item, _ in meaning], [item for item, _ in words], scores)


def search(driver: neo4j.Driver, settings: Settings, request: SearchRequest) -> SearchPage:
    """The page of ``request``: each index's candidates (filtered), fused by rank, read back."""
    found = rankings(driver, settings, request)
    by_meaning, by_words = found.by_meaning, found.by_words
    fused = fuse([(item, found.scores[("meaning", item)]) for item in by_meaning],
                 [(item, found.scores[("words", item)]) for item in by_words])
    page = fused[request.offset:request.offset + request.limit]
    rows = {row["interactionId"]: row for row in run_query(
        driver, settings, HITS, {"ids": [item for item, _ in page]})}
    meaning_rank = {item: rank for rank, item in enumerate(by_meaning, start=1)}
    words_rank = {item: rank for rank, item in enumerate(by_words, start=1)}
    wanted_stems = stems(request.text)
    items = []
    for item, score in page:
        row = rows.get(item)
        if row is None:  # erased between the two reads
            continue
        cut = snippet(row["text"] or "", wanted_stems)
        items.append(SearchHit(
            interactionId=item, occurredAt=native(row["occurredAt"]), channelId=row["channelId"],
            direction=row["direction"], sentiment=row["sentiment"], customer=row["customer"],
            case=row["case"], concepts=row["concepts"], snippet=cut.text,
            highlights=cut.highlights, score=round(score, 6), vectorRank=meaning_rank.get(item),
            textRank=words_rank.get(item)))
    return SearchPage(query=request.text, mode=request.mode, total=len(fused),
                      offset=request.offset, limit=request.limit, items=items)


def _filter_parameters(filters: SearchFilters) -> dict[str, Any]:
    return {"channel": filters.channel, "customer": filters.customer_id,
            "concept": filters.concept, "sentiment": filters.sentiment,
            "direction": filters.direction, "since": filters.since, "until": filters.until}


class SearchIndexMissing(GraphUnavailable):
    """The graph predates message search: its indexes are created by ``kg db init``."""


def _ranked(driver: neo4j.Driver, settings: Settings, statement: LiteralString,
            parameters: dict[str, Any]) -> list[tuple[str, float]]:
    try:
        return [(row["id"], float(row["score"]))
                for row in run_query(driver, settings, statement, parameters)]
    except GraphError as error:
        if "no such" in str(error).lower() and "index" in str(error).lower():
            raise SearchIndexMissing(
                "message search needs its indexes, which this graph does not have yet: run "
                "`kg db init` (then `kg derive --all` gives stored messages their embeddings)"
            ) from error
        raise
