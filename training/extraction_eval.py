"""Evaluating extraction: against the hand-labelled gold set, and unlabelled over real data.

Gold set (``tests/data/extraction_gold.tsv``): one customer message per row with its style,
industry, 3-class sentiment, concepts (the most specific concepts the message is about),
intents, emotions and entities (OntoNotes conventions, kept types only). Printed: precision,
recall and F1 per component (micro-averaged over messages), 3-class sentiment accuracy and
macro-F1, with plain VADER on the same messages beside ours.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kg.extraction.components.sentiment import label_of
from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import extract
from kg.ontology.concept_labels import top_concepts
from kg.settings import Settings

LABELS = ("negative", "neutral", "positive")
# Entity types the ontology keeps, and the spaCy/gazetteer labels that map onto them.
SharedText = tuple[str, str, str | None]  # data set, text, weak sentiment label
ENTITY_TYPES = {"ORG": "ORG", "BRAND": "ORG", "COMPETITOR": "ORG", "PERSON": "PERSON",
                "STAFF": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
                "PRODUCT": "PRODUCT", "EVENT": "EVENT", "MONEY": "MONEY", "DATE": "DATE",
                "TIME": "DATE"}


@dataclass(frozen=True)
class GoldMessage:
    id: str
    style: str
    industry: str
    sentiment: str
    concepts: frozenset[str]
    intents: frozenset[str]
    emotions: frozenset[str]
    entities: frozenset[tuple[str, str]]
    text: str


def load_gold(path: Path) -> list[GoldMessage]:
    def items(field: str, sep: str = ",") -> frozenset[str]:
        return frozenset(x.strip() for x in field.split(sep) if x.strip())

    messages = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            entities = frozenset(
                (text.strip().lower(), ENTITY_TYPES[label])
                for text, label in (e.rsplit("=", 1) for e in items(row["entities"], ";"))
                if label in ENTITY_TYPES
            )
            messages.append(GoldMessage(
                id=row["id"], style=row["style"], industry=row["industry"],
                sentiment=row["sentiment"], concepts=items(row["concepts"]),
                intents=items(row["intents"]), emotions=items(row["emotions"]),
                entities=entities, text=row["text"],
            ))
    return messages


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: AbstractSet[Hashable], found: AbstractSet[Hashable]) -> None:
        self.tp += len(gold & found)
        self.fp += len(found - gold)
        self.fn += len(gold - found)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for label in LABELS:
        counts = Counts()
        for g, p in zip(gold, predicted, strict=True):
            counts.tp += g == label and p == label
            counts.fp += g != label and p == label
            counts.fn += g == label and p != label
        scores.append(counts.f1)
    return sum(scores) / len(scores)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def vader_label(analyzer: SentimentIntensityAnalyzer, text: str) -> str:
    return label_of(float(analyzer.polarity_scores(text)["compound"]))


def evaluate_gold(nlp: Language, gold: list[GoldMessage], settings: Settings
                  ) -> dict[str, object]:
    tops = top_concepts()
    results = {r.record_id: r for r in extract(nlp, ((m.id, m.text) for m in gold), settings)
               if isinstance(r, ExtractionResult)}
    components = {name: Counts() for name in
                  ("concepts", "concept areas", "entities", "intents", "emotions")}
    per_intent: dict[str, Counts] = {}
    ours: list[str] = []
    vader: list[str] = []
    analyzer = SentimentIntensityAnalyzer()
    for message in gold:
        result = results[message.id]
        concepts = {c.concept_id for c in result.concepts}
        components["concepts"].add(message.concepts, concepts)
        components["concept areas"].add({tops[c] for c in message.concepts},
                                        {tops[c] for c in concepts})
        components["entities"].add(message.entities, {
            (e.text.lower(), ENTITY_TYPES[e.label]) for e in result.entities
            if e.label in ENTITY_TYPES})
        intents = {s.category for s in result.intents}
        components["intents"].add(message.intents, intents)
        components["emotions"].add(message.emotions, {s.category for s in result.emotions})
        for intent in message.intents | intents:
            per_intent.setdefault(intent, Counts()).add(message.intents & {intent},
                                                        intents & {intent})
        ours.append(result.sentiment.label)
        vader.append(vader_label(analyzer, message.text))
    gold_labels = [m.sentiment for m in gold]
    return {
        "messages": len(gold),
        "components": components,
        "per_intent": dict(sorted(per_intent.items())),
        "sentiment": {
            "ours": (accuracy(gold_labels, ours), macro_f1(gold_labels, ours)),
            "vader": (accuracy(gold_labels, vader), macro_f1(gold_labels, vader)),
        },
    }


def shared_texts(data: Path, limit: int | None = None) -> Iterator[SharedText]:
    """(data set, text, weak label) from ``../shared/data``; weak labels only for reviews."""
    def capped(rows: Iterator[SharedText]) -> Iterator[SharedText]:
        for count, row in enumerate(rows):
            if limit is not None and count >= limit:
                return
            yield row

    def twcs() -> Iterator[SharedText]:
        with (data / "twcs_threads" / "twcs_head5000.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["inbound"] == "True" and row["text"].strip():
                    yield "twcs (customer tweets)", row["text"], None

    def care() -> Iterator[SharedText]:
        for name in ("dev.json", "test.json"):
            path = data / "twitter_customer_care" / name
            for conversation in json.loads(path.read_text(encoding="utf-8")):
                for turn in conversation["dialogContent"]:
                    if "client" in turn and turn.get("message", "").strip():
                        yield "twitter customer care (customer turns)", turn["message"], None

    def cfpb() -> Iterator[SharedText]:
        path = data / "cfpb_complaints" / "complaints_sample.csv"
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["Consumer complaint narrative"].strip():
                    yield "cfpb (narratives)", row["Consumer complaint narrative"], None

    def amazon() -> Iterator[SharedText]:
        path = data / "amazon_food_reviews" / "Reviews_head5000.csv"
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                score = row["Score"].strip()
                weak = {"1": "negative", "2": "negative", "4": "positive", "5": "positive"}
                text = row["Text"].replace("<br />", " ")
                if text.strip():
                    yield "amazon reviews", text, weak.get(score)

    for source in (twcs, care, cfpb, amazon):
        yield from capped(source())


def evaluate_unlabelled(nlp: Language, data: Path, settings: Settings, limit: int | None
                        ) -> dict[str, dict[str, float]]:
    rows = list(shared_texts(data, limit))
    results = extract(nlp, ((str(i), text) for i, (_, text, _) in enumerate(rows)), settings)
    analyzer = SentimentIntensityAnalyzer()
    totals: dict[str, Counter[str]] = {}
    for (dataset, text, weak), result in zip(rows, results, strict=True):
        counts = totals.setdefault(dataset, Counter())
        counts["messages"] += 1
        if isinstance(result, ExtractionResult):
            counts["with concept"] += bool(result.concepts)
            if weak is not None:
                counts["weak labelled"] += 1
                counts["ours correct"] += result.sentiment.label == weak
                counts["vader correct"] += vader_label(analyzer, text) == weak
    report = {}
    for dataset, counts in totals.items():
        line = {"messages": float(counts["messages"]),
                "concept coverage": counts["with concept"] / counts["messages"]}
        if counts["weak labelled"]:
            line["weak-label accuracy, ours"] = counts["ours correct"] / counts["weak labelled"]
            line["weak-label accuracy, VADER"] = counts["vader correct"] / counts["weak labelled"]
            line["weak labelled"] = float(counts["weak labelled"])
        report[dataset] = line
    return report
