"""The earlier rule-only fuzzy rule, kept as the baseline that ``scripts/eval_identity`` reports.

Two identities with a display name and the same postcode were linked when their names were at
least 88% similar (rapidfuzz token-sort ratio), never across two CRM ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz

from kg.unionfind import UnionFind

RULE, THRESHOLD = "fuzzy:name+postcode", 88.0


def fuzzy_name_postcode_pairs(identities: Iterable[Mapping[str, str | None]],
                              sets: UnionFind, *, keep_crm_apart: bool = True
                              ) -> list[tuple[str, str, float]]:
    """Pairs the rule links, applied to ``sets`` (already holding the deterministic links).

    ``keep_crm_apart=False`` measures the rule itself on data where every record has its own
    CRM id (FEBRL loaded as CRM rows), as the probabilistic linker is measured there.
    """
    rows = list(identities)
    by_postcode: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        name, postcode = row.get("displayName"), row.get("postcode")
        if name and postcode:
            by_postcode[postcode.replace(" ", "").upper()].append(
                (str(row["identityId"]), name.lower()))
    crm_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        identity = str(row["identityId"])
        if identity.startswith("crm:crm:"):
            crm_of[sets.find(identity)].add(identity)
    found: list[tuple[str, str, float]] = []
    for group in by_postcode.values():
        group.sort()
        for i, (a, name_a) in enumerate(group):
            for b, name_b in group[i + 1:]:
                if sets.find(a) == sets.find(b):
                    continue
                score = fuzz.token_sort_ratio(name_a, name_b)
                crm_a, crm_b = crm_of[sets.find(a)], crm_of[sets.find(b)]
                if score < THRESHOLD or (keep_crm_apart and crm_a and crm_b and crm_a != crm_b):
                    continue
                found.append((a, b, round(score / 100, 4)))
                sets.union(a, b)
                crm_of[sets.find(a)] = crm_a | crm_b
    return found
