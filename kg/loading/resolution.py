"""Identity resolution: which identities are one customer, and by what evidence.

Linking policy (also in the README):

- Deterministic, hard evidence: the same normalised email, phone, CRM id, loyalty number, or
  handle on the same network is the same Identity node, so the same customer. Identifiers that
  one source record asserts together (a CRM row; an email's sender with the customer number the
  help desk attached) are linked with rule ``record:<source>`` and score 1.
- Probabilistic: person records (an identity with a name and at least one more attribute) that
  share a blocking key are scored by the linkage model (:mod:`kg.resolution`). A pair at or
  above ``KG_RESOLUTION_SUGGEST_PROBABILITY`` is kept as a ``probabilistic:splink`` link with
  its match probability and per-attribute match weights. Resolution applies it when its
  probability reaches ``KG_RESOLUTION_LINK_PROBABILITY`` and it would not join two customers
  holding different CRM ids; every other kept pair between two customers is a merge
  suggestion for an analyst (``kg customers suggestions``), never a silent merge.
- Never linked without the customer's own evidence: identifiers that merely appear in message
  text (an email address or order number someone typed) are kept as mentions and used for case
  linking, never for identity linking.
- Analysts decide last: ``kg customers merge`` or accepting a suggestion adds a
  ``manual:merge`` link; ``kg customers split`` or rejecting a suggestion adds ``manual:split``
  links of score 0, which veto every other link between the pair.

Every customer id is derived from its smallest identity id, so the result does not depend on
load order, and resolving twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

import neo4j

from kg.graph import queries
from kg.graph.driver import graph_errors, run_query
from kg.loading.unionfind import UnionFind
from kg.resolution.models import PersonRow, ScoredPair
from kg.resolution.persons import person_row
from kg.settings import Settings

PROBABILISTIC_RULE = "probabilistic:splink"
MERGE_RULE, SPLIT_RULE = "manual:merge", "manual:split"
WRITE_BATCH = 10_000


def customer_id_for(smallest_identity: str) -> str:
    return "cust-" + hashlib.sha1(smallest_identity.encode()).hexdigest()[:16]  # noqa: S324


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    rule: str
    score: float


@dataclass(frozen=True)
class Resolution:
    customer_of: dict[str, str]  # identity id → customer id
    link_of: dict[str, tuple[str, float]]  # identity id → (rule, score) that attached it
    applied: list[Link]  # probabilistic links that joined two customers
    suggestions: list[Link]  # probabilistic links left between two customers


def resolve(identities: Iterable[str], links: Sequence[Link], *,
            link_probability: float = 0.99) -> Resolution:
    """Pure resolution over identity ids and every stored link (deterministic, manual and
    probabilistic), applying probabilistic links from the most probable down."""
    vetoed = {frozenset((link.a, link.b)) for link in links if link.score <= 0}
    hard = [link for link in links if link.rule != PROBABILISTIC_RULE and link.score > 0
            and frozenset((link.a, link.b)) not in vetoed]
    sets = UnionFind()
    for identity in identities:
        sets.add(identity)
    for link in hard:
        sets.union(link.a, link.b)
    crm_of: dict[str, set[str]] = defaultdict(set)
    for identity in list(sets.parent):
        if identity.startswith("crm:crm:"):
            crm_of[sets.find(identity)].add(identity)
    probable = sorted((link for link in links if link.rule == PROBABILISTIC_RULE
                       and frozenset((link.a, link.b)) not in vetoed),
                      key=lambda link: (-link.score, link.a, link.b))
    applied: list[Link] = []
    for link in probable:
        root_a, root_b = sets.find(link.a), sets.find(link.b)
        if root_a == root_b or link.score < link_probability:
            continue
        crm_a, crm_b = crm_of[root_a], crm_of[root_b]
        if crm_a and crm_b and crm_a != crm_b:
            continue  # two customers the CRM keeps apart stay apart unless an analyst merges
        sets.union(link.a, link.b)
        crm_of[sets.find(link.a)] = crm_a | crm_b
        applied.append(link)
    suggestions = [link for link in probable if sets.find(link.a) != sets.find(link.b)]
    best: dict[str, tuple[float, int, str]] = {}
    for link in (*hard, *applied):
        candidate = (link.score, _priority(link.rule), link.rule)
        for identity in (link.a, link.b):
            if identity not in best or candidate > best[identity]:
                best[identity] = candidate
    customer_of: dict[str, str] = {}
    attached_by: dict[str, tuple[str, float]] = {}
    for root, members in sets.groups().items():
        customer = customer_id_for(root)
        for identity in members:
            customer_of[identity] = customer
            score, _, rule = best.get(identity, (1.0, 0, "deterministic:identifier"))
            attached_by[identity] = (rule, score)
    return Resolution(customer_of, attached_by, applied, suggestions)


def _priority(rule: str) -> int:
    """On equal scores an analyst's word beats a source record, which beats a model's score."""
    return 3 if rule.startswith("manual:") else 2 if rule.startswith("record:") else 1


# ---------------------------------------------------------------- the graph side

def person_rows_of(rows: Iterable[Mapping[str, Any]]) -> list[PersonRow]:
    """Person rows from identity rows as read by ``READ_PERSON_IDENTITIES``."""
    found = (person_row(str(r["identityId"]), r, r.get("displayName")) for r in rows)
    return [row for row in found if row is not None]


def scored_link_rows(pairs: Iterable[ScoredPair]) -> list[dict[str, Any]]:
    return [{"from": p.a, "to": p.b, "rule": PROBABILISTIC_RULE, "score": p.probability,
             "matchWeight": p.match_weight,
             "matchWeights": json.dumps(p.field_weights, sort_keys=True)} for p in pairs]


def _write(driver: neo4j.Driver, settings: Settings, statement: LiteralString,
           rows: list[dict[str, Any]]) -> None:
    with graph_errors(settings.neo4j_uri), driver.session(
        database=settings.neo4j_database
    ) as session:
        for start in range(0, len(rows), WRITE_BATCH):
            session.execute_write(lambda tx, part: tx.run(statement, rows=part).consume(),
                                  rows[start:start + WRITE_BATCH])


def replace_scored_links(driver: neo4j.Driver, settings: Settings, pairs: Sequence[ScoredPair],
                         *, scope: set[str] | None = None) -> int:
    """Store the scored pairs; drop stored probabilistic links they no longer include.

    ``scope`` limits the stale check to links touching those identities (incremental path);
    None means the whole graph was scored.
    """
    if scope is None:
        current = {(r["a"], r["b"]) for r in run_query(
            driver, settings, queries.READ_SCORED_LINKS, {"rule": PROBABILISTIC_RULE})}
    else:
        current = {(r["a"], r["b"]) for r in run_query(
            driver, settings, queries.READ_SCORED_LINKS_OF,
            {"ids": sorted(scope), "rule": PROBABILISTIC_RULE})}
    wanted = {(p.a, p.b) for p in pairs}
    stale = [{"from": a, "to": b, "rule": PROBABILISTIC_RULE} for a, b in sorted(current - wanted)]
    _write(driver, settings, queries.DELETE_LINKS, stale)
    _write(driver, settings, queries.MERGE_SCORED_LINKS,
           scored_link_rows(p for p in pairs if (p.a, p.b) in current))
    _write(driver, settings, queries.CREATE_SCORED_LINKS,
           scored_link_rows(p for p in pairs if (p.a, p.b) not in current))
    return len(pairs)


def score_population(driver: neo4j.Driver, settings: Settings) -> int:
    """Whole-population mode: score every blocked pair in the graph and store the links."""
    from kg.resolution.linker import link_population
    from kg.resolution.probabilistic import load_model

    rows = person_rows_of(run_query(driver, settings, queries.READ_PERSON_IDENTITIES))
    pairs = link_population(rows, load_model(settings.resolution_model),
                            min_probability=settings.resolution_suggest_probability)
    return replace_scored_links(driver, settings, pairs)


def fetch_candidates(driver: neo4j.Driver, settings: Settings,
                     wanted: Mapping[str, set[str]]) -> list[PersonRow]:
    """Person rows of every identity sharing one of the wanted blocking-key values."""
    probes = [{"key": key, "value": value} for key, values in sorted(wanted.items())
              for value in sorted(values)]
    if not probes:
        return []
    return person_rows_of(run_query(driver, settings, queries.READ_BLOCKING_CANDIDATES,
                                    {"probes": probes}))


def score_touched(driver: neo4j.Driver, settings: Settings, identity_ids: Iterable[str]) -> int:
    """Incremental mode: score new or changed identities against their blocking candidates."""
    from kg.resolution.linker import link_touched
    from kg.resolution.probabilistic import load_model

    ids = sorted(set(identity_ids))
    touched = person_rows_of(run_query(driver, settings, queries.READ_PERSON_IDENTITIES_BY_ID,
                                       {"ids": ids}))
    pairs = link_touched(touched, lambda wanted: fetch_candidates(driver, settings, wanted),
                         load_model(settings.resolution_model),
                         min_probability=settings.resolution_suggest_probability)
    return replace_scored_links(driver, settings, pairs, scope=set(ids))


def assign_customers(driver: neo4j.Driver, settings: Settings,
                     scope: Iterable[str] | None = None) -> dict[str, int]:
    """Resolve over the stored links and move the identities whose customer changed.

    With ``scope``, only the connected component (through any link) of those identities is
    read and resolved: components are independent, and customer ids come from their smallest
    member, so the result equals a whole-graph resolution's for that component.
    """
    if scope is None:
        current_rows = run_query(driver, settings, queries.READ_IDENTITIES_WITH_CUSTOMERS)
        identities = [r["identityId"] for r in current_rows]
        link_rows = run_query(driver, settings, queries.READ_LINKS)
    else:
        identities = sorted(r["identityId"] for r in run_query(
            driver, settings, queries.READ_LINKED_COMPONENT, {"ids": sorted(set(scope))}))
        link_rows = run_query(driver, settings, queries.READ_LINKS_AMONG, {"ids": identities})
        current_rows = run_query(driver, settings, queries.READ_IDENTITY_ASSIGNMENTS_OF,
                                 {"ids": identities})
    links = [Link(r["a"], r["b"], r["rule"], float(r["score"])) for r in link_rows]
    result = resolve(identities, links, link_probability=settings.resolution_link_probability)
    current = {r["identityId"]: (r["customerId"], r["linkRule"], r["linkScore"])
               for r in current_rows if r["customerId"] is not None}
    rows = [{"identityId": identity, "customerId": customer,
             "linkRule": result.link_of[identity][0], "linkScore": result.link_of[identity][1]}
            for identity, customer in sorted(result.customer_of.items())
            if current.get(identity) != (customer, *result.link_of[identity])]
    _write(driver, settings, queries.ASSIGN_CUSTOMERS,
           [row for row in rows if row["identityId"] in current])
    _write(driver, settings, queries.ASSIGN_NEW_CUSTOMERS,
           [row for row in rows if row["identityId"] not in current])
    if scope is None:
        with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database
        ) as session:
            session.execute_write(lambda tx: tx.run(queries.NAME_CUSTOMERS).consume())
            session.execute_write(lambda tx: tx.run(queries.DELETE_EMPTY_CUSTOMERS).consume())
    else:
        touched = sorted({str(row["customerId"]) for row in rows}
                         | {str(current[str(row["identityId"])][0]) for row in rows
                            if row["identityId"] in current})
        customer_rows = [{"customerId": customer} for customer in touched]
        _write(driver, settings, queries.NAME_CUSTOMERS_OF, customer_rows)
        _write(driver, settings, queries.DELETE_EMPTY_CUSTOMERS_OF, customer_rows)
    return {"identities": len(result.customer_of),
            "customers": len(set(result.customer_of.values())),
            "probabilistic links applied": len(result.applied),
            "merge suggestions": len(result.suggestions)}


def resolve_graph(driver: neo4j.Driver, settings: Settings, *, rescore: bool = True
                  ) -> dict[str, int]:
    """Whole-graph resolution: score every person record (unless ``rescore`` is False, when
    the stored scores are reused), then assign customers."""
    scored = score_population(driver, settings) if rescore else None
    counts = assign_customers(driver, settings)
    if scored is not None:
        counts["scored pairs"] = scored
    return counts


def refresh_identities(driver: neo4j.Driver, settings: Settings,
                       identity_ids: Iterable[str]) -> dict[str, int]:
    """The refresh path: score only the touched identities against their blocking candidates,
    then resolve only their connected components. Counts are for those components."""
    ids = sorted(set(identity_ids))
    scored = score_touched(driver, settings, ids)
    return {**assign_customers(driver, settings, scope=ids), "scored pairs": scored}
