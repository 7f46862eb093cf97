"""Message search on the graph of ``KG_NEO4J_URI``: latency, the vector index's recall against
exact cosine, and what embeddings cost on disk.

- Latency: :data:`QUERIES` queries (the judged search queries, then messages of the graph drawn
  at random, seeded), one at a time, through the service function ``GET /search`` calls
  (embedding the query included), hybrid; p50 and p99 after :data:`WARM_UP` unmeasured ones.
- Recall@10: for each query, the vector index's top 10 (asked as search asks it: the
  :data:`~kg.search.retrieval.CANDIDATES` nearest) against the exact top 10 by cosine over
  every embedding in the graph (numpy, read once).
- Store: the vector indexes' files and the property store's array file (where Neo4j keeps the
  384 float64s of each embedding with every other array property), per embedded interaction.

``--synthetic N`` first adds N interactions whose embeddings are the graph's own embeddings with
Gaussian noise (seeded; a larger index with the real data's shape, no text), with ids
``bench-vector-…`` by which they are removed afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final, LiteralString

import numpy as np
import orjson

from kg.graph.driver import create_driver, run_query
from kg.graph.search_indexes import VECTOR_INDEX
from kg.search.models import SearchFilters
from kg.search.retrieval import CANDIDATES
from kg.semantic.encoder import shared_encoder, stored
from kg.services.search import search_messages
from kg.settings import Settings, load_settings

QUERIES: Final = 200
WARM_UP: Final = 10
SEED: Final = 11
JUDGED_QUERIES: Final = Path(__file__).resolve().parents[1] / "training/search/queries.jsonl"

EMBEDDINGS: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.embedding IS NOT NULL
RETURN i.interactionId AS id, i.embedding AS embedding, i.text AS text
"""

# As search asks it: the index's CANDIDATES nearest (its beam is the number asked for), the
# first 10 of them.
NEAREST: Final[LiteralString] = """
CALL db.index.vector.queryNodes('""" + VECTOR_INDEX + """', $candidates, $vector) YIELD node
RETURN node.interactionId AS id LIMIT 10
"""

ADD_SYNTHETIC: Final[LiteralString] = """
UNWIND $rows AS row
CREATE (i:Interaction {interactionId: row.id, embedding: row.embedding,
                       direction: 'inbound'})
"""

REMOVE_SYNTHETIC: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.interactionId STARTS WITH 'bench-vector-'
CALL (i) { DETACH DELETE i } IN TRANSACTIONS OF 10000 ROWS
"""


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def store_figures(settings: Settings, embedded: int) -> dict[str, float]:
    database = Path(settings.neo4j_home) / "data" / "databases" / settings.neo4j_database
    vector = sum(folder_bytes(p) for p in (database / "schema" / "index").glob("vector*"))
    arrays = (database / "neostore.propertystore.db.arrays").stat().st_size
    return {"vector index bytes per embedded interaction": vector / max(embedded, 1),
            "array store bytes per embedded interaction": arrays / max(embedded, 1),
            "embedding payload bytes (384 float64)": 384 * 8}


def add_synthetic(settings: Settings, base: np.ndarray, count: int) -> None:
    rng = np.random.default_rng(SEED)
    with create_driver(settings) as driver:
        for start in range(0, count, 2000):
            size = min(2000, count - start)
            picked = base[rng.integers(0, len(base), size)]
            noisy = picked + rng.normal(0.0, 0.02, picked.shape)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            run_query(driver, settings, ADD_SYNTHETIC, {"rows": [
                {"id": f"bench-vector-{start + n}", "embedding": stored(v.astype(np.float32))}
                for n, v in enumerate(noisy)]}, write=True)


def run(synthetic: int) -> dict[str, object]:
    settings = load_settings()
    encoder = shared_encoder()
    remove_synthetic(settings)  # a run stopped midway left its own
    with create_driver(settings) as driver:
        rows = run_query(driver, settings, EMBEDDINGS)
    real = [row for row in rows if row["text"] is not None]
    if synthetic:
        add_synthetic(settings, np.asarray([r["embedding"] for r in real], np.float64),
                      synthetic)
        with create_driver(settings) as driver:
            rows = run_query(driver, settings, EMBEDDINGS)
    ids = [row["id"] for row in rows]
    matrix = np.asarray([row["embedding"] for row in rows], np.float32)
    judged = [str(orjson.loads(line)["query"])
              for line in JUDGED_QUERIES.read_bytes().splitlines() if line.strip()]
    sampled = random.Random(SEED).sample([r["text"] for r in real],  # noqa: S311
                                         max(0, QUERIES - len(judged)))
    queries = (judged + sampled)[:QUERIES]
    latencies, recalls = [], []
    with create_driver(settings) as driver:
        for number, text in enumerate(queries):
            started = time.perf_counter()
            search_messages(driver, settings, text, filters=SearchFilters(), limit=20)
            elapsed = time.perf_counter() - started
            if number >= WARM_UP:
                latencies.append(elapsed * 1000)
            [vector] = encoder.embed([text])
            exact = {ids[i] for i in np.argsort(-(matrix @ vector), kind="stable")[:10]}
            found = {row["id"] for row in run_query(driver, settings, NEAREST, {
                "vector": vector.tolist(), "candidates": CANDIDATES})}
            recalls.append(len(found & exact) / 10)
    figures: dict[str, object] = {"embedded interactions": len(ids), "of them synthetic": synthetic,
            "queries": len(queries),
            "search p50 ms": round(statistics.median(latencies), 1),
            "search p99 ms": round(percentile(latencies, 0.99), 1),
            "vector recall@10 (mean)": round(statistics.mean(recalls), 3),
            **{k: round(v) for k, v in store_figures(settings, len(ids)).items()}}
    remove_synthetic(settings)
    return figures


def remove_synthetic(settings: Settings) -> None:
    """``CALL … IN TRANSACTIONS`` needs an implicit transaction: a plain session run."""
    with create_driver(settings) as driver, driver.session(
            database=settings.neo4j_database) as session:
        session.run(REMOVE_SYNTHETIC).consume()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=0,
                        help="add this many noisy copies of the graph's embeddings first")
    args = parser.parse_args(argv)
    for name, value in run(args.synthetic).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
