"""Retrieval quality of message search: nDCG@10 of the vector-only, full-text-only and fused
runs, on queries written by reading real customer messages and results judged by reading.

The graph searched is whatever ``KG_NEO4J_URI`` points at; ``scripts/eval_search`` loads the
real twcs and Twitter customer-care threads from ``../shared/data`` into it first. Steps:

- ``pool QUERIES OUT``: each query's top 10 from every run (the runs below), with their texts,
  to be judged by reading. ``OUT`` holds message text: keep it outside the repository.
- ``score QUERIES JUDGMENTS``: nDCG@10 of every run on the report part of the queries (about
  two thirds, chosen by a hash of the query id); ``--part tune`` gives the other third, on
  which the fusion was chosen. Unjudged results count as not relevant.

Judgments are ``{"query": id, "source": system, "sourceId": id, "grade": 0|1|2}`` lines:
2 is about exactly what the query asks, 1 related (same problem, other detail), 0 not. A
message is named by its source record, so the judgments hold no message text.
"""

from __future__ import annotations

import argparse
import hashlib
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, LiteralString

import orjson

from kg.graph.driver import create_driver, run_query
from kg.search.fusion import MEANING_WEIGHT, fuse
from kg.search.models import SearchFilters
from kg.search.retrieval import Rankings, SearchRequest, rankings
from kg.semantic.encoder import shared_encoder
from kg.settings import load_settings

DEPTH: Final = 10

SOURCE_OF: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
RETURN id, i.sourceSystem AS source, i.sourceRecordId AS sourceId, i.text AS text
"""

Ranking = list[str]
Run = Callable[[Rankings], Ranking]


def _interleave(found: Rankings) -> Ranking:
    merged: dict[str, None] = {}
    for pair in zip(found.by_meaning, found.by_words, strict=False):
        merged.update(dict.fromkeys(pair))
    merged.update(dict.fromkeys(found.by_meaning + found.by_words))
    return list(merged)


def _rrf(k: int, weights: tuple[float, float] = (1.0, 1.0)) -> Run:
    def run(found: Rankings) -> Ranking:
        rankings = (found.by_meaning, found.by_words)
        scores: dict[str, float] = {}
        for weight, ranking in zip(weights, rankings, strict=True):
            for rank, item in enumerate(ranking, start=1):
                scores[item] = scores.get(item, 0.0) + weight / (k + rank)
        return sorted(scores, key=lambda item: -scores[item])
    return run


def _convex(meaning_weight: float) -> Run:
    """The shipped fusion (kg.search.fusion) with another weight."""
    def run(found: Rankings) -> Ranking:
        return [item for item, _ in fuse(
            [(item, found.scores[("meaning", item)]) for item in found.by_meaning],
            [(item, found.scores[("words", item)]) for item in found.by_words],
            meaning_weight=meaning_weight)]
    return run


RUNS: Final[dict[str, Run]] = {
    "vector": lambda found: found.by_meaning,
    "text": lambda found: found.by_words,
    "hybrid (RRF, k=60)": _rrf(60),
    "hybrid (RRF, k=10)": _rrf(10),
    "hybrid (RRF, meaning weighted 2:1)": _rrf(60, (2.0, 1.0)),
    "hybrid (RRF, meaning weighted 4:1)": _rrf(60, (4.0, 1.0)),
    "hybrid (interleaved)": _interleave,
    "hybrid (convex, meaning 0.5)": _convex(0.5),
    "hybrid (convex, meaning 0.7; shipped)": _convex(MEANING_WEIGHT),
    "hybrid (convex, meaning 0.8)": _convex(0.8),
    "hybrid (convex, meaning 0.9)": _convex(0.9),
}


def part_of(query_id: str) -> str:
    return "tune" if hashlib.sha256(query_id.encode()).digest()[0] % 3 == 0 else "report"


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def run_all(queries: Sequence[dict[str, object]]) -> dict[str, dict[str, Ranking]]:
    """Per query id, each run's top :data:`DEPTH` interaction ids."""
    settings = load_settings()
    encoder = shared_encoder()
    out: dict[str, dict[str, Ranking]] = {}
    with create_driver(settings) as driver:
        for query in queries:
            text = str(query["query"])
            [vector] = encoder.embed([text])
            found = rankings(driver, settings, SearchRequest(
                text=text, vector=[float(x) for x in vector], filters=SearchFilters(),
                limit=DEPTH))
            out[str(query["id"])] = {name: run(found)[:DEPTH] for name, run in RUNS.items()}
    return out


