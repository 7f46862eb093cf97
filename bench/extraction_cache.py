"""Extraction results of the benchmarks' generated corpora, extracted once and read back.

Extraction is deterministic: the same text through the same pipeline (code, spaCy model,
learned models, ontology labels, extraction settings) gives the same result. The benchmarks
load the same generated corpus many times (``scripts/bench_load``, ``scripts/bench_ingest``,
each size of ``scripts/bench_scale``), and at a million interactions extraction alone takes
long (docs/figures.md), so its results are kept in a cache and the loads read them instead.

- A corpus is named by its generator parameters (interactions, customers, seed) and a digest of
  the generator's code; it is generated once under ``KG_BENCH_CACHE`` (default
  ``.kg/bench-cache``, outside git).
- Its results live in one SQLite file per pipeline *fingerprint*: a digest of the extraction
  code and data, the ontology files, the spaCy model and library versions and the settings
  that change a result. A changed pipeline is a new file, never a stale hit.
- Results are keyed by the SHA-256 of the text, so a hit is the result of that very text;
  the record id is set at read time. A text with no result (a corpus that is not fully
  extracted) is extracted by the pipeline then and there, and counted as a miss.
- Filling is resumable: the corpus is cut into numbered chunks of records in file order, each
  committed with its results, so a killed fill goes on where it stopped. ``--processes 2``
  extracts two chunks at a time in forked worker processes.

The loader reads the cache through :class:`CachedExtractor`, passed to the product's own
:func:`kg.services.ingest.load` (same adapters, rows, writer and derivation).

    python -m bench.extraction_cache --interactions 1000000 --processes 2
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import shutil
import sqlite3
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from multiprocessing.pool import AsyncResult
from pathlib import Path

import orjson
from spacy.language import Language

import kg.extraction
import kg.ingestion.generator
from kg.extraction.models import ExtractionError, ExtractionResult
from kg.extraction.pipeline import build_pipeline, check_text, extract, provenance
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Loaded
from kg.ingestion.generator import generate
from kg.ingestion.records import InteractionRecord
from kg.ontology.files import default_ontology_dir
from kg.settings import Settings, load_settings

CHUNK_RECORDS = 2000
LIBRARIES = ("spacy", "vaderSentiment", "scikit-learn", "numpy", "scipy", "py3langid")


def cache_root() -> Path:
    return Path(os.environ.get("KG_BENCH_CACHE", ".kg/bench-cache"))


def _digest_files(digest: hashlib._Hash, root: Path, paths: Iterable[Path]) -> None:
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())


@dataclass(frozen=True)
class CorpusSpec:
    """The parameters ``kg generate`` makes a corpus from; the same spec, the same corpus."""

    interactions: int
    customers: int
    seed: int = 7

    @classmethod
    def for_size(cls, interactions: int, customers: int | None = None,
                 seed: int = 7) -> CorpusSpec:
        """The benchmarks' convention: one customer per eight interactions, at least 100."""
        return cls(interactions, customers or max(100, interactions // 8), seed)

    @property
    def key(self) -> str:
        generator = Path(kg.ingestion.generator.__file__).read_bytes()
        code = hashlib.sha256(generator).hexdigest()[:10]
        return f"i{self.interactions}-c{self.customers}-s{self.seed}-g{code}"


def bench_corpus(spec: CorpusSpec, root: Path | None = None) -> Path:
    """The generated corpus for ``spec``, generated on first use (never half-written)."""
    folder = (root or cache_root()) / "corpora" / spec.key
    if (folder / "interactions.jsonl").is_file():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    generate(partial, customers=spec.customers, interactions=spec.interactions, seed=spec.seed)
    partial.rename(folder)
    return folder


def fingerprint(nlp: Language, settings: Settings) -> str:
    """A digest of everything an extraction result depends on, besides the text."""
    digest = hashlib.sha256()
    digest.update(provenance(nlp).model_dump_json().encode())
    digest.update(json.dumps(nlp.pipe_names).encode())
    for library in LIBRARIES:
        try:
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library}=absent".encode())
    extraction = Path(kg.extraction.__file__).parent
    _digest_files(digest, extraction, extraction.rglob("*"))
    ontology = settings.ontology_dir or default_ontology_dir()
    _digest_files(digest, ontology, ontology.glob("*.ttl"))
    digest.update(json.dumps({
        "redact_pii": settings.redact_pii, "brand_accounts": list(settings.brand_accounts),
        "ner_organisations": settings.ner_organisations,
        "gazetteers": [hashlib.sha256(path.read_bytes()).hexdigest()
                       for path in settings.gazetteers]}).encode())
    return digest.hexdigest()


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _encode(result: ExtractionResult) -> bytes:
    return zlib.compress(result.model_dump_json(exclude={"record_id"}).encode(), 6)


def _decode(blob: bytes, record_id: str) -> ExtractionResult:
    data = orjson.loads(zlib.decompress(blob))
    data["record_id"] = record_id
    return ExtractionResult.model_validate(data)


class ExtractionCache:
    """One SQLite file: results by text digest, and the chunks of the corpus already done."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.executescript("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS results (text_key BLOB PRIMARY KEY, result BLOB NOT NULL)
                WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS chunks (number INTEGER PRIMARY KEY, records INTEGER);
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
        """)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get_many(self, keys: list[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            marks = ",".join("?" * len(part))
            found.update(self._db.execute(
                f"SELECT text_key, result FROM results WHERE text_key IN ({marks})",  # noqa: S608
                part).fetchall())
        return found

    def put_chunk(self, number: int, records: int, rows: list[tuple[bytes, bytes]]) -> None:
        """A chunk's results and its done mark, in one transaction."""
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO results VALUES (?, ?)", rows)
            self._db.execute("INSERT OR REPLACE INTO chunks VALUES (?, ?)", (number, records))

    def done_chunks(self) -> set[int]:
        return {row[0] for row in self._db.execute("SELECT number FROM chunks")}

    def set_meta(self, name: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def result_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM results").fetchone()[0])


def cache_path(spec: CorpusSpec, print_: str, root: Path | None = None) -> Path:
    """Where the results of ``spec`` through the pipeline with fingerprint ``print_`` live."""
    return (root or cache_root()) / "extraction" / spec.key / f"{print_[:24]}.sqlite"


class CachedExtractor:
    """The loader's extractor over a cache: hits are read, misses go through the pipeline."""

    def __init__(self, cache: ExtractionCache, nlp: Language, settings: Settings) -> None:
        self.cache, self.nlp, self.settings = cache, nlp, settings
        self.hits = 0
        self.misses = 0

    def __call__(self, records: Sequence[tuple[str, object]]
                 ) -> Iterator[ExtractionResult | ExtractionError]:
        checked = [(record_id, check_text(record_id, text, self.settings.extraction_max_chars))
                   for record_id, text in records]
        keys = {record_id: text_key(text) for record_id, text in checked
                if isinstance(text, str)}
        found = self.cache.get_many(list(set(keys.values())))
        missing = [(record_id, text) for record_id, text in checked
                   if isinstance(text, str) and keys[record_id] not in found]
        extracted = {result.record_id: result
                     for result in extract(self.nlp, missing, self.settings)} if missing else {}
        self.misses += len(missing)
        for record_id, text in checked:
            if isinstance(text, ExtractionError):
                yield text
            elif record_id in extracted:
                yield extracted[record_id]
            else:
                self.hits += 1
                yield _decode(found[keys[record_id]], record_id)


# --- filling ---------------------------------------------------------------------------------

_WORKER: tuple[Language, Settings] | None = None


def _corpus_texts(corpus: Path) -> Iterator[str]:
    """The texts the loader hands to extraction, in file order (one per interaction)."""
    for item in ADAPTERS["jsonl"](corpus / "interactions.jsonl", AdapterOptions()):
        if isinstance(item, Loaded) and isinstance(item.record, InteractionRecord):
            yield item.record.text


def _extract_chunk(number: int, texts: list[str], records: int
                   ) -> tuple[int, int, list[tuple[bytes, bytes]]]:
    assert _WORKER is not None, "the worker's pipeline is built before the pool forks"
    nlp, settings = _WORKER
    unique = {text_key(text): text for text in texts}
    pairs = [(key.hex(), text) for key, text in unique.items()]
    rows = [(bytes.fromhex(result.record_id), _encode(result))
            for result in extract(nlp, pairs, settings)
            if isinstance(result, ExtractionResult)]
    return number, records, rows


@dataclass
class FillSummary:
    chunks: int
    chunks_done_before: int
    records: int
    seconds: float
    results: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def fill(corpus: Path, cache: ExtractionCache, nlp: Language, settings: Settings, *,
         processes: int = 1, chunk_records: int = CHUNK_RECORDS,
         say: Callable[[str], None] | None = None) -> FillSummary:
    """Extract every chunk of ``corpus`` not yet in ``cache``; resumable at chunk boundaries."""
    global _WORKER  # handed to the forked workers
    _WORKER = (nlp, settings.model_copy(update={"extraction_processes": 1}))
    done = cache.done_chunks()
    began = time.perf_counter()
    records = chunks = 0
    texts = _corpus_texts(corpus)
    context = multiprocessing.get_context("fork")
    pool = context.Pool(processes) if processes > 1 else None
    pending: deque[AsyncResult[tuple[int, int, list[tuple[bytes, bytes]]]]] = deque()

    def store(number: int, count: int, rows: list[tuple[bytes, bytes]]) -> None:
        nonlocal records
        cache.put_chunk(number, count, rows)
        records += count
        if say is not None:
            elapsed = time.perf_counter() - began
            say(f"chunk {number} done: {records:,} records extracted in {elapsed:.0f} s "
                f"({records / max(elapsed, 1e-9):,.0f}/s)")

    try:
        number = 0
        while chunk := list(islice(texts, chunk_records)):
            chunks += 1
            if number not in done:
                valid = [t for t in chunk if isinstance(
                    check_text("", t, settings.extraction_max_chars), str)]
                if pool is None:
                    store(*_extract_chunk(number, valid, len(chunk)))
                else:
                    pending.append(pool.apply_async(_extract_chunk, (number, valid, len(chunk))))
                    while len(pending) >= 2 * processes:
                        store(*pending.popleft().get())
            number += 1
        while pending:
            store(*pending.popleft().get())
    finally:
        if pool is not None:
            pool.terminate()
        _WORKER = None
    return FillSummary(chunks=chunks, chunks_done_before=len(done & set(range(chunks))),
                       records=records, seconds=time.perf_counter() - began,
                       results=cache.result_count())


@dataclass
class PreparedCorpus:
    """A benchmark corpus with its filled extraction cache."""

    spec: CorpusSpec
    folder: Path
    cache: ExtractionCache
    filled: FillSummary


def prepare(spec: CorpusSpec, nlp: Language, settings: Settings, *, processes: int = 1,
            say: Callable[[str], None] | None = None) -> PreparedCorpus:
    """The corpus of ``spec`` and its cache for this pipeline, extracting what is missing."""
    folder = bench_corpus(spec)
    cache = ExtractionCache(cache_path(spec, fingerprint(nlp, settings)))
    cache.set_meta("corpus", json.dumps({"interactions": spec.interactions,
                                         "customers": spec.customers, "seed": spec.seed,
                                         "folder": str(folder)}))
    cache.set_meta("provenance", provenance(nlp).model_dump_json())
    summary = fill(folder, cache, nlp, settings, processes=processes, say=say)
    return PreparedCorpus(spec, folder, cache, summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, required=True)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--processes", type=int, default=1,
                        help="extraction worker processes (chunks extracted side by side)")
    args = parser.parse_args()
    settings = load_settings()
    spec = CorpusSpec.for_size(args.interactions, args.customers, args.seed)
    began = time.perf_counter()
    folder = bench_corpus(spec)
    print(f"corpus {spec.key}: {folder} ({time.perf_counter() - began:.0f} s)", flush=True)
    nlp = build_pipeline(settings)
    prepared = prepare(spec, nlp, settings, processes=args.processes,
                       say=lambda line: print(line, flush=True))
    summary = prepared.filled
    print(f"cache {prepared.cache.path}: {summary.chunks} chunks, {summary.chunks_done_before} "
          f"done before this run; {summary.records:,} records extracted now in "
          f"{summary.seconds:.0f} s ({summary.rate:,.0f}/s, {args.processes} processes); "
          f"{summary.results:,} distinct texts cached", flush=True)
    prepared.cache.close()


if __name__ == "__main__":
    main()
