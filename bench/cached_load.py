"""``kg load`` with extraction read from the benchmarks' cache, for ``scripts/bench_load``.

Everything but extraction is the product's own load: the same adapters, batches, rows,
writer, change records and (unless ``--no-derive``) derivation after each batch, through
:func:`kg.services.ingest.load`. Extraction results come from the cache file that
:mod:`bench.extraction_cache` filled with the same pipeline (its fingerprint names the
file), so a figure measured this way is a load *with cached extraction*, and says so.

    python -m bench.cached_load jsonl corpus/interactions.jsonl --cache FILE.sqlite
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.extraction_cache import CachedExtractor, ExtractionCache, fingerprint
from kg.extraction.pipeline import build_pipeline
from kg.graph.driver import create_driver
from kg.graph.schema import init_schema, seed_reference_data
from kg.ontology.mapping import load_mapping
from kg.services.ingest import load
from kg.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--cache", type=Path, required=True, help="the filled cache file")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--dead-letters", type=Path, required=True)
    parser.add_argument("--no-derive", action="store_true")
    args = parser.parse_args()
    if not args.cache.is_file():
        parser.error(f"no extraction cache at {args.cache}")
    settings, mapping = load_settings(), load_mapping()
    nlp = build_pipeline(settings)
    started = time.perf_counter()
    with ExtractionCache(args.cache) as cache, create_driver(settings) as driver:
        if not args.cache.name.startswith(fingerprint(nlp, settings)[:24]):
            parser.error(f"{args.cache} was filled by another extraction pipeline")
        extractor = CachedExtractor(cache, nlp, settings)
        init_schema(driver, settings, mapping)
        seed_reference_data(driver, settings)
        summary = load(args.source, args.paths, driver=driver, settings=settings, nlp=nlp,
                       mapping=mapping, dead_letters=args.dead_letters,
                       batch_size=args.batch_size, derive_after=not args.no_derive,
                       extractor=extractor)
    print(f"read {summary.read:,} = loaded {summary.loaded:,} + rejected {summary.rejected:,} "
          f"in {time.perf_counter() - started:.1f} s; extraction from the cache: "
          f"{extractor.hits:,} hits, {extractor.misses:,} misses (extracted now)", flush=True)


if __name__ == "__main__":
    main()
