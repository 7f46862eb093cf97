"""A server extracts for days, in several request threads at once: new strings must not pile
up in spaCy's vocabulary, and one request's cleanup must not break another's documents."""

from __future__ import annotations

import threading

from spacy.language import Language

from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import extract
from kg.settings import Settings


def _texts(tag: str, count: int) -> list[tuple[str, object]]:
    return [(f"{tag}-{n}", f"My order QX{tag}{n}Z from shop Zq{tag}{n} never came, "
                           f"write to buyer{tag}{n}@example.com or @user_{tag}_{n}")
            for n in range(count)]


def test_new_strings_leave_the_vocabulary_after_extraction(nlp: Language,
                                                           settings: Settings) -> None:
    list(extract(nlp, _texts("warm", 20), settings))
    before = len(nlp.vocab.strings)
    results = list(extract(nlp, _texts("once", 200), settings))
    assert all(isinstance(r, ExtractionResult) for r in results)
    assert len(nlp.vocab.strings) == before


def test_concurrent_extractions_share_the_zone_without_breaking_each_other(
        nlp: Language, settings: Settings) -> None:
    before = len(nlp.vocab.strings)
    failures: list[BaseException] = []
    counts: list[int] = []
    start = threading.Barrier(6)

    def work(worker: int) -> None:
        start.wait()
        try:
            for round_ in range(5):
                done = list(extract(nlp, _texts(f"w{worker}r{round_}", 15), settings))
                counts.append(sum(isinstance(r, ExtractionResult) for r in done))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    assert counts == [15] * 30
    assert len(nlp.vocab.strings) == before
