"""Emerging topics: question groups growing week over week that no concept of the taxonomy
covers, each with the words that set it apart and a SKOS concept a person can review and add.

A group is uncovered when at most half of its messages in the window were given a concept, or
when its meaning is far from every concept's labels (the concept label embeddings of the
active reading model, :mod:`kg.semantic.heads`). It is emerging when it has more messages in
the window than in the window of the same length before. Its distinctive terms are the words
frequent among its messages and rare among the other messages of the window (document
frequency against the window's background, as in TF-IDF). The suggestion names the concept by
those words and proposes as ``skos:broader`` the top-level area whose labels are closest to the
group's meaning. ``kg ontology suggest`` writes the suggestions as Turtle for review.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime
from typing import Any, Final, LiteralString

import neo4j
import numpy as np

from kg.consent.policy import ANALYTICS_INCLUDED_INTERACTION
from kg.derivation.clock import shifted
from kg.graph.driver import native, run_query
from kg.knowledge.models import EmergingTopic, EmergingTopics, Example, SkosSuggestion
from kg.knowledge.recurring import IN_WINDOW
from kg.knowledge.suggestions import suggestion_for
from kg.semantic.heads import SemanticHeads
from kg.settings import Settings

UNCOVERED_SHARE: Final = 0.5  # at most this share of the group's messages have a concept
FAR_FROM_CONCEPTS: Final = 0.45  # or its centroid's best cosine to any concept label is below
TERMS: Final = 6
EXAMPLES: Final = 3
BACKGROUND: Final = 2000
WORD: Final = re.compile(r"[a-z][a-z']{2,}")
NOT_TERMS: Final = frozenset({
    "the", "and", "for", "you", "your", "are", "was", "but", "not", "have", "has", "had", "this",
    "that", "with", "from", "they", "them", "their", "what", "when", "where", "which", "who",
    "will", "would", "can", "could", "just", "get", "got", "been", "being", "there", "here",
    "our", "out", "all", "any", "about", "into", "than", "then", "too", "very", "also", "its",
    "it's", "i'm", "i've", "don't", "can't", "didn't", "doesn't", "isn't", "won't", "please",
    "thanks", "thank", "hello", "help", "still", "now", "why", "how", "does", "did", "one"})

GROWING_GROUPS: Final[LiteralString] = """
MATCH (g:QuestionGroup)<-[:IN_QUESTION_GROUP]-(i:Interaction)
WHERE """ + IN_WINDOW + """
WITH g, collect(i) AS members
WHERE size(members) >= $minMessages
CALL (g) {
  OPTIONAL MATCH (g)<-[:IN_QUESTION_GROUP]-(i:Interaction)
  WHERE i.occurredAt >= $previousSince AND i.occurredAt < $since
    AND """ + ANALYTICS_INCLUDED_INTERACTION + """
  RETURN count(i) AS previousMessages
}
WITH g, members, previousMessages WHERE size(members) > previousMessages
RETURN g.groupId AS groupId, g.centroid AS centroid, previousMessages,
       [m IN members | {interactionId: m.interactionId, text: m.text, at: m.occurredAt,
                        embedding: m.embedding,
                        concepts: COUNT { (m)-[:ABOUT_CONCEPT]->(:Concept) }}] AS members
"""

BACKGROUND_TEXTS: Final[LiteralString] = """
MATCH (i:Interaction)
WHERE i.occurredAt >= $since AND i.occurredAt < $until AND i.direction = 'inbound'
  AND i.text IS NOT NULL
