"""What each shipped linear model's scikit-learn original predicted on its dev split.

A shipped model is not the classifier scikit-learn fitted: its arrays are float16 and the topic
model keeps only its largest weights per class. ``scripts/train_sentiment`` and
``scripts/train_topics`` therefore record, beside the model they write, the original's
probabilities on the model's dev split (``tests/data/parity_<model>.npz``), with a digest of
each dev text (the texts stay in ``../shared/data``; their licences differ) and the SHA-256 of
the model file they belong to. ``tests/unit/test_model_parity.py`` scores the same texts with
the shipped model and checks that it still predicts what the original did.

Dev splits: sentiment, the people-labelled ``dev`` rows of its training sources (never trained
on); topics, the dev half of the real-message gold set (the texts its thresholds were tuned on).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kg.extraction.linear_text_model import LinearTextModel
from kg.extraction.service_features import dense_features
from training.corpora import LabelledText, real_message_texts
from training.fitting import Original, sentiment_rows
from training.real_gold import gold_keys, load_real_gold

REFERENCES = Path(__file__).resolve().parents[1] / "tests" / "data"


def reference_path(model: str) -> Path:
    return REFERENCES / f"parity_{model}.npz"


def sentiment_dev(rows: Iterable[LabelledText]) -> list[str]:
    """The texts of the people-labelled dev rows, in reading order."""
    return [r.text for r in rows if r.split == "dev" and not r.weak]


def sentiment_dev_texts(data: Path) -> list[str]:
    return sentiment_dev(sentiment_rows(data, gold_keys()))


def topic_dev_texts(data: Path) -> list[str]:
    texts = real_message_texts(data)
    return [texts[(r.dataset, r.record_id)] for r in load_real_gold() if r.split == "dev"]


def digests(texts: list[str]) -> NDArray[np.str_]:
    """The first 16 hex digits of each text's SHA-256: which texts, in which order."""
    return np.array([hashlib.sha256(t.encode("utf-8")).hexdigest()[:16] for t in texts])


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_probabilities(model: LinearTextModel, texts: list[str]) -> NDArray[np.float64]:
    """The shipped model's probabilities as the pipeline computes them (lexicon columns too)."""
    dense = dense_features(texts) if model.dense_features else None
    return model.probabilities(texts, dense)


@dataclass(frozen=True)
class Reference:
    classes: tuple[str, ...]
    digests: NDArray[np.str_]
    original: NDArray[np.float32]  # (texts, classes): scikit-learn's own probabilities
    fitted: NDArray[np.float32]  # the model as fitted, before float16 (pruned for topics)
    model_sha256: str


def write_reference(path: Path, original: Original, model: LinearTextModel, texts: list[str],
                    model_file: Path) -> None:
    """``model`` is the shipped form of ``original`` as fitted, before :meth:`~LinearTextModel.
    save` stores it in float16; ``model_file`` the file it was saved to."""
    np.savez_compressed(path, classes=np.array(original.classes), digests=digests(texts),
                        original=original.probabilities(texts).astype(np.float32),
                        fitted=shipped_probabilities(model, texts).astype(np.float32),
                        model_sha256=np.array(file_digest(model_file)))


def read_reference(path: Path) -> Reference:
    with np.load(path, allow_pickle=False) as arrays:
        return Reference(classes=tuple(str(c) for c in arrays["classes"]),
                         digests=arrays["digests"], original=arrays["original"],
                         fitted=arrays["fitted"], model_sha256=str(arrays["model_sha256"]))
