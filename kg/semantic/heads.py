"""The heads over the sentence encoder: sentiment, area and concepts, stored as plain arrays.

Why this shape: a head is a linear layer over the message's features (its 384-dimension
embedding and the lexicon cues of :mod:`kg.extraction.service_features`), so scoring a batch
is one matrix product and retraining on a deployment's labels takes seconds. The arrays load
with ``numpy.load(allow_pickle=False)``: no pickle, no scikit-learn version lock at run time.

- sentiment: softmax over negative / neutral / positive;
- area: softmax over the top-level concepts and ``none``;
- concepts: one sigmoid per concept that has enough training examples.

A model carries the label space it was trained with (the ontology's concept labels as
vectors), so its features mean the same at run time even after the ontology changes; a new
ontology version takes effect with the next trained model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kg.errors import ConfigError
from kg.semantic.features import LabelSpace

Matrix = NDArray[np.float32]
SENTIMENTS = ("negative", "neutral", "positive")
NO_AREA = "none"


@dataclass(frozen=True)
class LinearHead:
    """``classes``, weights (classes x features) and biases; softmax or independent sigmoids."""

    classes: tuple[str, ...]
    weights: Matrix
    biases: Matrix
    multi_label: bool = False

    def probabilities(self, features: Matrix) -> Matrix:
        logits: Matrix = (features @ self.weights.T + self.biases).astype(np.float32)
        if self.multi_label:
            sigmoid: Matrix = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
            return sigmoid
        exp: Matrix = np.exp(logits - logits.max(axis=1, keepdims=True))
        softmax: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return softmax


@dataclass(frozen=True)
class SemanticHeads:
    """Everything that turns an embedding into sentiment, area and concepts."""

    sentiment: LinearHead
    area: LinearHead
    concepts: LinearHead
    concept_threshold: float  # a concept head's probability that makes it inferred
    area_threshold: float  # an area inferred for the whole message when nothing narrower is
    labels: LabelSpace  # the ontology's concept labels as vectors, when this model was trained
    label_similarity: float  # cosine of a clause to a concept's labels that places it there
    cue_features: bool  # whether the features end with the lexicon cues
    meta: dict[str, object] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, NDArray[np.generic]] = {}
        for name in ("sentiment", "area", "concepts"):
            head: LinearHead = getattr(self, name)
            arrays[f"{name}_weights"] = head.weights.astype(np.float32)
            arrays[f"{name}_biases"] = head.biases.astype(np.float32)
        arrays["label_vectors"] = self.labels.vectors.astype(np.float16)
        header = {
            "classes": {name: list(getattr(self, name).classes)
                        for name in ("sentiment", "area", "concepts")},
            "concept_threshold": self.concept_threshold,
            "area_threshold": self.area_threshold,
            "label_owners": list(self.labels.owners),
            "areas": list(self.labels.areas),
            "tops": self.labels.tops,
            "label_similarity": self.label_similarity,
            "cue_features": self.cue_features,
            "meta": self.meta,
        }
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> SemanticHeads:
        try:
            with np.load(path, allow_pickle=False) as stored:
                header = json.loads(bytes(stored["header"]).decode())
                heads = {
                    name: LinearHead(tuple(header["classes"][name]),
                                     stored[f"{name}_weights"].astype(np.float32),
                                     stored[f"{name}_biases"].astype(np.float32),
                                     multi_label=name == "concepts")
                    for name in ("sentiment", "area", "concepts")}
                labels = LabelSpace(vectors=stored["label_vectors"].astype(np.float32),
                                    owners=tuple(header["label_owners"]),
                                    areas=tuple(header["areas"]), tops=dict(header["tops"]))
        except (OSError, ValueError, KeyError) as error:
            raise ConfigError(f"{path}: not a semantic model ({error})") from error
        return cls(sentiment=heads["sentiment"], area=heads["area"], concepts=heads["concepts"],
                   concept_threshold=float(header["concept_threshold"]),
                   area_threshold=float(header["area_threshold"]),
                   labels=labels,
                   label_similarity=float(header["label_similarity"]),
                   cue_features=bool(header["cue_features"]), meta=dict(header["meta"]))
