"""The linker: scored links for touched identities (the refresh path) or a whole population.

Pure: it reads nothing and writes nothing itself. The incremental mode gets the touched
identities' person rows and a function that fetches candidate rows by blocking-key values
(from Neo4j in the product, from a list in tests); it scores the touched rows against those
candidates and among themselves, never re-linking everyone. The whole-population mode, for
``kg derive --all`` and first loads, scores every blocked pair.

Both return :class:`ScoredPair` values with the match probability and per-attribute match
weights, for every pair at or above ``min_probability``. Which of them become links and which
become merge suggestions is decided by resolution (:mod:`kg.derivation.linkage`), which also
knows the deterministic links and the analysts' decisions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kg.resolution.models import PersonRow, ScoredPair
from kg.resolution.probabilistic import score

# blocking-key property → the key values wanted → candidate rows sharing at least one value
CandidateFetcher = Callable[[Mapping[str, set[str]]], Iterable[PersonRow]]


def blocking_requests(rows: Iterable[PersonRow]) -> dict[str, set[str]]:
    """The blocking-key values of ``rows``, grouped by key: what to fetch candidates by."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for name, key in row.blocking_keys().items():
            wanted[name].add(key)
    return dict(wanted)


def link_touched(touched: Sequence[PersonRow], fetch_candidates: CandidateFetcher,
                 model: dict[str, Any], *, min_probability: float) -> list[ScoredPair]:
    """Score new or changed records against the existing ones that share a blocking key."""
    if not touched:
        return []
    candidates = list(fetch_candidates(blocking_requests(touched)))
    touched_ids = {row.record_id for row in touched}
    rows = [*touched, *(c for c in candidates if c.record_id not in touched_ids)]
    return score(rows, model, min_probability=min_probability, involving=touched_ids)


def link_population(rows: Sequence[PersonRow], model: dict[str, Any], *,
                    min_probability: float) -> list[ScoredPair]:
    """Score every blocked pair of a whole population."""
    return score(rows, model, min_probability=min_probability)
