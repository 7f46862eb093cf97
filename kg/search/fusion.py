"""Reciprocal rank fusion: one ranking from several, by rank alone.

The vector index scores cosine similarity and the full-text index a BM25 score; the two are on
scales that cannot be added. Fusing by rank needs no calibration: each list gives an item
``1 / (k + rank)``, and an item both lists rank well comes first (Cormack, Clarke and Büttcher,
SIGIR 2009; ``k = 60`` as there). ``training/search_eval.py`` measures it against each list alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

RRF_K: Final = 60


def fuse(rankings: Sequence[Sequence[str]], *, k: int = RRF_K) -> list[tuple[str, float]]:
    """Items by fused score, best first; ties in their first list's order, then by id."""
    scores: dict[str, float] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for which, ranking in enumerate(rankings):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            first_seen.setdefault(item, (rank, which))
    return sorted(scores.items(), key=lambda pair: (-pair[1], first_seen[pair[0]], pair[0]))
