"""A customer's summary: what the 360° view shows besides the paged journey, as a pure function.

The refresh path reads a customer's facts (their interactions with channel, concepts, aspect
opinions, entities, intents and emotions, and their cases) and turns them into a
:class:`Summary` here, with no access to the graph, so an incremental refresh and a
from-scratch derivation of the same facts give the same summary byte for byte (lists are
sorted, floats summed in a fixed order). Names that other customers' writes can change (entity
names, concept labels) are not copied: the view reads them from their nodes.

A summary also holds the customer's :class:`Contribution` to the corpus counts behind lift,
and the similarity buckets of its concept set. :func:`contribution_of` is the one place that
decides what a customer adds to corpus statistics and similar-customer lists.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

from kg.derivation.clock import shifted
from kg.derivation.similarity import buckets

RECENT_DAYS = 90  # a concept's "recent" share: interactions of the 90 days before the newest
FACT_IDS = 20  # interaction ids listed per fact
TOP = 100  # entries kept per section (the view's largest `top`)
INTERACTIONS = "interactions"


def concept_count_id(concept: str) -> str:
    return f"concept:{concept}"


def pair_count_id(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"pair:{first}|{second}"


@dataclass(frozen=True)
class InteractionFacts:
    interaction_id: str
    at: datetime | None
    channel: str | None
    company_owned: bool | None
    concepts: tuple[str, ...]
    aspects: tuple[tuple[str, float], ...]  # (concept, polarity score) of aspect opinions
    entities: tuple[str, ...]
    intents: tuple[str, ...]
    emotions: tuple[str, ...]


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    status: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    interaction_ids: tuple[str, ...]


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: str
    interactions: tuple[InteractionFacts, ...]
    cases: tuple[CaseFacts, ...] = ()
    excluded: bool = False  # the consent policy leaves this customer out of analytics


@dataclass
class Contribution:
    """What one customer adds to the corpus counts: interactions, per concept, per pair."""

    interactions: int = 0
    concepts: Counter[str] = field(default_factory=Counter)
    pairs: Counter[str] = field(default_factory=Counter)

    def counts(self) -> Counter[str]:
        """Corpus count id -> this customer's share of it."""
        counts: Counter[str] = Counter()
        if self.interactions:
            counts[INTERACTIONS] = self.interactions
        counts.update({concept_count_id(k): n for k, n in self.concepts.items()})
        counts.update({f"pair:{p}": n for p, n in self.pairs.items()})
        return counts

    @property
    def concept_set(self) -> list[str]:
        return sorted(self.concepts)

    def to_json(self) -> str:
        return json.dumps({"interactions": self.interactions, "concepts": dict(self.concepts),
                           "pairs": dict(self.pairs)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Contribution:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(int(data["interactions"]), Counter(data["concepts"]), Counter(data["pairs"]))


def contribution_of(facts: CustomerFacts) -> Contribution:
    """The customer's share of corpus statistics (lift, NPMI) and of similarity.

    Every customer interaction counts once; a concept once per interaction that is about it; a
    pair of concepts once per interaction about both. A customer left out of corpus statistics
    gets an empty contribution here, which also leaves them without similarity buckets.
    """
    if facts.excluded:
        return Contribution()
    contribution = Contribution(interactions=len(facts.interactions))
    for interaction in facts.interactions:
        concepts = sorted(set(interaction.concepts))
        contribution.concepts.update(concepts)
        contribution.pairs.update(f"{a}|{b}" for a, b in combinations(concepts, 2))
    return contribution


@dataclass
class Summary:
    customer_id: str
    view: dict[str, Any]
    contribution: Contribution
    concepts: list[str]
    entities: list[str]
    buckets: list[str]  # sorted, as they are compared with the stored ones
    count_keys: list[str]
    last_contact: datetime | None

    def view_json(self) -> str:
        return json.dumps(self.view, sort_keys=True, default=_iso)

    def properties(self) -> dict[str, Any]:
        """The node's properties (typed ones for queries, JSON for the view's payload)."""
        return {"summaryOf": self.customer_id, "summaryView": self.view_json(),
                "summaryConcepts": self.concepts, "summaryEntities": self.entities,
                "corpusContribution": self.contribution.to_json(),
                "corpusCountKeys": self.count_keys,
                "interactionCount": self.view["interactionCount"],
                "caseCount": len(self.view["cases"]),
                "lastContactAt": self.last_contact}


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def _newest_first(interactions: list[InteractionFacts]) -> list[InteractionFacts]:
    """Newest first, undated last, ties by id: the order of every fact's interaction ids."""
    dated = sorted((i for i in interactions if i.at is not None),
                   key=lambda i: (i.at, i.interaction_id), reverse=True)
    undated = sorted((i for i in interactions if i.at is None), key=lambda i: i.interaction_id)
    return dated + undated


def _ids(interactions: list[InteractionFacts]) -> list[str]:
    return [i.interaction_id for i in interactions[:FACT_IDS]]


def _mean(values: list[float]) -> float | None:
    return sum(sorted(values)) / len(values) if values else None


def _channels(ordered: list[InteractionFacts]) -> list[dict[str, Any]]:
    by_channel: dict[str, list[InteractionFacts]] = defaultdict(list)
    for interaction in ordered:
        if interaction.channel is not None:
            by_channel[interaction.channel].append(interaction)
    rows: list[dict[str, Any]] = [{"channel": channel, "companyOwned": found[0].company_owned,
             "interactions": len(found),
             "lastContact": max((i.at for i in found if i.at is not None), default=None),
             "interactionIds": _ids(found)} for channel, found in by_channel.items()]
    return sorted(rows, key=lambda r: (-r["interactions"], r["channel"]))


def _concepts(ordered: list[InteractionFacts]) -> list[dict[str, Any]]:
    newest = max((i.at for i in ordered if i.at is not None), default=None)
    since = shifted(newest, -timedelta(days=RECENT_DAYS)) if newest is not None else None
    by_concept: dict[str, list[InteractionFacts]] = defaultdict(list)
    for interaction in ordered:
        for concept in sorted(set(interaction.concepts)):
            by_concept[concept].append(interaction)
    rows: list[dict[str, Any]] = []
    for concept, found in by_concept.items():
        scores = [_mean([s for k, s in i.aspects if k == concept]) for i in found]
        rows.append({
            "conceptId": concept, "volume": len(found),
            "sentiment": _mean([s for s in scores if s is not None]),
            "recent": sum(1 for i in found if since is not None and i.at is not None
                          and i.at >= since),
            "interactionIds": _ids(found)})
    rows.sort(key=lambda r: (-r["volume"], r["conceptId"]))
    return rows[:TOP]


def _counted(ordered: list[InteractionFacts], key: str, values: str
             ) -> list[dict[str, Any]]:
    found: dict[str, list[InteractionFacts]] = defaultdict(list)
    for interaction in ordered:
        for value in sorted(set(getattr(interaction, values))):
            found[value].append(interaction)
    rows: list[dict[str, Any]] = [{key: value, "volume": len(hits), "interactionIds": _ids(hits)}
            for value, hits in found.items()]
    rows.sort(key=lambda r: (-r["volume"], r[key]))
    return rows[:TOP]


def _pairs(ordered: list[InteractionFacts]) -> list[dict[str, Any]]:
    found: dict[tuple[str, str], list[InteractionFacts]] = defaultdict(list)
    for interaction in ordered:
        for pair in combinations(sorted(set(interaction.concepts)), 2):
            found[pair].append(interaction)
    rows: list[dict[str, Any]] = [{"concepts": list(pair), "together": len(hits),
             "interactionIds": _ids(hits)}
            for pair, hits in found.items()]
    rows.sort(key=lambda r: (-r["together"], r["concepts"]))
    return rows[:TOP]


def _cases(cases: tuple[CaseFacts, ...]) -> list[dict[str, Any]]:
    dated = [(k.opened_at, k) for k in cases if k.opened_at is not None]
    dated.sort(key=lambda item: (item[0], item[1].case_id), reverse=True)
    undated = sorted((k for k in cases if k.opened_at is None), key=lambda k: k.case_id)
    ordered = [k for _, k in dated] + undated
    return [{"caseId": k.case_id, "status": k.status, "openedAt": k.opened_at,
             "closedAt": k.closed_at, "interactionIds": sorted(k.interaction_ids)}
            for k in ordered]


def summarise(facts: CustomerFacts) -> Summary:
    """The customer's summary; a pure function of their facts."""
    ordered = _newest_first(list(facts.interactions))
    contribution = contribution_of(facts)
    pairs = _pairs(ordered)
    entities = _counted(ordered, "entityId", "entities")
    count_keys = {INTERACTIONS}
    for pair in pairs:
        a, b = pair["concepts"]
        count_keys |= {pair_count_id(a, b), concept_count_id(a), concept_count_id(b)}
    view = {
        "interactionCount": len(ordered),
        "channels": _channels(ordered),
        "concepts": _concepts(ordered),
        "entities": entities,
        "intents": _counted(ordered, "category", "intents"),
        "emotions": _counted(ordered, "category", "emotions"),
        "cases": _cases(facts.cases),
        "coOccurringConcepts": pairs,
    }
    return Summary(
        customer_id=facts.customer_id, view=view, contribution=contribution,
        concepts=sorted({k for i in ordered for k in i.concepts}),
        entities=[e["entityId"] for e in entities],
        buckets=sorted(buckets(contribution.concept_set)),
        count_keys=sorted(count_keys),
        last_contact=max((i.at for i in ordered if i.at is not None), default=None))
