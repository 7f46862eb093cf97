"""``kg derive --check``: detect stale summaries and corpus counts (``kg derive --all`` repairs).

Every customer's summary is derived again from the graph's facts, in read transactions, and
compared with the stored one (view, contribution, similarity buckets); summaries of customers
that no longer exist or have no interaction are reported, and the corpus counts are compared
with the sum of the fresh contributions, which is what a from-scratch count gives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Final, LiteralString

import neo4j

from kg.derivation.summaries import Summary, summarise
from kg.derivation.summary_refresh import READ_SUMMARIES, SUMMARY_FACTS, facts_of
from kg.graph import queries
from kg.graph.driver import graph_errors, run_query
from kg.settings import Settings

READ_SUMMARY_IDS: Final[LiteralString] = """
MATCH (s:CustomerSummary) RETURN s.summaryOf AS customerId
"""

READ_CORPUS_COUNTS: Final[LiteralString] = """
MATCH (n:CorpusCount) RETURN n.countId AS countId, n.countValue AS countValue
"""


BATCH = 500


@dataclass
class SummaryCheck:
    customers: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    wrong_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # stored, expected

    @property
    def same(self) -> bool:
        return not (self.stale or self.missing or self.orphaned or self.wrong_counts)


def check_summaries(driver: neo4j.Driver, settings: Settings) -> SummaryCheck:
    customers = {r["customerId"] for r in run_query(driver, settings, queries.READ_CUSTOMER_IDS)}
    stored_ids = {r["customerId"] for r in run_query(driver, settings, READ_SUMMARY_IDS)}
    result = SummaryCheck(customers=len(customers))
    result.orphaned = sorted(stored_ids - customers)
    expected: Counter[str] = Counter()
    ordered = sorted(customers)
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database, default_access_mode=neo4j.READ_ACCESS
    ) as session:
        for start in range(0, len(ordered), BATCH):
            batch = ordered[start:start + BATCH]
            fresh: dict[str, Summary] = {}
            for row in session.run(SUMMARY_FACTS, customers=batch).data():
                facts = facts_of(row)
                if facts.interactions:
                    fresh[facts.customer_id] = summarise(facts)
            stored = {r["customerId"]: r
                      for r in session.run(READ_SUMMARIES, customers=batch).data()}
            for customer in batch:
                now, then = fresh.get(customer), stored.get(customer)
                if now is not None:
                    expected.update(now.contribution.counts())
                if now is None and then is not None:
                    result.orphaned.append(customer)
                elif now is not None and then is None:
                    result.missing.append(customer)
                elif now is not None and then is not None and (
                        then["view"] != now.view_json()
                        or then["contribution"] != now.contribution.to_json()
                        or sorted(then["buckets"]) != now.buckets):
                    result.stale.append(customer)
    counts = {r["countId"]: r["countValue"]
              for r in run_query(driver, settings, READ_CORPUS_COUNTS)}
    for key in sorted(set(counts) | set(expected)):
        if counts.get(key, 0) != expected.get(key, 0):
            result.wrong_counts[key] = (counts.get(key, 0), expected.get(key, 0))
    return result
