"""Message search and "seen before": the use cases ``kg search``, ``kg similar-cases``,
``GET /search`` and ``GET /interactions/{id}/similar-cases`` all call.

The query is embedded by the same sentence encoder, in the same process, that embedded the
messages when they were written (:mod:`kg.semantic.encoder`), so a query and a message that
mean the same thing are close whatever their words.
"""

from __future__ import annotations

import neo4j

from kg.search.models import SearchFilters, SearchMode, SearchPage, SimilarCases
from kg.search.retrieval import SearchRequest, search
from kg.search.similar_cases import UnknownInteraction, similar_cases
from kg.semantic.encoder import shared_encoder
from kg.settings import Settings

MAX_QUERY_CHARS = 500

__all__ = ["UnknownInteraction", "find_similar_cases", "search_messages"]


def search_messages(driver: neo4j.Driver, settings: Settings, text: str, *,
                    filters: SearchFilters | None = None, mode: SearchMode = "hybrid",
                    offset: int = 0, limit: int = 20) -> SearchPage:
    """Messages by meaning and by words, fused, filtered, one page of them."""
    text = text.strip()[:MAX_QUERY_CHARS]
    # words alone need no meaning: no encoder pass
    vector = [] if mode == "text" else shared_encoder().embed([text])[0].tolist()
    return search(driver, settings, SearchRequest(
        text=text, vector=vector, filters=filters or SearchFilters(),
        mode=mode, offset=offset, limit=limit))


def find_similar_cases(driver: neo4j.Driver, settings: Settings, interaction_id: str, *,
                       limit: int = 5) -> SimilarCases:
    """Closed cases opened before the message, closest in meaning first."""
    return similar_cases(driver, settings, interaction_id, limit=limit)
