"""Measuring extraction on labelled sentiment sets and on the real-message gold set.

Sentiment sets (TweetEval test, GoEmotions test; the tweet-sentiment dev fold and GoEmotions
dev are shown as dev figures): accuracy and macro-F1 of the pipeline, the previous
rule-based layer and plain VADER on the same texts. Real-message gold
(``tests/data/real_gold.jsonl``, texts from ``../shared/data``): per data set and overall,
sentiment, concepts, top-level areas and entities, for one half (``dev`` or ``test``) at a time.

Definitions. Concept macro-F1: the mean F1 over the concept ids that occur in the gold half or
in the predictions (as scikit-learn's macro average); area macro-F1 likewise over top-level
areas, a concept counting as its area. Entities match
on (lower-cased text, coarse type) with BRAND and ORG one type (``ORG``), since the gold
marks a company as BRAND when it is the one addressed and ORG otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import extract, load_base_model
from kg.ontology.concept_labels import top_concepts
from kg.settings import Settings
from training.corpora import LabelledText, real_message_texts
from training.extraction_eval import Counts, accuracy, macro_f1, vader_label
from training.real_gold import RealGoldRecord

COARSE_TYPES = {"ORG": "ORG", "BRAND": "ORG", "COMPETITOR": "ORG", "PERSON": "PERSON",
                "STAFF": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
                "PLACE": "PLACE", "PRODUCT": "PRODUCT"}


PREVIOUS_COMPONENTS = ("ckg_language", "ckg_social", "ckg_concepts", "ckg_identifiers",
                       "ckg_sentiment_rules", "ckg_signals")


def build_previous(settings: Settings) -> Language:
    """The rule-based layer as it was before the learned models: SKOS matcher only, VADER with
    service cues for sentiment, spaCy NER as it comes. Printed beside the current pipeline."""
    nlp = load_base_model(settings.spacy_model)
    for component in PREVIOUS_COMPONENTS:
        nlp.add_pipe(component)
    nlp.max_length = max(nlp.max_length, settings.extraction_max_chars + 1)
    return nlp


def run(nlp: Language, texts: Sequence[str], settings: Settings) -> list[ExtractionResult]:
    results = []
    for index, result in enumerate(extract(nlp, ((str(i), t) for i, t in enumerate(texts)),
                                           settings)):
        if not isinstance(result, ExtractionResult):
            raise ValueError(f"text {index}: {result.field}: {result.error}")
        results.append(result)
    return results


@dataclass
class SentimentScores:
    """Accuracy and macro-F1 of the pipeline, the previous layer and plain VADER on one set."""

    messages: int
    scores: dict[str, tuple[float, float]]


def sentiment_scores(current: Language, previous: Language, rows: Sequence[LabelledText],
                     settings: Settings) -> SentimentScores:
    texts = [r.text for r in rows]
    gold = [r.label for r in rows]
    analyzer = SentimentIntensityAnalyzer()
    systems: dict[str, list[str]] = {
        "model": [r.sentiment.label for r in run(current, texts, settings)],
        "rules": [r.sentiment.label for r in run(previous, texts, settings)],
        "vader": [vader_label(analyzer, t) for t in texts],
    }
    return SentimentScores(len(rows), {name: (accuracy(gold, labels), macro_f1(gold, labels))
                                       for name, labels in systems.items()})


@dataclass
class RealGoldReport:
    messages: int = 0
    sentiment: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    concepts: dict[str, Counts] = field(default_factory=dict)
    areas: dict[str, Counts] = field(default_factory=dict)
    concepts_all: Counts = field(default_factory=Counts)
    areas_all: Counts = field(default_factory=Counts)
    entities: Counts = field(default_factory=Counts)
    entities_untyped: Counts = field(default_factory=Counts)
    no_concept: int = 0  # messages with gold concepts where none was found
    with_concepts: int = 0  # messages with gold concepts

    @property
    def no_concept_share(self) -> float:
        return self.no_concept / self.with_concepts if self.with_concepts else 0.0

    def sentiment_scores(self, system: str) -> tuple[float, float]:
        pairs: list[tuple[str, str]] = self.sentiment.get(system, [])
        gold = [g for g, _ in pairs]
        found = [p for _, p in pairs]
        return (accuracy(gold, found), macro_f1(gold, found)) if pairs else (0.0, 0.0)

    @staticmethod
    def macro(table: dict[str, Counts]) -> float:
        present = [c for c in table.values() if c.tp + c.fp + c.fn]
        return sum(c.f1 for c in present) / len(present) if present else 0.0


def coarse_entities(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(text.strip().lower(), COARSE_TYPES[kind]) for text, kind in pairs
            if kind in COARSE_TYPES}


def _add(table: dict[str, Counts], gold: set[str], found: set[str]) -> None:
    for key in gold | found:
        table.setdefault(key, Counts()).add(gold & {key}, found & {key})


def evaluate_real_gold(current: Language, previous: Language,
                       records: Sequence[RealGoldRecord], data: Path, settings: Settings
                       ) -> dict[str, dict[str, RealGoldReport]]:
    """system ("model" = current pipeline, "rules" = previous layer) → data set (and ``all``)
    → report; plain VADER's sentiment is in each report under "vader"."""
    texts = real_message_texts(data)
    chosen = [texts[(r.dataset, r.record_id)] for r in records]
    analyzer = SentimentIntensityAnalyzer()
    vader = [vader_label(analyzer, t) for t in chosen]
    tops = top_concepts()
    reports: dict[str, dict[str, RealGoldReport]] = {}
    for system, nlp in (("model", current), ("rules", previous)):
        for record, result, plain in zip(records, run(nlp, chosen, settings), vader,
                                          strict=True):
            for name in (record.dataset, "all"):
                report = reports.setdefault(system, {}).setdefault(name, RealGoldReport())
                score(report, record, result, plain, tops)
    return reports


def score(report: RealGoldReport, record: RealGoldRecord, result: ExtractionResult,
          vader: str, tops: dict[str, str]) -> None:
    found_concepts = {c.concept_id for c in result.concepts}
    found_entities = coarse_entities((e.text, e.label) for e in result.entities)
    gold_entities = coarse_entities(record.entities)
    report.messages += 1
    report.sentiment.setdefault("system", []).append((record.sentiment, result.sentiment.label))
    report.sentiment.setdefault("vader", []).append((record.sentiment, vader))
    _add(report.concepts, set(record.concepts), found_concepts)
    report.concepts_all.add(record.concepts, found_concepts)
    gold_areas = {tops.get(c, c) for c in record.concepts}
    found_areas = {tops.get(c, c) for c in found_concepts}
    _add(report.areas, gold_areas, found_areas)
    report.areas_all.add(gold_areas, found_areas)
    report.entities.add(gold_entities, found_entities)
    report.entities_untyped.add({t for t, _ in gold_entities}, {t for t, _ in found_entities})
    report.no_concept += bool(record.concepts) and not found_concepts
    report.with_concepts += bool(record.concepts)
