"""The benchmarks' extraction cache, their phase estimates and the heavy-customer sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language

from bench import phase_timings
from bench.api import customer_groups, heaviest
from bench.extraction_cache import (
    CachedExtractor,
    CorpusSpec,
    ExtractionCache,
    bench_corpus,
    fill,
    fingerprint,
)
from kg.extraction.models import ExtractionError, ExtractionResult
from kg.extraction.pipeline import extract
from kg.ingestion.generator import generate
from kg.settings import Settings


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-corpus")
    generate(folder, customers=20, interactions=90, seed=3)
    return folder


def _texts(corpus: Path) -> list[tuple[str, object]]:
    lines = (corpus / "interactions.jsonl").read_text(encoding="utf-8").splitlines()
    return [(f"r{n}", json.loads(line).get("text")) for n, line in enumerate(lines)]


def test_cache_hits_are_the_results_the_pipeline_gives(
        corpus: Path, nlp: Language, settings: Settings, tmp_path: Path) -> None:
    records = [*_texts(corpus), ("empty", "   "), ("number", 7)]
    expected = [r.model_dump() for r in extract(nlp, records, settings)]
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        filled = fill(corpus, cache, nlp, settings, chunk_records=25)
        assert (filled.chunks, filled.chunks_done_before, filled.records) == (4, 0, 90)
        extractor = CachedExtractor(cache, nlp, settings)
        cached = [r.model_dump() for r in extractor(records)]
    texts = sum(1 for _, text in records if isinstance(text, str) and text.strip())
    assert (extractor.hits, extractor.misses) == (texts, 0)
    assert cached == expected
    assert sum(isinstance(r, ExtractionError) for r in extract(nlp, records, settings)) >= 2


def test_a_text_missing_from_the_cache_is_extracted_and_counted(
        corpus: Path, nlp: Language, settings: Settings, tmp_path: Path) -> None:
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        fill(corpus, cache, nlp, settings)
        extractor = CachedExtractor(cache, nlp, settings)
        new = [("new", "a text the generator never wrote, about my refund")]
        [result] = list(extractor(new))
    [expected] = list(extract(nlp, new, settings))
    assert (extractor.hits, extractor.misses) == (0, 1)
    assert isinstance(result, ExtractionResult)
    assert result.model_dump() == expected.model_dump()


def test_filling_resumes_after_the_last_finished_chunk(
        corpus: Path, nlp: Language, settings: Settings, tmp_path: Path) -> None:
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        cache.put_chunk(1, 30, [])  # as if a fill had stopped after chunk 1
        first = fill(corpus, cache, nlp, settings, chunk_records=30)
        again = fill(corpus, cache, nlp, settings, chunk_records=30)
        assert cache.done_chunks() == {0, 1, 2}
    assert (first.chunks, first.chunks_done_before, first.records) == (3, 1, 60)
    assert (again.chunks_done_before, again.records) == (3, 0)


def test_two_processes_store_the_same_results_as_one(
        corpus: Path, nlp: Language, settings: Settings, tmp_path: Path) -> None:
    records = _texts(corpus)
    results = []
    for processes in (1, 2):
        with ExtractionCache(tmp_path / f"cache-{processes}.sqlite") as cache:
            fill(corpus, cache, nlp, settings, processes=processes, chunk_records=20)
            results.append([r.model_dump() for r in CachedExtractor(cache, nlp, settings)(
                records)])
    assert results[0] == results[1]
    assert len(results[0]) == len(records) == 90


def test_the_fingerprint_changes_with_what_changes_a_result(
        nlp: Language, settings: Settings) -> None:
    same = fingerprint(nlp, settings)
    assert fingerprint(nlp, settings) == same
    assert fingerprint(nlp, settings.model_copy(update={"redact_pii": True})) != same
    assert fingerprint(nlp, settings.model_copy(update={"brand_accounts": ["@acme"]})) != same


def test_a_corpus_spec_names_one_corpus(tmp_path: Path) -> None:
    spec = CorpusSpec.for_size(240)
    assert (spec.customers, spec.seed) == (100, 7)
    assert CorpusSpec.for_size(8000).customers == 1000
    assert spec.key != CorpusSpec.for_size(240, seed=8).key
    folder = bench_corpus(spec, root=tmp_path)
    first = (folder / "interactions.jsonl").read_bytes()
    assert bench_corpus(spec, root=tmp_path) == folder
    assert (folder / "interactions.jsonl").read_bytes() == first
    assert len(first.splitlines()) == 240
    assert not folder.with_name(folder.name + ".partial").exists()


def test_one_size_extrapolates_linearly_two_by_their_power_law() -> None:
    assert phase_timings.extrapolate({10_000: 60.0}, 1_000_000) == (6000.0, 1.0)
    seconds, exponent = phase_timings.extrapolate({1_000: 10.0, 10_000: 400.0}, 100_000)
    assert exponent == pytest.approx(1.60206, rel=1e-4)
    assert seconds == pytest.approx(16_000.0, rel=1e-6)
    # a phase that got cheaper per interaction is still estimated as at least linear
    assert phase_timings.extrapolate({1_000: 10.0, 10_000: 50.0}, 100_000) == (500.0, 1.0)
    # a fixed amount of work: constant from one size, never below constant from two
    assert phase_timings.extrapolate({10_000: 30.0}, 1_000_000, floor=0.0) == (30.0, 0.0)
    seconds, exponent = phase_timings.extrapolate({1_000: 20.0, 10_000: 10.0}, 100_000,
                                                  floor=0.0)
    assert (seconds, exponent) == (10.0, 0.0)


def test_the_report_warns_of_a_phase_over_an_hour(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    timings = tmp_path / "timings.jsonl"
    monkeypatch.setenv("KG_BENCH_TIMINGS", str(timings))
    phase_timings.record("derive", 10_000, 56.0)
    phase_timings.record("serve", 10_000, 2.0)
    phase_timings.record("posts", 10_000, 3000.0, per_interaction=False)
    phase_timings.record("posts", 100_000, 4000.0, per_interaction=False)
    lines = phase_timings.report(timings, [100_000, 1_000_000])
    assert len(lines) == 5
    warned = [line for line in lines if "WARNING" in line]
    assert len(warned) == 2
    assert "derive" in warned[0] and "1,000,000" in warned[0]
    assert "posts" in warned[1] and "exponent 0.12" in warned[1]
    monkeypatch.delenv("KG_BENCH_TIMINGS")
    phase_timings.record("ignored", 10, 1.0)
    assert "ignored" not in timings.read_text()


def test_the_heaviest_one_percent_are_the_customers_with_most_interactions() -> None:
    counts = [(f"c{n:03}", n % 50 + 1) for n in range(300)]
    heavy = heaviest(counts)
    assert [n for _, n in heavy] == [50, 50, 50]
    assert [c for c, _ in heavy] == ["c049", "c099", "c149"]
    assert heaviest([("only", 1)]) == [("only", 1)]
    groups = customer_groups(["c000", "c001"], counts)
    assert [ids for _, ids in groups] == [["c000", "c001"], ["c049", "c099", "c149"]]
    assert groups[1][0] == "heaviest 1% (3 of 300 customers, 50 interactions each)"
