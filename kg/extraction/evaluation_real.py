"""Measuring extraction on labelled sentiment sets and on the real-message gold set.

Sentiment sets (TweetEval test, GoEmotions test; the tweet-sentiment dev fold and GoEmotions
dev are shown as dev figures): accuracy and macro-F1 of the pipeline, the rule-based layer and
plain VADER on the same texts. Real-message gold (``tests/data/real_gold.jsonl``, texts from
``../shared/data``): per data set and overall, sentiment, concepts, top-level areas and
entities, for one half (``dev`` or ``test``) at a time.

Definitions. Concept macro-F1: the mean F1 over the concept ids that occur in the gold half;
area macro-F1 likewise over top-level areas, a concept counting as its area. Entities match
on (lower-cased text, coarse type) with BRAND and ORG one type (``ORG``), since the gold
marks a company as BRAND when it is the one addressed and ORG otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kg.extraction.components.sentiment import ClauseSentiment, label_of
from kg.extraction.concept_labels import top_concepts
from kg.extraction.corpora import LabelledText, real_message_texts
from kg.extraction.evaluation import Counts, accuracy, macro_f1, vader_label
from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import extract
from kg.extraction.real_gold import RealGoldRecord
from kg.settings import Settings

COARSE_TYPES = {"ORG": "ORG", "BRAND": "ORG", "COMPETITOR": "ORG", "PERSON": "PERSON",
                "STAFF": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
                "PLACE": "PLACE", "PRODUCT": "PRODUCT"}


@dataclass
class SentimentScores:
    """Accuracy and macro-F1 of three systems on one set."""

    messages: int
    scores: dict[str, tuple[float, float]]


def rules_label(layer: ClauseSentiment, nlp: Language, text: str) -> str:
    """The previous rule-based layer's message label (clauses need the parsed doc)."""
    return label_of(float(layer(nlp(text))._.sentiment or 0.0))


def sentiment_scores(nlp: Language, rows: Sequence[LabelledText], settings: Settings
                     ) -> SentimentScores:
    gold = [r.label for r in rows]
    results = extract(nlp, ((str(i), r.text) for i, r in enumerate(rows)), settings)
    ours = [r.sentiment.label if isinstance(r, ExtractionResult) else "neutral"
            for r in results]
    rules = rule_labels(nlp, [r.text for r in rows], settings)
    analyzer = SentimentIntensityAnalyzer()
    vader = [vader_label(analyzer, r.text) for r in rows]
    return SentimentScores(len(rows), {
        name: (accuracy(gold, labels), macro_f1(gold, labels))
        for name, labels in (("model", ours), ("rules", rules), ("vader", vader))})


def rule_labels(nlp: Language, texts: Sequence[str], settings: Settings) -> list[str]:
    """Labels of the rule-based layer, run on the base model's parses of the same texts."""
    layer = ClauseSentiment()
    keep = [p for p in nlp.pipe_names if p not in ("ckg_sentiment", "ckg_signals",
                                                   "ckg_concepts", "ckg_topics")]
    labels = []
    with nlp.select_pipes(enable=keep):
        for doc in nlp.pipe(texts, batch_size=settings.extraction_batch_size):
            labels.append(label_of(float(layer(doc)._.sentiment or 0.0)))
    return labels


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
    no_concept: int = 0

    def sentiment_scores(self, system: str) -> tuple[float, float]:
        pairs = self.sentiment.get(system, [])
        gold = [g for g, _ in pairs]
        found = [p for _, p in pairs]
        return (accuracy(gold, found), macro_f1(gold, found)) if pairs else (0.0, 0.0)

    @staticmethod
    def macro(table: dict[str, Counts]) -> float:
        present = [c for c in table.values() if c.tp + c.fn]
        return sum(c.f1 for c in present) / len(present) if present else 0.0


def coarse_entities(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(text.strip().lower(), COARSE_TYPES[kind]) for text, kind in pairs
            if kind in COARSE_TYPES}


def _add(table: dict[str, Counts], gold: set[str], found: set[str]) -> None:
    for key in gold | found:
        table.setdefault(key, Counts()).add(gold & {key}, found & {key})


def evaluate_real_gold(nlp: Language, records: Sequence[RealGoldRecord], data: Path,
                       settings: Settings) -> dict[str, RealGoldReport]:
    """One report per data set and one for ``all``; records without a text raise KeyError."""
    texts = real_message_texts(data)
    chosen = [(r, texts[(r.dataset, r.record_id)]) for r in records]
    results = list(extract(nlp, ((str(i), t) for i, (_, t) in enumerate(chosen)), settings))
    rules = rule_labels(nlp, [t for _, t in chosen], settings)
    analyzer = SentimentIntensityAnalyzer()
    tops = top_concepts()
    reports: dict[str, RealGoldReport] = {}
    for (record, text), result, rule in zip(chosen, results, rules, strict=True):
        if not isinstance(result, ExtractionResult):
            raise ValueError(f"{record.dataset}:{record.record_id}: {result.error}")
        found_concepts = {c.concept_id for c in result.concepts}
        found_entities = coarse_entities((e.text, e.label) for e in result.entities)
        gold_entities = coarse_entities(record.entities)
        for name in (record.dataset, "all"):
            report = reports.setdefault(name, RealGoldReport())
            report.messages += 1
            for system, label in (("model", result.sentiment.label), ("rules", rule),
                                  ("vader", vader_label(analyzer, text))):
                report.sentiment.setdefault(system, []).append((record.sentiment, label))
            _add(report.concepts, set(record.concepts), found_concepts)
            report.concepts_all.add(record.concepts, found_concepts)
            gold_areas = {tops.get(c, c) for c in record.concepts}
            found_areas = {tops.get(c, c) for c in found_concepts}
            _add(report.areas, gold_areas, found_areas)
            report.areas_all.add(gold_areas, found_areas)
            report.entities.add(gold_entities, found_entities)
            report.entities_untyped.add({t for t, _ in gold_entities},
                                        {t for t, _ in found_entities})
            report.no_concept += bool(record.concepts) and not found_concepts
    return reports
