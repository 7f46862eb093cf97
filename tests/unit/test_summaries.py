"""Customer summaries, contributions to the corpus counts, and MinHash similarity buckets."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations

from kg.derivation.similarity import BANDS, buckets, exact_top, jaccard, lsh_top
from kg.derivation.summaries import (
    CaseFacts,
    Contribution,
    CustomerFacts,
    InteractionFacts,
    contribution_of,
    summarise,
)

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def interaction(number: int, days: int, channel: str, concepts: tuple[str, ...],
                aspects: tuple[tuple[str, float], ...] = (), entities: tuple[str, ...] = (),
                intents: tuple[str, ...] = (), emotions: tuple[str, ...] = ()
                ) -> InteractionFacts:
    return InteractionFacts(f"i{number}", T0 + timedelta(days=days), channel,
                            channel != "twitter", concepts, aspects, entities, intents, emotions)


FACTS = CustomerFacts("c1", (
    interaction(1, 0, "twitter", ("refund", "delay"), (("refund", -0.8), ("refund", -0.4)),
                intents=("complaint",), emotions=("anger",)),
    interaction(2, 100, "email", ("refund",), (("refund", 0.2),), entities=("brand:acme",),
                intents=("complaint", "question")),
    interaction(3, 150, "twitter", ("refund", "delay", "app-crash"), entities=("brand:acme",)),
    interaction(4, 160, "twitter", ()),
), cases=(CaseFacts("k1", "open", T0, None, ("i1", "i9")),
          CaseFacts("k2", "closed", T0 + timedelta(days=150), T0 + timedelta(days=151),
                    ("i3",))))


def test_summary_sections() -> None:
    view = summarise(FACTS).view
    assert view["interactionCount"] == 4
    assert [(c["channel"], c["interactions"], c["companyOwned"]) for c in view["channels"]] \
        == [("twitter", 3, False), ("email", 1, True)]
    assert view["channels"][0]["lastContact"] == T0 + timedelta(days=160)
    assert view["channels"][0]["interactionIds"] == ["i4", "i3", "i1"]  # newest first
    refund = view["concepts"][0]
    assert (refund["conceptId"], refund["volume"]) == ("refund", 3)
    # per interaction the mean of its aspect scores (-0.6, 0.2), then the mean over them
    assert abs(refund["sentiment"] - (-0.6 + 0.2) / 2) < 1e-12
    assert refund["recent"] == 2  # 90 days before the newest interaction (day 160): days 100, 150
    assert [c["conceptId"] for c in view["concepts"]] == ["refund", "delay", "app-crash"]
    assert view["concepts"][2]["sentiment"] is None
    assert view["entities"] == [{"entityId": "brand:acme", "volume": 2,
                                 "interactionIds": ["i3", "i2"]}]
    assert [(s["category"], s["volume"]) for s in view["intents"]] == [("complaint", 2),
                                                                      ("question", 1)]
    assert [(s["category"], s["volume"]) for s in view["emotions"]] == [("anger", 1)]
    assert [k["caseId"] for k in view["cases"]] == ["k2", "k1"]  # newest opened first
    assert [(p["concepts"], p["together"]) for p in view["coOccurringConcepts"]] == [
        (["delay", "refund"], 2), (["app-crash", "delay"], 1), (["app-crash", "refund"], 1)]


def test_summary_is_a_pure_function_of_the_facts() -> None:
    shuffled = list(FACTS.interactions)
    random.Random(4).shuffle(shuffled)
    again = CustomerFacts("c1", tuple(shuffled), tuple(reversed(FACTS.cases)))
    first, second = summarise(FACTS), summarise(again)
    assert first.view_json() == second.view_json()
    assert first.properties() == second.properties()
    assert first.buckets == second.buckets and len(first.buckets) == BANDS


def test_contributions_sum_to_the_corpus_counts() -> None:
    rng = random.Random(11)
    pool = ["refund", "delay", "app-crash", "billing", "staff"]
    customers = [CustomerFacts(f"c{n}", tuple(
        interaction(10 * n + m, m, "email", tuple(rng.sample(pool, rng.randint(0, 3))))
        for m in range(rng.randint(1, 6)))) for n in range(30)]
    total: Counter[str] = Counter()
    for facts in customers:
        total.update(contribution_of(facts).counts())
    expected: Counter[str] = Counter()
    for facts in customers:
        for i in facts.interactions:
            expected["interactions"] += 1
            concepts = sorted(set(i.concepts))
            expected.update(f"concept:{k}" for k in concepts)
            expected.update(f"pair:{a}|{b}" for a, b in combinations(concepts, 2))
    assert total == expected and total["interactions"] > 30
    # the stored form reads back to the same counts, and the empty contribution adds nothing
    for facts in customers:
        contribution = contribution_of(facts)
        assert Contribution.from_json(contribution.to_json()).counts() == contribution.counts()
    assert Contribution.from_json(None).counts() == Counter()


def test_buckets_follow_the_concept_set() -> None:
    assert buckets([]) == []
    assert buckets(["a", "b", "c"]) == buckets(["c", "b", "a", "a"])
    assert len(set(buckets(["a", "b"])) & set(buckets(["x", "y"]))) == 0
    assert jaccard(["a", "b"], ["b", "c"]) == 1 / 3


def test_lsh_finds_the_exact_neighbours_on_a_small_population() -> None:
    rng = random.Random(7)
    pool = [f"k{n}" for n in range(40)]
    # ten families of customers: each member keeps most of its family's concepts
    families = [rng.sample(pool, 6) for _ in range(10)]
    sets = {f"c{n:03d}": set(rng.sample(families[n % 10], 5)) for n in range(120)}
    members: dict[str, list[str]] = {}
    for customer, concepts in sorted(sets.items()):
        for bucket in buckets(concepts):
            members.setdefault(bucket, []).append(customer)
    for customer in sorted(sets)[:40]:
        exact = exact_top(customer, sets, 5)
        found = lsh_top(customer, sets, members, 5)
        assert len(exact) == 5
        # every score is exact, and the k-th best score is reached (ties may pick others)
        assert all(score == jaccard(sets[customer], sets[other]) for other, score in found)
        assert [score for _, score in found] == [score for _, score in exact], customer
