"""Base rates of the whole customer base, computed once and reused by every 360° view.

Lift needs how often each concept and each pair of concepts occurs across all interactions;
similar customers need every customer's concept set. Counting those per request would scan
the graph each time, so they are built from one query and kept until the change feed moves
(any write, in any process: an erasure is never shown as a similar customer afterwards) or
``KG_API_STATS_TTL_SECONDS`` pass.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from kg.graph import queries
from kg_api.deps import Graph


@dataclass
class CorpusStats:
    interactions: int = 0
    concept_counts: Counter[str] = field(default_factory=Counter)
    pair_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    customer_concepts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    concept_customers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    built_at: float = 0.0
    sequence: int = -1

    def lift(self, a: str, b: str) -> float:
        """P(a and b) / (P(a) P(b)) over every interaction."""
        together = self.pair_counts[tuple(sorted((a, b)))]  # type: ignore[index]
        if not together:
            return 0.0
        return together * self.interactions / (self.concept_counts[a] * self.concept_counts[b])

    def similar(self, customer: str, limit: int) -> list[tuple[str, list[str], float]]:
        """Customers with the most similar concept sets (Jaccard), best first."""
        mine = self.customer_concepts.get(customer, set())
        candidates = {other for concept in mine for other in self.concept_customers[concept]}
        candidates.discard(customer)
        scored = []
        for other in candidates:
            theirs = self.customer_concepts[other]
            shared = mine & theirs
            scored.append((other, sorted(shared), len(shared) / len(mine | theirs)))
        scored.sort(key=lambda item: (-item[2], item[0]))
        return scored[:limit]


def build(graph: Graph, sequence: int) -> CorpusStats:
    stats = CorpusStats(built_at=time.monotonic(), sequence=sequence)
    for row in graph.rows(queries.CORPUS_CONCEPTS):
        stats.interactions += 1
        concepts = sorted(set(row["concepts"]))
        stats.concept_counts.update(concepts)
        stats.pair_counts.update(combinations(concepts, 2))
        if row["customerId"] is not None:
            stats.customer_concepts[row["customerId"]].update(concepts)
            for concept in concepts:
                stats.concept_customers[concept].add(row["customerId"])
    return stats


class StatsCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._stats: CorpusStats | None = None
        self._lock = threading.Lock()

    def get(self, graph: Graph) -> CorpusStats:
        sequence = int(graph.rows(queries.LAST_SEQUENCE)[0]["last"])
        with self._lock:
            if (self._stats is None or self._stats.sequence != sequence
                    or time.monotonic() - self._stats.built_at > self.ttl):
                self._stats = build(graph, sequence)
            return self._stats

    def invalidate(self) -> None:
        with self._lock:
            self._stats = None
