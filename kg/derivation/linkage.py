"""Identity resolution: which identities are one customer, and by what evidence.

Linking policy (also in docs/identity-resolution.md):

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

Every customer id is a keyed hash of its smallest identity id (see :mod:`kg.feed.ids`),
so the result does not depend on load order, and resolving twice changes nothing. The refresh
path (:mod:`kg.derivation.identities`) scores touched identities and resolves their connected
part of the graph inside its transaction; the functions here take a ``run`` callable so the
same code runs inside a transaction or on its own.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, LiteralString

from kg.feed.ids import keyed
from kg.resolution.linker import link_touched
from kg.resolution.models import PersonRow, ScoredPair
from kg.resolution.persons import person_row
from kg.resolution.probabilistic import load_model
from kg.settings import Settings
from kg.unionfind import UnionFind

# Person records for probabilistic linkage: identities with at least one blocking key.
READ_PERSON_IDENTITIES: Final[LiteralString] = """
MATCH (x:Identity)
WHERE x.blockOnName IS NOT NULL OR x.blockOnBirthDate IS NOT NULL
   OR x.blockOnPostcodeGivenName IS NOT NULL OR x.blockOnPostcodeFamilyName IS NOT NULL
   OR x.blockOnPostcodeStreet IS NOT NULL OR x.blockOnFamilyNameCity IS NOT NULL
RETURN x.identityId AS identityId, x.displayName AS displayName, x.givenName AS givenName,
       x.familyName AS familyName, x.birthDate AS birthDate, x.streetAddress AS streetAddress,
       x.addressLine2 AS addressLine2, x.addressLocality AS addressLocality,
       x.postcode AS postcode, x.addressRegion AS addressRegion,
       x.addressCountry AS addressCountry
"""

READ_PERSON_IDENTITIES_BY_ID: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (x:Identity {identityId: id})
RETURN x.identityId AS identityId, x.displayName AS displayName, x.givenName AS givenName,
       x.familyName AS familyName, x.birthDate AS birthDate, x.streetAddress AS streetAddress,
       x.addressLine2 AS addressLine2, x.addressLocality AS addressLocality,
       x.postcode AS postcode, x.addressRegion AS addressRegion,
       x.addressCountry AS addressCountry
"""

# Candidates of the incremental path: one index seek per blocking-key probe.
READ_BLOCKING_CANDIDATES: Final[LiteralString] = """
UNWIND $probes AS row
CALL (row) {
  MATCH (x:Identity {blockOnName: row.value}) WHERE row.key = 'blockOnName' RETURN x
  UNION
  MATCH (x:Identity {blockOnBirthDate: row.value}) WHERE row.key = 'blockOnBirthDate' RETURN x
  UNION
  MATCH (x:Identity {blockOnPostcodeGivenName: row.value})
  WHERE row.key = 'blockOnPostcodeGivenName' RETURN x
  UNION
  MATCH (x:Identity {blockOnPostcodeFamilyName: row.value})
  WHERE row.key = 'blockOnPostcodeFamilyName' RETURN x
  UNION
  MATCH (x:Identity {blockOnPostcodeStreet: row.value})
  WHERE row.key = 'blockOnPostcodeStreet' RETURN x
  UNION
  MATCH (x:Identity {blockOnFamilyNameCity: row.value})
  WHERE row.key = 'blockOnFamilyNameCity' RETURN x
}
WITH DISTINCT x
RETURN x.identityId AS identityId, x.displayName AS displayName, x.givenName AS givenName,
       x.familyName AS familyName, x.birthDate AS birthDate, x.streetAddress AS streetAddress,
       x.addressLine2 AS addressLine2, x.addressLocality AS addressLocality,
       x.postcode AS postcode, x.addressRegion AS addressRegion,
       x.addressCountry AS addressCountry
"""

# A probabilistic link keeps its probability (linkScore), total and per-attribute weights.
MERGE_SCORED_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})
MATCH (b:Identity {identityId: row.to})
MERGE (a)-[l:LINKED_WITH {linkRule: row.rule}]->(b)
SET l.linkScore = row.score, l.matchWeight = row.matchWeight, l.matchWeights = row.matchWeights
"""

DELETE_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})-[l:LINKED_WITH {linkRule: row.rule}]->
      (b:Identity {identityId: row.to})
DELETE l
"""

