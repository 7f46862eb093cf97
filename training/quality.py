"""Identity-resolution quality against a generator's ground truth: pairwise precision/recall."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def pairwise_scores(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    """Precision and recall over pairs of identities put in one customer (shared ids only)."""
    shared = predicted.keys() & truth.keys()
    both = Counter((predicted[i], truth[i]) for i in shared)
    predicted_sizes = Counter(predicted[i] for i in shared)
    true_sizes = Counter(truth[i] for i in shared)
    true_positive = sum(_pairs(n) for n in both.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / true_pairs if true_pairs else 1.0
    return precision, recall


def read_truth(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["identity_id"]: row["customer"] for row in csv.DictReader(handle)}
