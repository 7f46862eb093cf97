"""Identity resolution: which identities are one customer, and by what evidence.

Linking policy (also in the README):

- Deterministic: the same normalised email, phone, CRM id, loyalty number, or handle on the same
  network is the same Identity node, so the same customer. Identifiers that one source record
  asserts together (a CRM row; an email's sender with the customer number the help desk
  attached) are linked with rule ``record:<source>`` and score 1.
- Fuzzy: two identities with a display name and the same postcode are linked when their names
  are at least 88% similar (rapidfuzz token-sort ratio), rule ``fuzzy:name+postcode``, score
  the similarity. A name alone never links anything, and a fuzzy link never joins two
  customers that hold different CRM ids.
- Never linked without the customer's own evidence: identifiers that merely appear in message
  text (an email address or order number someone typed) are kept as mentions and used for case
  linking, never for identity linking.
- Analysts decide last: ``kg customers merge`` adds a ``manual:merge`` link; ``kg customers
  split`` adds ``manual:split`` links of score 0, which veto every other link between the pair.

Every customer id is a keyed hash of its smallest identity id (see :mod:`kg.derivation.ids`),
so the result does not depend on load order, and resolving twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from kg.derivation.ids import keyed
from kg.loading.unionfind import UnionFind

FUZZY_RULE, FUZZY_THRESHOLD = "fuzzy:name+postcode", 88.0


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
    fuzzy_links: list[Link]


def resolve(identities: list[dict[str, str | None]], links: list[Link], *,
            key: bytes) -> Resolution:
    """Pure resolution over identity rows (identityId, displayName, postcode) and links."""
    vetoed = {frozenset((link.a, link.b)) for link in links if link.score <= 0}
    positive = [link for link in links
                if link.score > 0 and frozenset((link.a, link.b)) not in vetoed]
    sets = UnionFind()
    for row in identities:
        sets.add(str(row["identityId"]))
    for link in positive:
        sets.union(link.a, link.b)
    fuzzy = _fuzzy_links(identities, sets, vetoed)
    for link in fuzzy:
        sets.union(link.a, link.b)
    attached_by: dict[str, tuple[str, float]] = {}
    best: dict[str, tuple[float, int, str]] = {}
    for link in (*positive, *fuzzy):
        candidate = (link.score, _priority(link.rule), link.rule)
        for identity in (link.a, link.b):
            if identity not in best or candidate > best[identity]:
                best[identity] = candidate
    customer_of: dict[str, str] = {}
    for root, members in sets.groups().items():
        customer = customer_id_for(root, key)
        for identity in members:
            customer_of[identity] = customer
            score, _, rule = best.get(identity, (1.0, 0, "deterministic:identifier"))
            attached_by[identity] = (rule, score)
    return Resolution(customer_of, attached_by, fuzzy)


def _priority(rule: str) -> int:
    """On equal scores an analyst's word beats a source record, which beats a fuzzy match."""
    return 3 if rule.startswith("manual:") else 2 if rule.startswith("record:") else 1


def _fuzzy_links(identities: list[dict[str, str | None]], sets: UnionFind,
                 vetoed: set[frozenset[str]]) -> list[Link]:
    """Name matches under one postcode, applied best first, so the outcome is the same
    whether a whole population or one connected part of it is resolved."""
    by_postcode: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in identities:
        name, postcode = row.get("displayName"), row.get("postcode")
        if name and postcode:
            by_postcode[postcode_key(postcode)].append((str(row["identityId"]), name.lower()))
    candidates: list[tuple[float, str, str]] = []
    for group in by_postcode.values():
        group.sort()
        for i, (a, name_a) in enumerate(group):
            for b, name_b in group[i + 1:]:
                if frozenset((a, b)) in vetoed:
                    continue
                score = fuzz.token_sort_ratio(name_a, name_b)
                if score >= FUZZY_THRESHOLD:
                    candidates.append((-score, a, b))
    crm_of: dict[str, set[str]] = defaultdict(set)
    for row in identities:
        identity = str(row["identityId"])
        if identity.startswith("crm:"):
            crm_of[sets.find(identity)].add(identity)
    found: list[Link] = []
    for negative_score, a, b in sorted(candidates):
        if sets.find(a) == sets.find(b):
            continue
        crm_a, crm_b = crm_of[sets.find(a)], crm_of[sets.find(b)]
        if crm_a and crm_b and crm_a != crm_b:
            continue  # two customers the CRM keeps apart stay apart
        found.append(Link(a, b, FUZZY_RULE, round(-negative_score / 100, 4)))
        merged = crm_a | crm_b
        sets.union(a, b)
        crm_of[sets.find(a)] = merged
    return found


def postcode_key(postcode: str) -> str:
    """The blocking key of a postcode: no spaces, upper case."""
    return postcode.replace(" ", "").upper()


def names_match(name_a: str, name_b: str) -> bool:
    """The fuzzy rule's name test, shared by whole and incremental resolution."""
    return fuzz.token_sort_ratio(name_a.lower(), name_b.lower()) >= FUZZY_THRESHOLD
