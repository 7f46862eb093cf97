"""Measuring the semantic reading against the previous pipeline and plain VADER.

Per data set and over all of them, on one part (``dev`` while tuning, ``test`` to report):
sentiment accuracy and macro-F1; concept macro-F1 and area macro-F1 with the definitions of
the real-message gold report (the mean F1 over the ids present in gold or predictions; a
message's areas are the top areas of its concepts, plus its labelled area when it has one);
and the share of messages with gold concepts that got none. TweetEval's test split is
measured for sentiment only (its licence allows measuring, not training).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kg.extraction.pipeline import build_pipeline
from kg.ontology.concept_labels import top_concepts
from kg.settings import Settings
from training.extraction_eval import accuracy, macro_f1, vader_label
from training.extraction_eval_real import run
from training.semantic_data import NO_AREA, LabelledMessage

PREVIOUS_COMPONENTS = ("ckg_language", "ckg_social", "ckg_entities", "ckg_concepts",
                       "ckg_topics", "ckg_identifiers", "ckg_sentiment", "ckg_signals")


def previous_pipeline(settings: Settings) -> Language:
    """The pipeline before the sentence encoder: hashed n-gram models for topics and sentiment."""
    return build_pipeline(settings, PREVIOUS_COMPONENTS)


@dataclass
class SetScores:
    """Sentiment pairs and concept/area sets for one system on one data set."""

    sentiment: list[tuple[str, str]] = field(default_factory=list)
    concepts: list[tuple[set[str], set[str]]] = field(default_factory=list)
    areas: list[tuple[set[str], set[str]]] = field(default_factory=list)

    def sentiment_figures(self) -> tuple[float, float]:
        gold = [g for g, _ in self.sentiment]
        found = [p for _, p in self.sentiment]
        return (accuracy(gold, found), macro_f1(gold, found)) if gold else (0.0, 0.0)

    @staticmethod
    def set_macro_f1(pairs: Sequence[tuple[set[str], set[str]]]) -> float:
        keys = set().union(*(g | f for g, f in pairs)) if pairs else set()
        scores = []
        for key in sorted(keys):
            tp = sum(key in g and key in f for g, f in pairs)
            fp = sum(key not in g and key in f for g, f in pairs)
            fn = sum(key in g and key not in f for g, f in pairs)
            scores.append(2 * tp / (2 * tp + fp + fn))
        return sum(scores) / len(scores) if scores else 0.0

    def no_concept_share(self) -> float:
        judged = [(g, f) for g, f in self.concepts if g]
        return sum(1 for _, f in judged if not f) / len(judged) if judged else 0.0


def score_messages(nlp: Language | None, messages: Sequence[LabelledMessage],
                   settings: Settings) -> dict[str, SetScores]:
    """data set (and ``all``) → scores of one system; ``nlp=None`` is plain VADER."""
    tops = top_concepts()
    texts = [m.text for m in messages]
    found: list[tuple[str, set[str] | None]]
    if nlp is None:
        analyzer = SentimentIntensityAnalyzer()
        found = [(vader_label(analyzer, t), None) for t in texts]
    else:
        found = [(r.sentiment.label, {c.concept_id for c in r.concepts})
                 for r in run(nlp, texts, settings)]
    scores: dict[str, SetScores] = {}
    for message, (label, concepts) in zip(messages, found, strict=True):
        for name in (message.dataset, "all"):
            entry = scores.setdefault(name, SetScores())
            entry.sentiment.append((message.sentiment, label))
            if concepts is None:
                continue
            gold = set(message.concepts)
            entry.concepts.append((gold, concepts))
            gold_areas = {tops.get(c, c) for c in gold}
            if message.area != NO_AREA:
                gold_areas.add(message.area)
            entry.areas.append((gold_areas, {tops.get(c, c) for c in concepts}))
    return scores


def tweeteval_test(data: Path) -> list[LabelledMessage]:
    folder = data / "tweeteval_sentiment"
    texts = (folder / "test_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / "test_labels.txt").read_text(encoding="utf-8").splitlines()
    names = {"0": "negative", "1": "neutral", "2": "positive"}
    return [LabelledMessage("tweeteval", str(n), t, names[label.strip()], NO_AREA, (), "test",
                            "tweeteval")
            for n, (t, label) in enumerate(zip(texts, labels, strict=True)) if t.strip()]


def table(systems: dict[str, dict[str, SetScores]], concepts: bool = True) -> list[str]:
    """Rows of a Markdown table, one per data set and system."""
    head = "| data set | system | n | sentiment acc | sentiment macro-F1 |"
    rule = "|---|---|---:|---:|---:|"
    if concepts:
        head += " area macro-F1 | concept macro-F1 | no concept |"
        rule += "---:|---:|---:|"
    lines = [head, rule]
    names = sorted({name for scores in systems.values() for name in scores},
                   key=lambda n: (n == "all", n))
    for name in names:
        for system, scores in systems.items():
            entry = scores.get(name)
            if entry is None:
                continue
            acc, f1 = entry.sentiment_figures()
            line = f"| {name} | {system} | {len(entry.sentiment)} | {acc:.3f} | {f1:.3f} |"
            if concepts:
                if entry.concepts:
                    line += (f" {SetScores.set_macro_f1(entry.areas):.3f} |"
                             f" {SetScores.set_macro_f1(entry.concepts):.3f} |"
                             f" {entry.no_concept_share():.3f} |")
                else:
                    line += " - | - | - |"
            lines.append(line)
    return lines
