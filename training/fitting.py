"""Fitting the linear text models: data assembly, seeded fitting, dev-split scoring.

Everything here is deterministic for a given seed and data. The real-message gold set's
records (both halves) are never trained on, and neither are TweetEval or any ``test`` split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier

from kg.extraction.linear_text_model import LinearTextModel, counts, fit_idf, weigh
from kg.extraction.service_features import dense_features
from training.corpora import (
    SENTIMENTS,
    LabelledText,
    banking77,
    cfpb_narratives,
    customer_care_turns,
    goemotions,
    tweet_sentiment,
)
from training.topic_corpora import TopicText

# Weight of each source in the loss, per example; weak service-domain labels count a bit less
# than people's labels but enough that "my card never arrived" is learned as a complaint.
# Only data whose licence lets a shipped model learn from it: CC BY (tweet_sentiment,
# banking77), Apache-2.0 (goemotions, twitter_customer_care) and US public domain (CFPB).
# The Amazon reviews (no clear licence) and twcs (CC BY-NC-SA) are for measuring only.
SOURCE_WEIGHTS = {"tweet_sentiment": 1.0, "goemotions": 0.6, "banking77": 1.0, "cfpb": 1.0,
                  "customer_care": 1.5}
# Customer-care turns are labelled by the rule layer (VADER + service cues) where it is sure.
CARE_NEGATIVE, CARE_POSITIVE = -0.3, 0.5
GOLD_SOURCES = {"cfpb": "cfpb", "amazon_reviews": "amazon_reviews"}


@dataclass(frozen=True)
class SentimentSettings:
    c: float = 4.0
    seed: int = 13
    sources: tuple[str, ...] = tuple(SOURCE_WEIGHTS)
    weights: tuple[tuple[str, float], ...] = tuple(SOURCE_WEIGHTS.items())
    lexicon_features: bool = True


def sentiment_rows(data: Path, exclude: frozenset[tuple[str, str]]) -> list[LabelledText]:
    """All sentiment rows, every split; rows of the real-message gold set are dropped."""
    rows: list[LabelledText] = []
    for reader in (tweet_sentiment, goemotions, banking77, cfpb_narratives):
        for row in reader(data):
            if (GOLD_SOURCES.get(row.source, ""), row.record_id) not in exclude:
                rows.append(row)
    return rows + rule_labelled(customer_care_turns(data))


def rule_labelled(turns: Iterable[LabelledText]) -> list[LabelledText]:
    """Weak labels from the rule layer on real service messages, only where it is sure: this is
    how the service cues ("still on hold", "no answer") reach the model as domain examples."""
    from kg.extraction.components.sentiment import ClauseSentiment

    rules = ClauseSentiment()
    labelled = []
    for turn in turns:
        score = rules.clause_score(turn.text)
        if score <= CARE_NEGATIVE or score >= CARE_POSITIVE:
            label = "negative" if score < 0 else "positive"
            labelled.append(LabelledText(turn.source, turn.split, turn.text, label, weak=True,
                                         record_id=turn.record_id))
    return labelled


@dataclass(frozen=True)
class Original:
    """What scikit-learn fitted, before it becomes a shipped :class:`LinearTextModel` (float16
    arrays, the topic model's weights pruned): the classifiers, one for the softmax model and
    one per class for the topic model, and the features they read. The parity test compares
    the shipped models with these."""

    classes: tuple[str, ...]
    idf: NDArray[np.float32]
    classifiers: tuple[LogisticRegression | SGDClassifier, ...]
    lexicon: bool = False

    def features(self, texts: Sequence[str], matrix: sparse.csr_matrix | None = None
                 ) -> sparse.csr_matrix:
        """What the classifiers read: weighted n-gram counts (``matrix``, when the caller has
        counted ``texts`` already), and the lexicon columns when the model has them."""
        features = weigh(counts(texts) if matrix is None else matrix, self.idf)
        if self.lexicon:
            features = sparse.hstack([features, sparse.csr_matrix(dense_features(texts))],
                                     format="csr")
        return features

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """(texts, classes): the softmax model's class probabilities, or each topic class's
        own probability."""
        features = self.features(texts)
        if len(self.classifiers) == 1:
            return np.asarray(self.classifiers[0].predict_proba(features), dtype=np.float64)
        return np.column_stack([c.predict_proba(features)[:, 1] for c in self.classifiers])


def fit_softmax_original(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float],
                         classes: tuple[str, ...], c: float, seed: int, *,
                         lexicon: bool = False) -> Original:
    matrix = counts(texts)
    original = Original(classes=classes, idf=fit_idf(matrix), classifiers=(), lexicon=lexicon)
    features = original.features(texts, matrix)
    target = np.array([classes.index(label) for label in labels])
    classifier = LogisticRegression(C=c, max_iter=300, random_state=seed, tol=1e-4)
    classifier.fit(features, target, sample_weight=np.asarray(weights))
    return Original(classes=classes, idf=original.idf, classifiers=(classifier,), lexicon=lexicon)


def fit_softmax(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float],
                classes: tuple[str, ...], c: float, seed: int, *, lexicon: bool = False
                ) -> LinearTextModel:
    return softmax_model(fit_softmax_original(texts, labels, weights, classes, c, seed,
                                              lexicon=lexicon))


def softmax_model(original: Original) -> LinearTextModel:
    """The shipped form of a fitted softmax model (float32 here, float16 once saved)."""
    [classifier] = original.classifiers
    return LinearTextModel(classes=original.classes, idf=original.idf,
                           coef=classifier.coef_.T.astype(np.float32),
                           intercept=classifier.intercept_.astype(np.float32),
                           dense_features=classifier.coef_.shape[1] - len(original.idf))


def sentiment_original(rows: Iterable[LabelledText], settings: SentimentSettings) -> Original:
    weights = dict(settings.weights)
    chosen = [r for r in rows if r.split == "train" and r.source in settings.sources]
    return fit_softmax_original([r.text for r in chosen], [r.label for r in chosen],
                                [weights[r.source] for r in chosen], SENTIMENTS, settings.c,
                                settings.seed, lexicon=settings.lexicon_features)


def fit_sentiment(rows: Iterable[LabelledText], settings: SentimentSettings) -> LinearTextModel:
    return softmax_model(sentiment_original(rows, settings))


def label_counts(rows: Iterable[LabelledText]) -> dict[str, Counter[str]]:
    table: dict[str, Counter[str]] = {}
    for row in rows:
        table.setdefault(f"{row.source}/{row.split}", Counter())[row.label] += 1
    return table


@dataclass(frozen=True)
class TopicSettings:
    alpha: float = 2e-5
    epochs: int = 12
    seed: int = 13
    min_examples: int = 6
    keep_weights: int = 6000  # per class, by magnitude: keeps the artefact a few MB
    gold_weight: float = 3.0  # a person's label on a real message counts more than a weak one


def topic_targets(concepts: frozenset[str], tops: dict[str, str]) -> set[str]:
    """A text's classes: its concepts and their top-level areas."""
    return set(concepts) | {tops.get(c, c) for c in concepts}


def topic_original(items: Sequence[TopicText], background: Sequence[str], tops: dict[str, str],
                   settings: TopicSettings) -> Original:
    """One logistic regression per concept and per area (independent sigmoids), fitted by SGD.

    ``background`` texts are about none of the concepts (general chatter) and teach the model
    that most words are not topics.
    """
    texts = [t.text for t in items] + list(background)
    targets = [topic_targets(t.concepts, tops) for t in items] + [set() for _ in background]
    weights = np.array([1.0 if t.weak else settings.gold_weight for t in items]
                       + [1.0] * len(background))
    frequency = Counter(c for target in targets for c in target)
    classes = tuple(sorted(c for c, n in frequency.items() if n >= settings.min_examples))
    matrix = counts(texts)
    idf = fit_idf(matrix)
    features = weigh(matrix, idf)
    classifiers = []
    for concept in classes:
        target = np.array([concept in t for t in targets], dtype=int)
        classifier = SGDClassifier(loss="log_loss", alpha=settings.alpha, max_iter=settings.epochs,
                                   tol=None, random_state=settings.seed)
        classifier.fit(features, target, sample_weight=weights)
        classifiers.append(classifier)
    return Original(classes=classes, idf=idf, classifiers=tuple(classifiers))


def fit_topics(items: Sequence[TopicText], background: Sequence[str], tops: dict[str, str],
               settings: TopicSettings) -> LinearTextModel:
    return topic_model(topic_original(items, background, tops, settings), settings)


def topic_model(original: Original, settings: TopicSettings) -> LinearTextModel:
    """The shipped form of a fitted topic model: each class keeps its ``settings.keep_weights``
    largest weights (float32 here, float16 once saved)."""
    columns, intercepts = [], []
    for classifier in original.classifiers:
        weight = classifier.coef_[0]
        keep = np.argsort(-np.abs(weight))[:settings.keep_weights]
        column = np.zeros_like(weight)
        column[keep] = weight[keep]
        columns.append(sparse.csc_matrix(column.reshape(-1, 1)))
        intercepts.append(classifier.intercept_[0])
    coef = sparse.hstack(columns, format="csc").astype(np.float32)
    return LinearTextModel(classes=original.classes, idf=original.idf, coef=coef,
                           intercept=np.array(intercepts, dtype=np.float32), multi_label=True)