WITH i ORDER BY i.occurredAt DESC, i.interactionId LIMIT $limit
RETURN i.text AS text
"""


def emerging_topics(driver: neo4j.Driver, settings: Settings, heads: SemanticHeads, *,
                    since: datetime, until: datetime, min_messages: int = 3,
                    limit: int = 20) -> EmergingTopics:
    """Uncovered groups growing from the window before ``[since, until)`` into it, most
    growth first."""
    rows = run_query(driver, settings, GROWING_GROUPS, {
        "since": since, "until": until, "previousSince": shifted(since, since - until),
        "minMessages": min_messages})
    background = [document_terms(row["text"]) for row in run_query(
        driver, settings, BACKGROUND_TEXTS, {"since": since, "until": until,
                                             "limit": BACKGROUND})]
    topics = []
    for row in rows:
        members = row["members"]
        covered = sum(1 for m in members if m["concepts"]) / len(members)
        centroid = np.asarray(row["centroid"] or [], np.float64)
        nearest, similarity = nearest_concept(centroid, heads)
        if covered > UNCOVERED_SHARE and similarity >= FAR_FROM_CONCEPTS:
            continue
        terms = distinctive_terms([m["text"] or "" for m in members], background)
        area = nearest_area(centroid, heads)
        topics.append(EmergingTopic(
            groupId=row["groupId"], messages=len(members),
            previousMessages=row["previousMessages"],
            growth=len(members) - row["previousMessages"], terms=terms,
            examples=_examples(members, centroid), nearestConcept=nearest,
            nearestSimilarity=round(similarity, 4) if nearest else None,
            suggestion=suggestion_for(terms, area, row["groupId"], len(members))))
    topics.sort(key=lambda t: (-t.growth, -t.messages, t.groupId))
    return EmergingTopics(since=since, until=until, topics=topics[:limit])


def document_terms(text: str | None) -> set[str]:
    """A message's candidate terms: lower-case words of three letters or more, without
    handles, links and the commonest words."""
    cleaned = re.sub(r"https?://\S+|@\w+", " ", (text or "").lower())
    return {w.strip("'") for w in WORD.findall(cleaned) if w.strip("'") not in NOT_TERMS}


def distinctive_terms(texts: list[str], background: list[set[str]]) -> list[str]:
    """Terms by the share of the group's messages holding them times their inverse document
    frequency in the background; a term must be in at least two of the group's messages."""
    in_group = Counter(term for text in texts for term in document_terms(text))
    frequency = Counter(term for terms in background for term in terms)
    total = len(background)
    scored = {term: (count / len(texts)) * math.log((total + 1) / (frequency[term] + 1) + 1)
              for term, count in in_group.items() if count >= min(2, len(texts))}
    return [term for term, _ in sorted(scored.items(), key=lambda item: (-item[1], item[0]))
            [:TERMS]]


def nearest_concept(centroid: np.ndarray, heads: SemanticHeads) -> tuple[str | None, float]:
    labels = heads.labels
    if len(centroid) != labels.vectors.shape[1]:
        return None, 0.0
    similarities = labels.vectors @ centroid
    best = int(np.argmax(similarities))
    return labels.owners[best], float(similarities[best])


def nearest_area(centroid: np.ndarray, heads: SemanticHeads) -> str | None:
    """The top-level area whose labels (its own and its narrower concepts') are closest."""
    labels = heads.labels
    if len(centroid) != labels.vectors.shape[1]:
        return None
    best: dict[str, float] = {}
    for owner, similarity in zip(labels.owners, labels.vectors @ centroid, strict=True):
        area = labels.tops.get(owner, owner)
        best[area] = max(best.get(area, -1.0), float(similarity))
    return max(sorted(best), key=lambda area: best[area]) if best else None


def _examples(members: list[dict[str, Any]], centroid: np.ndarray) -> list[Example]:
    def closeness(member: dict[str, Any]) -> float:
        vector = np.asarray(member["embedding"] or [], np.float64)
        return float(vector @ centroid) if len(vector) == len(centroid) > 0 else -1.0
    ranked = sorted(members, key=lambda m: (-closeness(m), m["interactionId"]))
    return [Example(interactionId=m["interactionId"], text=m["text"],
                    occurredAt=native(m["at"])) for m in ranked[:EXAMPLES]]


__all__ = ["SkosSuggestion", "emerging_topics"]
