"""``scripts/eval_similarity``: how well the similar-customer buckets agree with exact Jaccard.

Concept sets come either from the configured graph (``--from-graph``: every customer summary's
concepts, after a load) or from a seeded generated population: each customer talks about one
to five concepts of the ontology's scheme, drawn with Zipf-like popularity (a few concepts are
everybody's topic, most are rare), mostly around one area, as service messages are. For a seeded
sample of customers the exact top-k (every customer scored) is compared with what the view's
query returns (candidates from the customer's buckets, at most ``BUCKET_CAP`` per bucket in
stored order, ranked by exact Jaccard). Printed: recall@k by id, recall@k by score (a returned
neighbour counts when its Jaccard reaches the exact k-th best, since ties make the id choice
arbitrary), and the candidates read per view, which the bucket cap bounds.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections import defaultdict
from typing import Final, LiteralString

from rdflib.namespace import RDF, SKOS

from kg.derivation.similarity import BUCKET_CAP, buckets, exact_top, lsh_top
from kg.graph.driver import create_driver, run_query
from kg.ontology.files import OntologyFiles, default_ontology_dir, parse_turtle
from kg.settings import load_settings

# Every customer summary's concepts (``--from-graph``).
SUMMARY_CONCEPTS: Final[LiteralString] = """
MATCH (s:CustomerSummary)
RETURN s.summaryOf AS customerId, s.summaryConcepts AS concepts
"""


def scheme_concepts() -> list[tuple[str, str]]:
    """(concept, its top-level area) for every concept of the ontology's scheme."""
    graph = parse_turtle(OntologyFiles(default_ontology_dir()).concepts)
    ids = {c: str(c).rsplit("/", 1)[1] for c in graph.subjects(RDF.type, SKOS.Concept)}

    def top(concept: object) -> str:
        broader = next(iter(graph.objects(concept, SKOS.broader)), None)  # type: ignore[arg-type]
        return ids[concept] if broader is None else top(broader)  # type: ignore[index]

    return sorted((ids[c], top(c)) for c in ids)


def generated_sets(customers: int, seed: int) -> dict[str, set[str]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible evaluation data
    concepts = scheme_concepts()
    rng.shuffle(concepts)
    weights = [1 / (rank + 1) for rank in range(len(concepts))]
    by_area: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (concept, area), weight in zip(concepts, weights, strict=True):
        by_area[area].append((concept, weight))
    sets: dict[str, set[str]] = {}
    for number in range(customers):
        [(home, _)] = rng.choices(concepts, weights=weights)
        area = dict(concepts)[home]
        chosen = {home}
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            pool = by_area[area] if rng.random() < 0.7 else list(zip(
                [c for c, _ in concepts], weights, strict=True))
            chosen.add(rng.choices([c for c, _ in pool], weights=[w for _, w in pool])[0])
        sets[f"c{number:07d}"] = chosen
    return sets


def graph_sets() -> dict[str, set[str]]:
    settings = load_settings()
    with create_driver(settings) as driver:
        rows = run_query(driver, settings, SUMMARY_CONCEPTS)
    return {r["customerId"]: set(r["concepts"]) for r in rows if r["concepts"]}


def evaluate(sets: dict[str, set[str]], sample: int, k: int, seed: int, cap: int
             ) -> dict[str, float]:
    members: dict[str, list[str]] = defaultdict(list)
    order = sorted(sets)
    # a bucket's stored order is the order of derivation
    random.Random(seed).shuffle(order)  # noqa: S311 - seeded, not security
    for customer in order:
        for bucket in buckets(sets[customer]):
            members[bucket].append(customer)
    chosen = random.Random(seed + 1).sample(  # noqa: S311 - seeded sample
        sorted(sets), min(sample, len(sets)))
    by_id, by_score, read = [], [], []
    for customer in chosen:
        exact = exact_top(customer, sets, k)
        if not exact:
            continue
        found = lsh_top(customer, sets, members, k, cap)
        kth = exact[-1][1]
        by_id.append(len({c for c, _ in exact} & {c for c, _ in found}) / len(exact))
        by_score.append(sum(1 for _, score in found if score >= kth - 1e-12) / len(exact))
        read.append(sum(min(len(members[b]), cap) for b in buckets(sets[customer])))
    return {"customers": len(sets), "sampled": len(by_id),
            "recall_by_id": statistics.fmean(by_id), "recall_by_score": statistics.fmean(by_score),
            "candidates_mean": statistics.fmean(read), "candidates_max": max(read),
            "largest_bucket": max(len(m) for m in members.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cap", type=int, default=BUCKET_CAP)
    parser.add_argument("--from-graph", action="store_true",
                        help="the configured graph's customer summaries, not a generated set")
    args = parser.parse_args()
    sets = graph_sets() if args.from_graph else generated_sets(args.customers, args.seed)
    result = evaluate(sets, args.sample, args.k, args.seed, args.cap)
    source = "graph" if args.from_graph else f"generated (seed {args.seed})"
    print(f"similar customers, {source}: {result['customers']:,} customers with concepts, "
          f"{result['sampled']} sampled, k = {args.k}, bucket cap {args.cap}")
    print(f"  recall@{args.k} by id     {result['recall_by_id']:.3f}")
    print(f"  recall@{args.k} by score  {result['recall_by_score']:.3f}")
    print(f"  candidates read per view: mean {result['candidates_mean']:.0f}, "
          f"max {result['candidates_max']:.0f} (largest bucket {result['largest_bucket']:,})")


if __name__ == "__main__":
    main()
