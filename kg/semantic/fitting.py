"""Fitting the heads: the one training path for the shipped base model and for `kg model train`.

Each head learns from the rows that carry its label (a deployment may label only sentiment, or
only areas): sentiment from rows with a sentiment, the area head from rows with an area, a
concept's head from rows with any concept judgement. Classes are weighed inversely to their
frequency (``class_weight="balanced"``), because the figure that matters is macro-F1: a rare
class (praise in a complaint channel) counts as much as a common one. The regularisation
strengths and the thresholds were chosen on the dev parts: concepts inferred at 0.85 and areas
at 0.7 scored as well as 0.7 and 0.5 there (area macro-F1 0.599 against 0.601, concept 0.354
against 0.347) and add no concept to a message with no content ("@brand Again").
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray

from kg.semantic.features import LabelSpace
from kg.semantic.heads import LinearHead, SemanticHeads

SENTIMENT_C = 1.0
AREA_C = 1.0
CONCEPT_C = 3.0
MIN_CONCEPT_EXAMPLES = 5  # a concept with fewer positive rows gets no head of its own
CONCEPT_THRESHOLD = 0.85
AREA_THRESHOLD = 0.7
LABEL_SIMILARITY = 0.45
FIT_JOBS = 2


@dataclass
class TrainingRows:
    """Features and labels, one row per message; an empty string (or ``None`` concepts) means
    the row carries no such label."""

    features: NDArray[np.float32]
    sentiment: list[str]
    area: list[str]
    concepts: list[tuple[str, ...] | None]
    weights: NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))

    def __post_init__(self) -> None:
        if not len(self.weights):
            self.weights = np.ones(len(self.sentiment), np.float32)

    def __len__(self) -> int:
        return len(self.sentiment)

    @staticmethod
    def joined(parts: Sequence[TrainingRows]) -> TrainingRows:
        return TrainingRows(
            features=np.vstack([p.features for p in parts]),
            sentiment=[s for p in parts for s in p.sentiment],
            area=[a for p in parts for a in p.area],
            concepts=[c for p in parts for c in p.concepts],
            weights=np.concatenate([p.weights for p in parts]).astype(np.float32))


def _fit(features: NDArray[np.float32], targets: Sequence[str], weights: NDArray[np.float32],
         strength: float) -> LinearHead:
    # scikit-learn (with SciPy) is imported only when a model is fitted: the `kg` command and
    # a server that only reads never load it (tests/unit/test_read_imports.py)
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=strength, max_iter=3000, class_weight="balanced")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(features, list(targets), sample_weight=weights)
    classes = tuple(str(c) for c in model.classes_)
    weights_out = model.coef_.astype(np.float32)
    biases = model.intercept_.astype(np.float32)
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: make it a softmax
        weights_out = np.vstack([-weights_out[0] / 2, weights_out[0] / 2])
        biases = np.array([-biases[0] / 2, biases[0] / 2], np.float32)
    return LinearHead(classes, weights_out, biases)


def fit_heads(rows: TrainingRows, labels: LabelSpace, meta: dict[str, object]
              ) -> SemanticHeads:
    """Heads fitted on ``rows``; raises ValueError when a head has fewer than two classes."""
    has_sentiment = np.array([bool(s) for s in rows.sentiment])
    has_area = np.array([bool(a) for a in rows.area])
    judged = np.array([c is not None for c in rows.concepts])
    for name, present in (("sentiment", has_sentiment), ("area", has_area)):
        if len({v for v, p in zip(getattr(rows, name), present, strict=True) if p}) < 2:
            raise ValueError(f"the {name} labels hold fewer than two classes")
    sentiment = _fit(rows.features[has_sentiment],
                     [s for s, p in zip(rows.sentiment, has_sentiment, strict=True) if p],
                     rows.weights[has_sentiment], SENTIMENT_C)
    area = _fit(rows.features[has_area],
                [a for a, p in zip(rows.area, has_area, strict=True) if p],
                rows.weights[has_area], AREA_C)
    counts = Counter(c for concepts in rows.concepts if concepts for c in set(concepts))
    chosen = sorted(c for c, n in counts.items() if n >= MIN_CONCEPT_EXAMPLES)
    judged_rows = rows.features[judged]
    judged_concepts = [c or () for c, p in zip(rows.concepts, judged, strict=True) if p]
    concept_weights, concept_biases = [], []
    # one independent fit per concept: spread over the machine's cores
    fitted = Parallel(n_jobs=FIT_JOBS)(
        delayed(_fit)(judged_rows, ["yes" if concept in c else "no" for c in judged_concepts],
                      rows.weights[judged], CONCEPT_C)
        for concept in chosen)
    for head in fitted:
        yes = head.classes.index("yes")
        no = 1 - yes
        concept_weights.append(head.weights[yes] - head.weights[no])
        concept_biases.append(head.biases[yes] - head.biases[no])
    dimensions = rows.features.shape[1]
    concepts = LinearHead(
        tuple(chosen),
        np.array(concept_weights, np.float32).reshape(len(chosen), dimensions),
        np.array(concept_biases, np.float32), multi_label=True)
    return SemanticHeads(sentiment=sentiment, area=area, concepts=concepts,
                         concept_threshold=CONCEPT_THRESHOLD, area_threshold=AREA_THRESHOLD,
                         labels=labels, label_similarity=LABEL_SIMILARITY,
                         cue_features=True, meta=meta)
