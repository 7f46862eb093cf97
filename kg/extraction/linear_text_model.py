"""A linear text classifier over hashed word and character n-grams, stored as plain arrays.

Why this shape: hashing needs no vocabulary (the artefact is only the idf vector, the weights
and the class names), the arrays load with ``numpy.load(allow_pickle=False)`` (no pickle, no
scikit-learn version lock), and scoring a batch is one sparse matrix product, far cheaper than
the spaCy model that runs before it. The same class serves sentiment (softmax over three
classes) and topics (one independent sigmoid per area, so a message can have several).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

T = TypeVar("T")
URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
HANDLE = re.compile(r"(?<![\w@])@\w+")
STRETCH = re.compile(r"(\w)\1{2,}")
REDACTION = re.compile(r"\bX{2,}(?:/X{2,})*\b")
WORD_TOKENS = r"[\w']+|[^\w\s]"
WORD_BITS = 18
CHAR_BITS = 18


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def normalise(text: str) -> str:
    """What the model reads: entities unescaped, links, handles and redactions as placeholders.

    Handles become ``@user`` so a brand's name never carries sentiment of its own.
    """
    text = html.unescape(text).replace("`", "'").replace("\u2019", "'")
    text = URL.sub(" http ", text)
    text = HANDLE.sub("@user", text)
    text = REDACTION.sub("xx", text)
    text = STRETCH.sub(r"\1\1", text)
    return " ".join(text.lower().split())


def _vectorisers() -> tuple[HashingVectorizer, HashingVectorizer]:
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**WORD_BITS,
                              token_pattern=WORD_TOKENS, alternate_sign=False, norm=None,
                              lowercase=False)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=2**CHAR_BITS,
                              alternate_sign=False, norm=None, lowercase=False)
    return words, chars


def counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Raw hashed n-gram counts of normalised texts (word block, then character block)."""
    words, chars = _vectorisers()
    plain = [normalise(t) for t in texts]
    return sparse.hstack([words.transform(plain), chars.transform(plain)], format="csr")


def weigh(matrix: sparse.csr_matrix, idf: NDArray[np.float32]) -> sparse.csr_matrix:
    """Sublinear tf times idf, each row scaled to unit length."""
    weighted = matrix.astype(np.float32)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf).tocsr()
    return normalize(weighted)


def fit_idf(matrix: sparse.csr_matrix) -> NDArray[np.float32]:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    document_frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    rows = matrix.shape[0]
    idf: NDArray[np.float32] = (np.log((1 + rows) / (1 + document_frequency)) + 1
                                ).astype(np.float32)
    return idf


@dataclass(frozen=True)
class LinearTextModel:
    """Weights for ``classes`` over hashed n-grams; ``multi_label`` picks sigmoid over softmax."""

    classes: tuple[str, ...]
    idf: NDArray[np.float32]
    coef: NDArray[np.float32] | sparse.csc_matrix  # (features, classes); sparse when pruned
    intercept: NDArray[np.float32]  # (classes,)
    multi_label: bool = False
    dense_features: int = 0  # extra columns after the hashed ones (e.g. lexicon scores)

    def features(self, texts: Sequence[str], dense: NDArray[np.float64] | None = None,
                 hashed_counts: sparse.csr_matrix | None = None) -> sparse.csr_matrix:
        """``hashed_counts`` (from :func:`counts`) saves hashing texts another model hashed."""
        raw = counts(texts) if hashed_counts is None else hashed_counts
        hashed = weigh(raw, self.idf)
        if not self.dense_features:
            return hashed
        if dense is None or dense.shape != (len(texts), self.dense_features):
            raise ValueError(f"this model needs {self.dense_features} dense features per text")
        return sparse.hstack([hashed, sparse.csr_matrix(dense)], format="csr")

    def probabilities(self, texts: Sequence[str], dense: NDArray[np.float64] | None = None,
                      hashed_counts: sparse.csr_matrix | None = None) -> NDArray[np.float64]:
        """One row per text: class probabilities (softmax), or one sigmoid per class."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        product = self.features(texts, dense, hashed_counts) @ self.coef
        if sparse.issparse(product):
            product = product.toarray()
        logits = np.asarray(product, dtype=np.float64) + self.intercept
        if self.multi_label:
            result: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
            return result
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        softmax: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return softmax

    def save(self, path: Path) -> None:
        """Compressed arrays; float16 weights (and pruning for many classes) keep it small."""
        path.parent.mkdir(parents=True, exist_ok=True)
        weights: dict[str, NDArray[np.generic]] = {}
        if sparse.issparse(self.coef):
            pruned = sparse.csc_matrix(self.coef)
            weights = {"coef_data": pruned.data.astype(np.float16), "coef_indices": pruned.indices,
                       "coef_indptr": pruned.indptr, "coef_shape": np.array(pruned.shape)}
        else:
            weights = {"coef": np.asarray(self.coef).astype(np.float16)}
        arrays: dict[str, NDArray[np.generic]] = {
            "classes": np.array(self.classes), "idf": self.idf.astype(np.float16),
            "intercept": self.intercept, "multi_label": np.array(self.multi_label),
            "dense_features": np.array(self.dense_features),
            "bits": np.array([WORD_BITS, CHAR_BITS]), **weights}
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        with np.load(path, allow_pickle=False) as arrays:
            if tuple(int(b) for b in arrays["bits"]) != (WORD_BITS, CHAR_BITS):
                raise ValueError(f"{path}: built for other hash sizes; train it again")
            if "coef" in arrays:
                coef: NDArray[np.float32] | sparse.csc_matrix = arrays["coef"].astype(np.float32)
            else:
                coef = sparse.csc_matrix(
                    (arrays["coef_data"].astype(np.float32), arrays["coef_indices"],
                     arrays["coef_indptr"]), shape=tuple(arrays["coef_shape"]))
            return cls(classes=tuple(str(c) for c in arrays["classes"]),
                       idf=arrays["idf"].astype(np.float32), coef=coef,
                       intercept=arrays["intercept"].astype(np.float32),
                       multi_label=bool(arrays["multi_label"]),
                       dense_features=int(arrays["dense_features"]))