# The refresh path: the touched identities' scored links, connected component, its links and
# current customers, so only that component is resolved and rewritten.
READ_SCORED_LINKS_OF: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (:Identity {identityId: id})-[l:LINKED_WITH {linkRule: $rule}]-(:Identity)
WITH DISTINCT l
MATCH (a:Identity)-[l]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b
"""

READ_SCORED_LINKS: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b
"""

# Links not stored yet (the caller knows which): created without MERGE's existence check.
CREATE_SCORED_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})
MATCH (b:Identity {identityId: row.to})
CREATE (a)-[:LINKED_WITH {linkRule: row.rule, linkScore: row.score,
                          matchWeight: row.matchWeight, matchWeights: row.matchWeights}]->(b)
"""


PROBABILISTIC_RULE = "probabilistic:splink"
MERGE_RULE, SPLIT_RULE = "manual:merge", "manual:split"
WRITE_BATCH = 10_000


Run = Callable[[LiteralString, dict[str, Any]], list[dict[str, Any]]]


def customer_id_for(smallest_identity: str, key: bytes) -> str:
    """A keyed hash: stable for the installation, not computable from an identifier alone."""
    return "cust-" + keyed(key, smallest_identity)


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


def resolve(identities: Iterable[str], links: Sequence[Link], *, key: bytes,
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
        if identity.startswith("crm:"):
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
        customer = customer_id_for(root, key)
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


def replace_scored_links(run: Run, pairs: Sequence[ScoredPair], *,
                         scope: set[str] | None = None) -> int:
    """Store the scored pairs; drop stored probabilistic links they no longer include.

    ``scope`` limits the stale check to links touching those identities (incremental path);
    None means the whole graph was scored.
    """
    if scope is None:
        current = {(r["a"], r["b"]) for r in run(READ_SCORED_LINKS,
                                                 {"rule": PROBABILISTIC_RULE})}
    else:
        current = {(r["a"], r["b"]) for r in run(READ_SCORED_LINKS_OF,
                                                 {"ids": sorted(scope),
                                                  "rule": PROBABILISTIC_RULE})}
    wanted = {(p.a, p.b) for p in pairs}
    stale = [{"from": a, "to": b, "rule": PROBABILISTIC_RULE} for a, b in sorted(current - wanted)]
    for statement, rows in (
            (DELETE_LINKS, stale),
            (MERGE_SCORED_LINKS, scored_link_rows(p for p in pairs
                                                          if (p.a, p.b) in current)),
            (CREATE_SCORED_LINKS, scored_link_rows(p for p in pairs
                                                           if (p.a, p.b) not in current))):
        for start in range(0, len(rows), WRITE_BATCH):
            run(statement, {"rows": rows[start:start + WRITE_BATCH]})
    return len(pairs)


def fetch_candidates(run: Run, wanted: Mapping[str, set[str]]) -> list[PersonRow]:
    """Person rows of every identity sharing one of the wanted blocking-key values."""
    probes = [{"key": key, "value": value} for key, values in sorted(wanted.items())
              for value in sorted(values)]
    if not probes:
        return []
    return person_rows_of(run(READ_BLOCKING_CANDIDATES, {"probes": probes}))


def score_touched(run: Run, settings: Settings, identity_ids: Iterable[str]) -> int:
    """Incremental mode: score new or changed identities against their blocking candidates
    and store the links; returns how many pairs were kept."""
    ids = sorted(set(identity_ids))
    touched = person_rows_of(run(READ_PERSON_IDENTITIES_BY_ID, {"ids": ids}))
    if not touched:
        return 0
    pairs = link_touched(touched, lambda wanted: fetch_candidates(run, wanted),
                         load_model(settings.resolution_model),
                         min_probability=settings.resolution_suggest_probability)
    return replace_scored_links(run, pairs, scope=set(ids))
