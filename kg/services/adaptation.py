"""`kg model train`: refit the heads on the shipped base rows plus a deployment's own labels.

- A fifth of the deployment's labels (by a salted hash of the text, so the same label always
  falls on the same side) is held back; the rest joins the base rows at
  :data:`DEPLOYMENT_WEIGHT` times a base row's weight, because a deployment's own wording is
  what the base model lacks.
- The new version and the active one are both scored on the held-back labels (sentiment
  macro-F1 first, then area macro-F1); a version that is worse is recorded but not activated
  unless forced.
- The new model keeps the base model's label space (the ontology's labels as vectors), so
  the base rows' features mean what they meant when they were computed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kg.errors import ConfigError
from kg.extraction.service_features import cue_rows
from kg.semantic.encoder import shared_encoder
from kg.semantic.features import feature_rows
from kg.semantic.fitting import TrainingRows, fit_heads
from kg.semantic.heads import SemanticHeads
from kg.semantic.rows import load_rows
from kg.semantic.versions import (
    BASE_ROWS,
    ModelVersion,
    activate_locked,
    active_version,
    base_version,
    load_heads,
    model_lock,
    save_version,
)

HOLDOUT_SALT = "customer-kg-deployment-holdout-v1"
HOLDOUT_SHARE = 0.2
DEPLOYMENT_WEIGHT = 3.0


@dataclass(frozen=True)
class LabelledText:
    """A deployment's label with the text it judges (``None``: not judged)."""

    text: str
    sentiment: str | None = None
    area: str | None = None
    concepts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Figures:
    """A model's figures on the held-back labels."""

    messages: int
    sentiment_accuracy: float | None
    sentiment_macro_f1: float | None
    area_macro_f1: float | None

    def as_dict(self) -> dict[str, object]:
        return {"messages": self.messages, "sentiment_accuracy": self.sentiment_accuracy,
                "sentiment_macro_f1": self.sentiment_macro_f1,
                "area_macro_f1": self.area_macro_f1}

    def key(self) -> tuple[float, float]:
        return (self.sentiment_macro_f1 or 0.0, self.area_macro_f1 or 0.0)


@dataclass(frozen=True)
class TrainOutcome:
    version: ModelVersion
    activated: bool
    reason: str
    figures: Figures
    previous: Figures
    previous_name: str
    seconds: float


def held_back(text: str) -> bool:
    digest = hashlib.sha256(f"{HOLDOUT_SALT}:{text}".encode()).digest()
    return int.from_bytes(digest[:2], "big") / 65536 < HOLDOUT_SHARE


def macro_f1(gold: Sequence[str], found: Sequence[str]) -> float:
    classes = sorted(set(gold) | set(found))
    scores = []
    for label in classes:
        tp = sum(g == label and f == label for g, f in zip(gold, found, strict=True))
        fp = sum(g != label and f == label for g, f in zip(gold, found, strict=True))
        fn = sum(g == label and f != label for g, f in zip(gold, found, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


class Embeddings:
    """Each text embedded once per training run (the texts are scored by two models)."""

    def __init__(self, texts: Sequence[str]) -> None:
        unique = sorted(set(texts))
        vectors = shared_encoder().embed(unique)
        self.rows = dict(zip(unique, vectors, strict=True))

    def of(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.stack([self.rows[text] for text in texts])


def predictions(heads: SemanticHeads, texts: Sequence[str], embeddings: Embeddings
                ) -> tuple[list[str], list[str]]:
    """Message-level sentiment and area of each text under ``heads``."""
    features = feature_rows(embeddings.of(texts), cue_rows(texts), heads.labels)
    sentiment = heads.sentiment.probabilities(features).argmax(axis=1)
    area = heads.area.probabilities(features).argmax(axis=1)
    return ([heads.sentiment.classes[i] for i in sentiment],
            [heads.area.classes[i] for i in area])


def figures_of(heads: SemanticHeads, labels: Sequence[LabelledText], embeddings: Embeddings
               ) -> Figures:
    if not labels:
        return Figures(0, None, None, None)
    sentiment, area = predictions(heads, [label.text for label in labels], embeddings)
    judged = [(label.sentiment, found) for label, found in zip(labels, sentiment, strict=True)
              if label.sentiment]
    areas = [(label.area, found) for label, found in zip(labels, area, strict=True)
             if label.area]
    return Figures(
        messages=len(labels),
        sentiment_accuracy=round(sum(g == f for g, f in judged) / len(judged), 4)
        if judged else None,
        sentiment_macro_f1=round(macro_f1([g for g, _ in judged], [f for _, f in judged]), 4)
        if judged else None,
        area_macro_f1=round(macro_f1([g for g, _ in areas], [f for _, f in areas]), 4)
        if areas else None)


def deployment_rows(heads: SemanticHeads, labels: Sequence[LabelledText],
                    embeddings: Embeddings) -> TrainingRows:
    texts = [label.text for label in labels]
    features = feature_rows(embeddings.of(texts), cue_rows(texts), heads.labels) if texts \
        else np.zeros((0, heads.sentiment.weights.shape[1]), np.float32)
    return TrainingRows(features=features, sentiment=[label.sentiment or "" for label in labels],
                        area=[label.area or "" for label in labels],
                        concepts=[label.concepts for label in labels],
                        weights=np.full(len(labels), DEPLOYMENT_WEIGHT, np.float32))


def train_model(model_dir: Path, labels: Sequence[LabelledText], *, force: bool = False,
                base_rows: TrainingRows | None = None, base_heads: SemanticHeads | None = None
                ) -> TrainOutcome:
    """Fits, records and (unless worse on the held-back labels) activates a new version.

    ``base_rows``/``base_heads`` default to the shipped base model; the adaptation evaluation
    passes a base model trained without the source it treats as new."""
    started = time.perf_counter()
    if not labels:
        raise ConfigError("no labels to train on: import some first (`kg labels import`)")
    base = base_heads or load_heads(base_version())
    rows = base_rows or load_rows(BASE_ROWS)
    embeddings = Embeddings([label.text for label in labels])
    holdout = [label for label in labels if held_back(label.text)]
    training = [label for label in labels if not held_back(label.text)]
    fitted = fit_heads(TrainingRows.joined([rows, deployment_rows(base, training, embeddings)]),
                       base.labels, meta={})
    figures = figures_of(fitted, holdout, embeddings)
    with model_lock(model_dir):  # compare, record and activate as one step
        current = active_version(model_dir)
        current_heads = load_heads(current) if base_heads is None or current.name != "base" \
            else base
        previous = figures_of(current_heads, holdout, embeddings)
        worse = bool(holdout) and figures.key() < previous.key()
        fitted = replace(fitted, meta={"labels": len(labels), "held_back": len(holdout),
                                       "figures": figures.as_dict(),
                                       "compared_with": current.name,
                                       "compared_figures": previous.as_dict()})
        version = save_version(model_dir, fitted, dict(fitted.meta))
        if worse and not force:
            reason = (f"not activated: worse than the active version {current.name} on the "
                      f"{len(holdout)} held-back labels (use --force to activate anyway)")
            activated = False
        else:
            activate_locked(model_dir, version.name)
            activated = True
            reason = "activated" + (" (forced)" if worse else "")
    return TrainOutcome(version=version, activated=activated, reason=reason, figures=figures,
                        previous=previous, previous_name=current.name,
                        seconds=round(time.perf_counter() - started, 2))