def pool(queries_path: Path, out: Path) -> None:
    queries = read_jsonl(queries_path)
    ran = run_all(queries)
    settings = load_settings()
    with create_driver(settings) as driver, out.open("wb") as handle:
        for query in queries:
            ids = sorted({item for ranking in ran[str(query["id"])].values() for item in ranking})
            for row in run_query(driver, settings, SOURCE_OF, {"ids": ids}):
                handle.write(orjson.dumps({
                    "query": query["id"], "text_of_query": query["query"],
                    "source": row["source"], "sourceId": row["sourceId"],
                    "message": row["text"]}) + b"\n")
    print(f"pooled {sum(1 for _ in out.open('rb')):,} (query, message) pairs into {out}")


def ndcg(ranking: Sequence[int], ideal: Sequence[int], depth: int = DEPTH) -> float:
    """Normalised discounted cumulative gain with graded gains ``2^grade - 1``."""
    def dcg(grades: Sequence[int]) -> float:
        return float(sum((2.0 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:depth])))
    best = dcg(sorted(ideal, reverse=True))
    return dcg(ranking) / best if best > 0 else 0.0


def score(queries_path: Path, judgments_path: Path, part: str) -> None:
    queries = [q for q in read_jsonl(queries_path) if part_of(str(q["id"])) == part]
    grades: dict[tuple[str, str, str], int] = {
        (str(j["query"]), str(j["source"]), str(j["sourceId"])): int(str(j["grade"]))
        for j in read_jsonl(judgments_path)}
    ran = run_all(queries)
    settings = load_settings()
    totals: dict[str, list[float]] = {name: [] for name in RUNS}
    unjudged = 0
    judged_queries = 0
    with create_driver(settings) as driver:
        for query in queries:
            qid = str(query["id"])
            ideal = [g for (q, _, _), g in grades.items() if q == qid]
            if not any(ideal):
                continue  # nothing relevant found by any run: no ranking can score
            judged_queries += 1
            ids = sorted({item for ranking in ran[qid].values() for item in ranking})
            keys = {row["id"]: (str(row["source"]), str(row["sourceId"]))
                    for row in run_query(driver, settings, SOURCE_OF, {"ids": ids})}
            for name, ranking in ran[qid].items():
                gained = []
                for item in ranking:
                    key = (qid, *keys[item])
                    unjudged += key not in grades
                    gained.append(grades.get(key, 0))
                totals[name].append(ndcg(gained, ideal))
    print(f"part {part}: {len(queries)} queries, {judged_queries} with a relevant message; "
          f"{unjudged} unjudged results counted as not relevant")
    for name, values in totals.items():
        mean = sum(values) / len(values) if values else float("nan")
        print(f"  nDCG@10 {name:40s} {mean:.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pooling = commands.add_parser("pool")
    pooling.add_argument("queries", type=Path)
    pooling.add_argument("out", type=Path)
    scoring = commands.add_parser("score")
    scoring.add_argument("queries", type=Path)
    scoring.add_argument("judgments", type=Path)
    scoring.add_argument("--part", choices=("report", "tune"), default="report")
    args = parser.parse_args(argv)
    if args.command == "pool":
        pool(args.queries, args.out)
    else:
        score(args.queries, args.judgments, args.part)


if __name__ == "__main__":
    main()
