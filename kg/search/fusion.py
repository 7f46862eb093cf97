"""Fusing the two rankings: each index's scores scaled to [0, 1] within its own list, then
weighted and added.

The vector index scores cosine similarity and the full-text index BM25; the scales differ, so
each list is min-max normalised first (its best item 1, its worst 0; an item the other list
lacks gets 0 there). Meaning weighs :data:`MEANING_WEIGHT`, words the rest. Chosen by
measurement (``scripts/eval_search``, docs/figures.md "Message search"): on the tuning part of
the judged queries this beat reciprocal rank fusion (k = 10 or 60, equal or 2:1 and 4:1
weights), interleaving and the other weights tried (0.5, 0.8, 0.9), and meaning alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

MEANING_WEIGHT: Final = 0.7

Scored = Sequence[tuple[str, float]]


def normalised(ranking: Scored) -> dict[str, float]:
    """Scores scaled to [0, 1] within the list (all 1 when they are equal)."""
    if not ranking:
        return {}
    low = min(score for _, score in ranking)
    high = max(score for _, score in ranking)
    return {item: (score - low) / (high - low) if high > low else 1.0
            for item, score in ranking}


def fuse(by_meaning: Scored, by_words: Scored, *, meaning_weight: float = MEANING_WEIGHT
         ) -> list[tuple[str, float]]:
    """Items by combined score, best first; ties by the meaning list's order, then id."""
    meaning, words = normalised(by_meaning), normalised(by_words)
    if not meaning or not words:  # one list alone keeps its own order and scale
        meaning_weight = 1.0 if meaning else 0.0
    combined = {item: meaning_weight * meaning.get(item, 0.0)
                + (1 - meaning_weight) * words.get(item, 0.0)
                for item in meaning.keys() | words.keys()}
    order = {item: position for position, (item, _) in enumerate(by_meaning)}
    return sorted(combined.items(),
                  key=lambda pair: (-pair[1], order.get(pair[0], len(order)), pair[0]))
