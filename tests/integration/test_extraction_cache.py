"""A load that reads extraction results from the benchmarks' cache builds the same graph."""

from __future__ import annotations

from pathlib import Path

import neo4j
import pyoxigraph as ox
import pytest
from spacy.language import Language

from bench.extraction_cache import CachedExtractor, ExtractionCache, fill
from bench.graphs import wipe
from kg.extraction.pipeline import build_pipeline
from kg.graph.driver import create_driver
from kg.graph.schema import init_schema, seed_reference_data
from kg.ingestion.generator import generate
from kg.ingestion.loader import Extractor
from kg.neo4j_local import server
from kg.ontology.mapping import load_mapping
from kg.rdf.mirror import DATA_GRAPH
from kg.services.ingest import LoadSummary, load
from kg.settings import Settings
from tests.integration.graph_state import fingerprint

pytestmark = pytest.mark.integration


def _load(driver: neo4j.Driver, settings: Settings, nlp: Language, folder: Path,
          extractor: Extractor | None, dead: Path) -> LoadSummary:
    mapping = load_mapping()
    init_schema(driver, settings, mapping)
    seed_reference_data(driver, settings)
    load("crm", [folder / "crm.csv"], driver=driver, settings=settings, nlp=nlp,
         mapping=mapping, dead_letters=dead / "crm.jsonl", derive_after=False,
         extractor=extractor)
    return load("jsonl", [folder / "interactions.jsonl"], driver=driver, settings=settings,
                nlp=nlp, mapping=mapping, dead_letters=dead / "interactions.jsonl",
                batch_size=40, extractor=extractor)


def _mirror(store: Path) -> set[str]:
    return {str(quad) for quad in ox.Store.read_only(str(store)).quads_for_pattern(
        None, None, None, DATA_GRAPH)}


def test_loading_with_and_without_the_cache_gives_identical_graphs(
        settings: Settings, tmp_path: Path) -> None:
    server.start(settings)
    folder = tmp_path / "corpus"
    counts = generate(folder, customers=30, interactions=160, seed=13)
    nlp = build_pipeline(settings)
    extracting = settings.model_copy(update={"rdf_store": tmp_path / "rdf-extracting"})
    cached = settings.model_copy(update={"rdf_store": tmp_path / "rdf-cached"})
    with create_driver(settings) as driver:
        wipe(driver, settings)
        plain = _load(driver, extracting, nlp, folder, None, tmp_path / "dead-1")
        graph_extracting = fingerprint(driver, settings)
        wipe(driver, settings)
        with ExtractionCache(tmp_path / "cache.sqlite") as cache:
            fill(folder, cache, nlp, settings, chunk_records=50)
            extractor = CachedExtractor(cache, nlp, settings)
            from_cache = _load(driver, cached, nlp, folder, extractor, tmp_path / "dead-2")
        graph_cached = fingerprint(driver, settings)
        wipe(driver, settings)
    assert plain.read == from_cache.read == counts["interactions"]
    assert (from_cache.loaded, from_cache.rejected) == (plain.loaded, plain.rejected)
    assert extractor.misses == 0
    assert extractor.hits == plain.loaded > 0
    assert graph_extracting["nodes"] > counts["interactions"]
    assert graph_cached == graph_extracting
    triples = _mirror(extracting.rdf_store)
    assert len(triples) > 1000
    assert _mirror(cached.rdf_store) == triples
